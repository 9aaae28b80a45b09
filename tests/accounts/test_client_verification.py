"""Phone verification: hashed code, 10-minute expiry, 5 attempts, 60 s resend cooldown, 30-day session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.accounts import clients
from app.accounts.models import ClientSession, ClientVerification
from app.core import clock, tenancy
from app.core.errors import ValidationError
from app.core.ratelimit import RateLimited
from app.extensions import db

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def tenant(create_tenant, frozen_now):
    frozen_now(NOW)
    t = create_tenant("anna", default_language="kk")
    with tenancy.tenant_scope(t.id):
        yield t


def test_code_is_only_stored_as_hmac(tenant, sms):
    clients.start_client_verification(tenant, "8 701 555 01 01", None)
    code = sms[-1]["code"]
    row = db.session.scalars(sa.select(ClientVerification)).one()
    assert row.phone == "+77015550101"
    assert code not in row.code_hmac
    assert len(row.code_hmac) == 64
    assert sms[-1]["language"] == "kk"  # an unknown client gets the business's language
    assert row.expires_at == NOW + timedelta(minutes=10)


def test_success_creates_client_and_session(tenant, sms):
    clients.start_client_verification(tenant, "+77015550101", "ru")
    client, token = clients.complete_client_verification(tenant, "+77015550101", sms[-1]["code"], name="Dana")
    assert client.name == "Dana"
    assert client.language == "ru"
    session = db.session.scalars(sa.select(ClientSession)).one()
    assert token not in session.token_hash
    assert session.expires_at == NOW + timedelta(days=30)
    assert clients.client_from_token(tenant, token).id == client.id
    # The code is spent.
    with pytest.raises(ValidationError):
        clients.complete_client_verification(tenant, "+77015550101", sms[-1]["code"])
    clock.freeze(NOW + timedelta(days=30, seconds=1))
    assert clients.client_from_token(tenant, token) is None


def test_code_expires_after_ten_minutes(tenant, sms):
    clients.start_client_verification(tenant, "+77015550101", "en")
    clock.freeze(NOW + timedelta(minutes=10, seconds=1))
    with pytest.raises(ValidationError) as exc:
        clients.complete_client_verification(tenant, "+77015550101", sms[-1]["code"])
    assert "code" in exc.value.details


def test_five_wrong_codes_kill_the_code(tenant, sms):
    clients.start_client_verification(tenant, "+77015550101", "en")
    code = sms[-1]["code"]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(clients.WrongCode):
            clients.complete_client_verification(tenant, "+77015550101", wrong)
    with pytest.raises(ValidationError):
        clients.complete_client_verification(tenant, "+77015550101", code)


def test_resend_cooldown(tenant, sms):
    clients.start_client_verification(tenant, "+77015550101", "en")
    clock.freeze(NOW + timedelta(seconds=30))
    with pytest.raises(RateLimited) as exc:
        clients.start_client_verification(tenant, "+77015550101", "en")
    assert 1 <= exc.value.retry_after <= 31
    clock.freeze(NOW + timedelta(seconds=61))
    clients.start_client_verification(tenant, "+77015550101", "en")
    assert len(sms) == 2
    # Only the newest code works (the old one was retired when the new one was sent).
    old = db.session.scalars(sa.select(ClientVerification).order_by(ClientVerification.id)).first()
    assert old.consumed_at is not None
    client, _token = clients.complete_client_verification(tenant, "+77015550101", sms[1]["code"])
    assert client.phone == "+77015550101"


def test_wrong_attempts_survive_the_failed_request(api, create_tenant, commit, sms):
    """The API stores the attempt counter even though the request answers 422."""
    t = create_tenant("anna")
    commit()
    api.post("/public/client/verify", json={"subdomain": "anna", "phone": "+77015550101"})
    code = sms[-1]["code"]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        status, data, _ = api.post(
            "/public/client/verify", json={"subdomain": "anna", "phone": "+77015550101", "code": wrong}
        )
        assert status == 422
    status, data, _ = api.post(
        "/public/client/verify", json={"subdomain": "anna", "phone": "+77015550101", "code": code}
    )
    assert (status, data["error"]) == (422, "validation_error")
    with tenancy.tenant_scope(t.id):
        db.session.expire_all()
        row = db.session.scalars(sa.select(ClientVerification)).one()
        assert (row.attempts, row.consumed_at is not None) == (5, True)


def test_wrong_codes_on_the_web_page_are_counted_although_the_page_fails(host_client, create_tenant, commit, sms):
    """The page answers 422 and the request rolls back; the service stores the attempt on its own."""
    t = create_tenant("anna")
    commit()
    page = host_client("anna")
    assert page.post("/verify", data={"phone": "+77015550101", "next": "/my"}).status_code == 200
    code = sms[-1]["code"]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        resp = page.post("/verify/code", data={"phone": "+77015550101", "code": wrong, "next": "/my"})
        assert resp.status_code == 422
    resp = page.post("/verify/code", data={"phone": "+77015550101", "code": code, "next": "/my"})
    assert resp.status_code == 422
    with tenancy.tenant_scope(t.id):
        db.session.expire_all()
        row = db.session.scalars(sa.select(ClientVerification)).one()
        assert (row.attempts, row.consumed_at is not None) == (5, True)


def test_no_enumeration_known_and_unknown_phones_answer_alike(api, create_tenant, create_client, commit, sms):
    t = create_tenant("anna")
    create_client(t, phone="+77015550101")
    commit()
    known = api.post("/public/client/verify", json={"subdomain": "anna", "phone": "+77015550101"})
    unknown = api.post("/public/client/verify", json={"subdomain": "anna", "phone": "+77015550109"})
    assert known[:2] == unknown[:2] == (202, {"status": "code_sent"})


def test_verification_for_inactive_business_is_refused(api, create_tenant, commit):
    create_tenant("anna", status="pending")
    commit()
    status, data, _ = api.post("/public/client/verify", json={"subdomain": "anna", "phone": "+77015550101"})
    assert (status, data["error"]) == (403, "tenant_not_active")


def test_clients_keep_their_language(api, create_tenant, create_client, commit, sms):
    t = create_tenant("anna")
    create_client(t, phone="+77015550101", language="kk")
    commit()
    api.post(
        "/public/client/verify", json={"subdomain": "anna", "phone": "+77015550101"}, headers={"Accept-Language": "en"}
    )
    assert sms[-1]["language"] == "kk"
    status, data, _ = api.post(
        "/public/client/verify",
        json={"subdomain": "anna", "phone": "+77015550101", "code": sms[-1]["code"]},
        headers={"Accept-Language": "en"},
    )
    assert status == 200
    status, me, _ = api.get("/me", token=data["client_token"])
    assert status == 200
    assert me["language"] == "kk"
    # A new client gets the browser's language, or the one they chose.
    api.post(
        "/public/client/verify", json={"subdomain": "anna", "phone": "+77015550102"}, headers={"Accept-Language": "ru"}
    )
    assert sms[-1]["language"] == "ru"
    api.post(
        "/public/client/verify",
        json={"subdomain": "anna", "phone": "+77015550103", "language": "kk"},
        headers={"Accept-Language": "ru"},
    )
    assert sms[-1]["language"] == "kk"
