"""Parallel guesses at one SMS code through the real JSON API against a multi-process gunicorn
(issue 8, item 6b).

A code allows 5 attempts.  Every guess is counted before it is checked, atomically, so however
many guesses arrive at once no more than 5 are ever checked; a wrong one stays counted on the
row although its request answers 422; a right one spends the code once.  Each test runs
``ROUNDS`` rounds, a fresh code per round, on whichever database the suite uses.  The codes
are planted in the database with the server's key, so the test knows them.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts import clients
from app.accounts.models import Client, ClientSession, ClientVerification
from app.core.tenancy import tenant_scope
from app.core.types import utcnow
from app.extensions import db
from tests.live import SECRET_KEY, burst, call, gunicorn

pytestmark = pytest.mark.slow

ROUNDS = 20
GUESSES = 20
CODE = "424242"
PATH = "/api/v1/public/client/verify"


@pytest.fixture
def tenant(create_tenant):
    t = create_tenant("codes")
    db.session.commit()
    return t


@pytest.fixture
def plant(app, monkeypatch, tenant):
    """``plant(phone)`` stores an open verification whose code is ``CODE`` (the server's HMAC)."""
    monkeypatch.setitem(app.config, "SECRET_KEY", SECRET_KEY)

    def do(phone: str) -> None:
        now = utcnow()
        with tenant_scope(tenant.id):
            db.session.add(
                ClientVerification(
                    phone=phone,
                    code_hmac=clients._code_hmac(tenant.id, phone, CODE),
                    language="en",
                    attempts=0,
                    sent_at=now,
                    expires_at=now + timedelta(minutes=10),
                )
            )
            db.session.commit()

    return do


def _guess(phone: str, code: str) -> tuple:
    return ("POST", PATH, {"subdomain": "codes", "phone": phone, "code": code, "name": "Guess"}, None)


def _wrong(i: int) -> str:
    return f"{(int(CODE) + 1 + i) % 10**6:06d}"


def _row(tenant, phone: str) -> ClientVerification:
    db.session.rollback()
    with tenant_scope(tenant.id):
        return db.session.scalars(select(ClientVerification).where(ClientVerification.phone == phone)).one()


def _sessions(tenant, phone: str) -> int:
    db.session.rollback()
    with tenant_scope(tenant.id):
        return db.session.scalar(
            select(func.count(ClientSession.id))
            .join(Client, Client.id == ClientSession.client_id)
            .where(Client.phone == phone)
        )


def _statuses(results) -> list[int]:
    assert all(s in (200, 422) for s, _ in results), results
    assert all(body.get("error") == "validation_error" for s, body in results if s == 422), results
    return sorted(s for s, _ in results)


def test_parallel_wrong_guesses_are_all_counted_and_exactly_five_are_checked(app, app_config, tmp_path, tenant, plant):
    phones = [f"+7701555{i:04d}" for i in range(ROUNDS)]
    for phone in phones:
        plant(phone)
    with gunicorn(app, app_config, tmp_path) as port:
        for phone in phones:
            results = burst(port, [_guess(phone, _wrong(i)) for i in range(GUESSES)])
            assert _statuses(results) == [422] * GUESSES
            # Only checked guesses are recorded on the row: exactly five, and the code is dead.
            row = _row(tenant, phone)
            assert (row.attempts, row.consumed_at is not None) == (clients.MAX_ATTEMPTS, True), phone
            status, body = call(port, *_guess(phone, CODE)[:3])
            assert (status, body.get("error")) == (422, "validation_error"), (phone, body)
            assert _sessions(tenant, phone) == 0


def test_the_right_code_among_parallel_guesses_is_one_of_at_most_five_checked(app, app_config, tmp_path, tenant, plant):
    phones = [f"+7701556{i:04d}" for i in range(ROUNDS)]
    for phone in phones:
        plant(phone)
    with gunicorn(app, app_config, tmp_path) as port:
        for rnd, phone in enumerate(phones):
            guesses = [_guess(phone, _wrong(i)) for i in range(GUESSES - 1)]
            guesses.insert(rnd % GUESSES, _guess(phone, CODE))
            statuses = _statuses(burst(port, guesses))
            won = statuses.count(200)
            assert won <= 1, statuses
            row = _row(tenant, phone)
            # Checked guesses: the recorded wrong ones plus the right one if it won.
            assert row.attempts + won <= clients.MAX_ATTEMPTS, (phone, row.attempts, won)
            assert row.attempts == clients.MAX_ATTEMPTS or won == 1, (phone, row.attempts)
            assert row.consumed_at is not None
            assert _sessions(tenant, phone) == won
            status, _body = call(port, *_guess(phone, CODE)[:3])
            assert status == 422, phone


def test_the_right_code_sent_many_times_at_once_opens_one_session(app, app_config, tmp_path, tenant, plant):
    phones = [f"+7701557{i:04d}" for i in range(ROUNDS)]
    for phone in phones:
        plant(phone)
    with gunicorn(app, app_config, tmp_path) as port:
        for phone in phones:
            statuses = _statuses(burst(port, [_guess(phone, CODE)] * GUESSES))
            assert statuses.count(200) == 1, (phone, statuses)
            assert _sessions(tenant, phone) == 1
