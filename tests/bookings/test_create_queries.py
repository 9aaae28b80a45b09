"""Statements per booking created through ``POST /api/v1/booking``: the design, not timings.

Booking creation is a chain of round trips (token, service/master/placement, client,
lock and version bump, availability check, insert under a savepoint, audit, outbox); each
one costs a round trip to the database and Python time on every booking, so the number
is pinned here and a change that adds one has to come with a reason.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.core import prepared
from app.extensions import db

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
HOST = {"Host": "localhost:5000"}


@pytest.fixture
def booking_api(app, create_tenant, create_user, create_service, create_master, create_client, commit, frozen_now):
    frozen_now(NOW)
    t = create_tenant("anna")
    svc = create_service(t)
    create_user(t, role="owner", email="owner@anna.test")
    m = create_master(t, services=[svc])
    create_client(t, phone="+77015550101", name="Ann")
    ids = {"service_id": svc.id, "master_id": m.id}
    commit()
    client = app.test_client()
    r = client.post("/api/v1/login", json={"email": "owner@anna.test", "password": "password123"}, headers=HOST)
    headers = {**HOST, "Authorization": f"Bearer {r.get_json()['access_token']}"}

    def book(start: str, phone: str) -> tuple[int, list[str]]:
        """Post one booking; the statements sent before the request's commit."""
        seen: list[str] = []
        later: list[str] = []
        done = []

        scoped: list[str] = []

        def before(conn, cursor, statement, *args):
            if statement.startswith("SELECT set_config("):  # the tenant scope, in front of the statement
                statement = prepared.statement_text(statement.split("; ", 1)[1])
                scoped.append(statement)
            statement = prepared.statement_text(statement)  # a prepared statement: the SQL it runs
            (later if done else seen).append(" ".join(statement.split()))

        def committed(conn):
            done.append(True)

        sa.event.listen(db.engine, "before_cursor_execute", before)
        sa.event.listen(db.engine, "commit", committed)
        try:
            resp = client.post(
                "/api/v1/booking",
                headers=headers,
                json={**ids, "start": start, "client": {"name": "Ann", "phone": phone}},
            )
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)
            sa.event.remove(db.engine, "commit", committed)
        assert resp.status_code == 201, resp.get_json()
        # after the commit nothing is read again (the access log's tenant is named before it)
        assert later == [], later
        # PostgreSQL: the tenant scope rides in front of the first statement inside it (the
        # service/master look-up), not in a round trip of its own
        if db.engine.dialect.name == "postgresql":
            assert [s.split(",", 1)[0] for s in scoped] == ["SELECT services.id"], scoped
        # BEGIN opens the transaction (implicit on PostgreSQL); PREPARE happens once per
        # database connection for the availability queries, not per booking.
        return resp.status_code, [s for s in seen if s.split(" ", 1)[0].upper() not in ("BEGIN", "PREPARE")]

    return book


def _tables(statements: list[str], verb: str) -> list[str]:
    out = []
    for s in statements:
        if s.upper().startswith(verb):
            m = re.search(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", s, re.IGNORECASE)
            out.append(m.group(1) if m else s[:40])
    return out


# token/user, service/master/zone (+ the plan's headroom), client upsert, version bump (and
# lock), availability, booking insert, audit, outbox insert (no dedupe look-up: the booking is new)
CHAIN = 8


def _common_chain(statements: list[str]) -> None:
    # token + user: one statement (the revoked-family check rides along as a column)
    assert sum(s.upper().startswith("SELECT USERS.") for s in statements) == 1
    assert not any("FROM refresh_tokens WHERE" in s and s.startswith("SELECT refresh_tokens") for s in statements)
    # service, master, placement and the plan's monthly booking limit: one statement
    services = [s for s in statements if s.startswith("SELECT services.")]
    assert len(services) == 1
    assert "masters" in services[0]
    assert "locations.timezone" in services[0]
    assert "FROM subscriptions" in services[0]
    assert sum("subscriptions" in s for s in statements) == 1
    # the client: one upsert, never a look-up first
    assert _tables(statements, "INSERT") == ["clients", "bookings", "audit_log", "notifications"]
    assert not any(s.startswith("SELECT clients.") for s in statements)
    assert "ON CONFLICT" in next(s for s in statements if s.startswith("INSERT INTO clients"))
    # the version bump; on PostgreSQL its row lock also serializes the master's writers
    assert _tables(statements, "UPDATE") == ["masters"]
    assert not any("pg_advisory" in s for s in statements)  # that lock is enough
    # no SAVEPOINT round trips: the booking insert says ON CONFLICT DO NOTHING on PostgreSQL
    assert not any(s.upper().startswith(("SAVEPOINT", "RELEASE")) for s in statements)
    assert not any(s.startswith("SELECT notifications.") for s in statements)
    assert len(statements) == CHAIN, statements


def test_booking_for_a_known_client_takes_a_fixed_short_chain_of_statements(booking_api):
    _, statements = booking_api("2026-12-02T09:00:00+05:00", "+77015550101")
    _common_chain(statements)


def test_booking_for_a_new_client_takes_the_same_chain(booking_api):
    _, statements = booking_api("2026-12-02T10:00:00+05:00", "+77015550999")
    _common_chain(statements)


def test_the_notification_job_is_enqueued_in_one_redis_round_trip(booking_api, redis_trips):
    """After the commit: the cache version bump (one pipeline) and the notification job,
    whose queue registration, job hash and queue push travel together (RQ's own enqueue
    sends two MULTI/EXEC blocks)."""
    with redis_trips() as trips:
        booking_api("2026-12-02T11:00:00+05:00", "+77015550998")
    words = [" ".join(t) for t in trips]
    enqueues = [w for w in words if "rq:queue:" in w]
    assert len(enqueues) == 1, words
    assert all(k in enqueues[0] for k in ("SADD", "rq:queues", "HSET", "rq:job:", "RPUSH")), enqueues
    assert len(trips) == 2, words


def test_the_access_token_is_decoded_once_per_request_with_the_limiter_on(
    app_config, create_tenant, create_user, create_service, create_master, commit, frozen_now, monkeypatch
):
    """The rate limiter names the staff user from the token and the authentication reads the
    same token: one signature check between them, and none on the token's next request."""
    import jwt

    from app import create_app
    from app.extensions import limiter

    frozen_now(NOW)
    t = create_tenant("anna")
    svc = create_service(t)
    create_user(t, role="owner", email="owner@anna.test")
    m = create_master(t, services=[svc])
    commit()
    limited = create_app("testing", RATELIMIT_ENABLED=True, RATELIMIT_STAFF="1000 per minute", **app_config)
    try:
        client = limited.test_client()
        r = client.post("/api/v1/login", json={"email": "owner@anna.test", "password": "password123"}, headers=HOST)
        headers = {**HOST, "Authorization": f"Bearer {r.get_json()['access_token']}"}
        decoded = []
        original = jwt.decode

        def counting(*args, **kwargs):
            decoded.append(1)
            return original(*args, **kwargs)

        monkeypatch.setattr(jwt, "decode", counting)
        body = {
            "service_id": svc.id,
            "master_id": m.id,
            "start": "2026-12-02T12:00:00+05:00",
            "client": {"name": "Ann", "phone": "+77015550997"},
        }
        resp = client.post("/api/v1/booking", headers=headers, json=body)
        # The next request with the same token: the process verified it already.
        again = client.get("/api/v1/me", headers=headers)
    finally:
        # The limiter object is shared by every app of this process: switch it back off.
        limiter.enabled = False
        limiter.initialized = False
    assert resp.status_code == 201, resp.get_json()
    assert resp.headers.get("X-RateLimit-Limit") == "1000"  # the staff limit: the limiter knew the user
    assert again.status_code == 200 and again.headers.get("X-RateLimit-Limit") == "1000"
    assert len(decoded) == 1


def test_the_phone_is_parsed_and_the_language_asked_once_per_booking(booking_api, monkeypatch):
    """The body's validation and the service both check the client's phone, and the answer
    shows four business texts in the language asked: phonenumbers parses the number once,
    and the query and headers are read for the language once."""
    import phonenumbers

    from app.core import i18n

    parsed, asked = [], []
    parse, language_asked = phonenumbers.parse, i18n.language_asked

    def counting_parse(*args, **kwargs):
        parsed.append(args[0])
        return parse(*args, **kwargs)

    def counting_asked(*args, **kwargs):
        asked.append(1)
        return language_asked(*args, **kwargs)

    monkeypatch.setattr(phonenumbers, "parse", counting_parse)
    monkeypatch.setattr(i18n, "language_asked", counting_asked)
    booking_api("2026-12-03T09:00:00+05:00", "+77015550996")
    assert parsed == ["+77015550996"]
    assert len(asked) == 1
