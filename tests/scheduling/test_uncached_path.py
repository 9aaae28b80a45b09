"""The uncached availability path: what one new question costs (statements, Redis round trips).

The public API keeps its whole answer in Redis (``@http_cache``), so its views ask
``get_availability(cached=False)`` and ``free_days(cached=False)``: the slots and free days
themselves are not looked up or written there.  The booking page (and every other caller)
still keeps them.  On PostgreSQL the
calendar statement always runs its generic plan (``plan_cache_mode``), never one planned
for the values at hand.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.core.tenancy import tenant_scope
from app.extensions import db
from app.scheduling import queries as q
from app.scheduling import services as ss
from app.scheduling.calendar import free_days

API = "/api/v1/public/business"
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # Monday 08:00 in Almaty
DAY = date(2026, 12, 8)


@pytest.fixture
def shop(create_tenant, create_service, create_master, commit, frozen_now):
    frozen_now(NOW)
    tenant = create_tenant("anna")
    service = create_service(tenant, duration=60)
    master = create_master(tenant, services=[service])
    other = create_master(tenant, name="Dana", services=[service])
    commit()
    return tenant, service, master, other


def _slot_keys(sent: list[list[str]]) -> list[list[str]]:
    return [words for words in sent if any(w.startswith(("avail:", "freedays:")) for w in words)]


def _reads(statements: list[str]) -> list[str]:
    starts = ("SELECT", "EXECUTE", "WITH", "SET LOCAL PLAN_CACHE_MODE")
    return [s for s in statements if s.lstrip().upper().startswith(starts)]


def test_a_new_api_question_reads_the_calendar_once_and_never_the_slot_cache(shop, client, count_queries, redis_trips):
    tenant, service, master, _ = shop
    url = f"{API}/anna/availability?service_id={service.id}&master_id={master.id}&date="
    assert client.get(url + str(DAY)).status_code == 200  # the masters list and versions are now cached
    for day in (DAY + timedelta(days=1), DAY + timedelta(days=2)):
        with count_queries() as stmts, redis_trips() as sent:
            resp = client.get(url + str(day))
        assert resp.status_code == 200
        assert resp.get_json()["slots"], day
        assert len(_reads(stmts.statements)) == 1, stmts.statements
        assert _slot_keys(sent) == [], sent
        # The same answer as the service gives with its slot cache.
        with tenant_scope(tenant.id):
            direct = ss.get_availability(tenant, service_id=service.id, date_from=day, master_id=master.id)
        assert [s["start"] for s in resp.get_json()["slots"]] == [x["start"].isoformat() for x in direct["slots"]]


def test_a_new_free_days_question_never_reads_the_cached_days(shop, client, count_queries, redis_trips):
    tenant, service, master, _ = shop
    url = f"{API}/anna/availability/days?service_id={service.id}&master_id={master.id}&month="
    assert client.get(url + "2026-12").status_code == 200
    with count_queries() as stmts, redis_trips() as sent:
        resp = client.get(url + "2027-01")
    assert resp.status_code == 200
    assert resp.get_json()["days"]
    assert len(_reads(stmts.statements)) == 1, stmts.statements
    assert _slot_keys(sent) == [], sent
    with tenant_scope(tenant.id):
        direct = free_days(tenant, service_id=service.id, month=date(2027, 1, 1), master_id=master.id)
    assert resp.get_json()["days"] == [d.isoformat() for d in direct.free]


def test_the_slot_cache_serves_other_callers_and_cached_false_bypasses_it(shop, app, count_queries, redis_trips):
    tenant, service, master, other = shop
    with tenant_scope(tenant.id):
        ask = {"service_id": service.id, "date_from": DAY, "days": 2, "location_id": master.location_id}
        first = ss.get_availability(tenant, **ask)
        with count_queries() as stmts, redis_trips() as sent:
            again = ss.get_availability(tenant, **ask)
        assert again == first
        assert _reads(stmts.statements) == [], stmts.statements
        assert [w[0] for w in _slot_keys(sent)] == ["GET"]
        with count_queries() as stmts, redis_trips() as sent:
            fresh = ss.get_availability(tenant, **ask, cached=False)
        assert fresh == first
        assert {s["master_id"] for s in fresh["slots"]} == {master.id, other.id}
        assert len(_reads(stmts.statements)) == 1, stmts.statements
        assert _slot_keys(sent) == []


def test_the_calendar_statement_always_runs_its_generic_plan(shop, app):
    """Left to choose, PostgreSQL would plan the statement again for each execution after a
    few questions about one master (its generic plan guesses ten ids in the array)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    tenant, service, master, _ = shop
    with tenant_scope(tenant.id):
        conn = db.session.connection()  # the prepared statements live as long as this connection

        def plans() -> tuple[int, int]:
            row = conn.exec_driver_sql(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = %s",
                (q.CALENDAR_PREPARED,),
            ).first()
            return (row[0], row[1]) if row else (0, 0)

        before = plans()
        for i in range(8):
            who = {"master_id": master.id} if i % 2 else {"location_id": master.location_id}
            ss.get_availability(tenant, service_id=service.id, date_from=DAY + timedelta(days=i), cached=False, **who)
        after = plans()
    assert (after[0] - before[0], after[1] - before[1]) == (8, 0)


def test_a_new_api_question_is_computed_before_flask_in_one_statement_with_the_tenant_scope(
    shop, app, client, count_queries, redis_trips
):
    """The fast path (app/api/v1/fastpath.py) computes a new question itself: no Flask
    request; on PostgreSQL the tenant guard's set_config travels with the calendar
    statement, which runs in the driver's autocommit on a connection of its own (no BEGIN
    and COMMIT round trips: one round trip in all; no session transaction), and the
    connection goes back to the pool as it came."""
    import sqlalchemy as sa
    from flask import request_started

    _, service, master, _ = shop
    autocommit: list[bool] = []

    def sent_in(conn, cursor, statement, *args):
        autocommit.append(getattr(conn.connection.dbapi_connection, "autocommit", None))

    url = f"{API}/anna/availability?service_id={service.id}&master_id={master.id}&date="
    assert client.get(url + str(DAY)).status_code == 200  # the masters list and versions are now cached
    seen: list = []

    def started(sender, **_):
        seen.append(sender)

    began: list = []

    def session_began(session, transaction, connection):
        began.append(connection)

    request_started.connect(started, app)
    sa.event.listen(db.engine, "before_cursor_execute", sent_in)
    sa.event.listen(sa.orm.Session, "after_begin", session_began)
    try:
        with count_queries() as stmts, redis_trips() as sent:
            resp = client.get(url + str(DAY + timedelta(days=1)))
    finally:
        request_started.disconnect(started, app)
        sa.event.remove(db.engine, "before_cursor_execute", sent_in)
        sa.event.remove(sa.orm.Session, "after_begin", session_began)
    assert resp.status_code == 200 and resp.get_json()["slots"]
    assert seen == [], "answered by Flask"
    assert len(_reads(stmts.statements)) == 1, stmts.statements
    # The look-up (with the masters' list and their versions), the answer stored.
    assert [w[0] for w in sent] == ["EVALSHA", "SET"], sent
    if db.engine.dialect.name == "postgresql":
        [statement] = stmts.statements
        assert statement.startswith("SELECT set_config('app.tenant_id'"), statement
        assert "EXECUTE " in statement
        assert autocommit == [True]
        assert began == [], "the statement ran in a session transaction"  # its own connection (prepared.autocommit)
        for _ in range(db.engine.pool.size()):  # every pooled connection is back to transactions
            with db.engine.connect() as conn:
                assert conn.connection.dbapi_connection.autocommit is False
    else:
        assert set(autocommit) == {None}  # SQLite: its own transaction handling, untouched
