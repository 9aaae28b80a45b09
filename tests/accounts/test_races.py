"""Races on accounts through the real JSON API against a multi-process gunicorn (issue 8, 6a and 6c).

- Two refreshes with one refresh token at the same moment: exactly one gets a new pair; the
  other is reuse (``401 token_revoked``) and revokes the family, the winner's new pair included.
- Two registrations with the same subdomain (or the same email) at the same moment: one ``201``,
  the other ``409 subdomain_taken`` (``409 email_taken``), never a generic ``409 conflict``.
- A first-time client's two bookings at the same moment: both ``201``, for one client row.

Each runs ``ROUNDS`` rounds on whichever database the suite uses (PostgreSQL: unique indexes and
row locks; SQLite: BEGIN IMMEDIATE).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.accounts import tokens
from app.accounts.models import Client, RefreshToken, User
from app.core.tenancy import unscoped
from app.extensions import db
from app.tenants.models import Tenant
from tests.live import burst, call, gunicorn

pytestmark = pytest.mark.slow

ROUNDS = 20
PASSWORD = "race-password-123"
TZ = ZoneInfo("Asia/Almaty")


def test_one_refresh_token_spent_twice_at_once_one_wins_and_the_family_is_revoked(
    app, app_config, tmp_path, create_tenant, create_user
):
    owner = create_user(create_tenant("spin"), role="owner", email="owner@spin.example", password=PASSWORD)
    db.session.commit()
    raws = []
    for _ in range(ROUNDS):
        raws.append(tokens.issue_tokens(owner)["refresh_token"])
    db.session.commit()
    with gunicorn(app, app_config, tmp_path) as port:
        for raw in raws:
            results = burst(port, [("POST", "/api/v1/refresh-token", {"refresh_token": raw}, None)] * 2)
            assert sorted(s for s, _ in results) == [200, 401], results
            loser = next(body for s, body in results if s == 401)
            winner = next(body for s, body in results if s == 200)
            assert loser["error"] == "token_revoked", results
            # The reuse revoked the whole login: the winner's new pair is dead too.
            status, body = call(port, "POST", "/api/v1/refresh-token", {"refresh_token": winner["refresh_token"]})
            assert (status, body["error"]) == (401, "token_revoked"), body
            status, body = call(port, "GET", "/api/v1/me", token=winner["access_token"])
            assert (status, body["error"]) == (401, "token_revoked"), body
    db.session.rollback()
    live = db.session.scalar(
        select(func.count(RefreshToken.id)).where(RefreshToken.user_id == owner.id, RefreshToken.revoked_at.is_(None))
    )
    assert live == 0


def _registration(sub: str, email: str) -> dict:
    return {
        "business_name": f"Salon {sub}",
        "subdomain": sub,
        "owner_name": "Owner",
        "email": email,
        "password": PASSWORD,
    }


def test_duplicate_registrations_at_once_get_subdomain_taken_and_email_taken(app, app_config, tmp_path):
    with gunicorn(app, app_config, tmp_path) as port:
        for rnd in range(ROUNDS):
            same_sub = [
                ("POST", "/api/v1/register", _registration(f"dup{rnd}", f"a{rnd}-{i}@x.example"), None)
                for i in range(2)
            ]
            same_email = [
                ("POST", "/api/v1/register", _registration(f"solo{rnd}-{i}", f"same{rnd}@x.example"), None)
                for i in range(2)
            ]
            results = burst(port, same_sub + same_email)
            sub_r, email_r = results[:2], results[2:]
            assert sorted(s for s, _ in sub_r) == [201, 409], sub_r
            assert [b["error"] for s, b in sub_r if s == 409] == ["subdomain_taken"], sub_r
            assert sorted(s for s, _ in email_r) == [201, 409], email_r
            assert [b["error"] for s, b in email_r if s == 409] == ["email_taken"], email_r
    db.session.rollback()
    with unscoped():
        assert db.session.scalar(select(func.count(Tenant.id))) == 2 * ROUNDS
        assert db.session.scalar(select(func.count(User.id))) == 2 * ROUNDS


def test_first_time_client_booking_twice_at_once_gets_both_bookings_on_one_client(
    app, app_config, tmp_path, create_tenant, create_service, create_master, create_user
):
    tenant = create_tenant("duo")
    svc = create_service(tenant, name="Cut", duration=30)
    master = create_master(tenant, name="A", services=[svc], hours=((time(8), time(20)),))
    create_user(tenant, role="owner", email="owner@duo.example", password=PASSWORD)
    ids = {"tenant": tenant.id, "svc": svc.id, "master": master.id}
    db.session.commit()
    with gunicorn(app, app_config, tmp_path) as port:
        status, body = call(port, "POST", "/api/v1/login", {"email": "owner@duo.example", "password": PASSWORD})
        assert status == 200, body
        token = body["access_token"]
        for rnd in range(ROUNDS):
            day = datetime.combine(datetime.now(TZ).date() + timedelta(days=2 + rnd), time(0), TZ)
            phone = f"+7701{4440000 + rnd:07d}"
            requests = [
                (
                    "POST",
                    "/api/v1/booking",
                    {
                        "service_id": ids["svc"],
                        "master_id": ids["master"],
                        "start": day.replace(hour=hour).isoformat(),
                        "client": {"name": "New", "phone": phone},
                    },
                    token,
                )
                for hour in (10, 14)
            ]
            results = burst(port, requests)
            assert [s for s, _ in results] == [201, 201], results
            assert len({b["booking"]["client"]["id"] for _, b in results}) == 1, results
    db.session.rollback()
    with unscoped():
        assert db.session.scalar(select(func.count(Client.id)).where(Client.tenant_id == ids["tenant"])) == ROUNDS
