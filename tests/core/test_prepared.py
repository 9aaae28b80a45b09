"""Hot statements as prepared statements (app.core.prepared): the same rows and the same
writes as SQLAlchemy's own execution, prepared once per connection on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.audit.models import AuditLog
from app.bookings.models import Booking
from app.core import prepared, tenancy
from app.extensions import db

START = datetime(2026, 12, 3, 5, 30, tzinfo=UTC)


def _postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


@pytest.fixture
def booked(create_tenant, create_service, create_master, create_booking):
    t = create_tenant("prep")
    svc = create_service(t, price="4500.5")
    m = create_master(t, services=[svc])
    b = create_booking(t, m, svc, START, notes="Window seat")
    db.session.commit()
    return t, b


def _booking_statement():
    table = Booking.__table__
    return sa.select(*table.c).where(
        table.c.tenant_id == sa.bindparam("t_id", type_=sa.Integer),
        table.c.id == sa.bindparam("b_id", type_=sa.Integer),
    )


def test_typed_rows_are_what_sqlalchemy_reads(booked):
    """Instants come back aware in UTC, money with two places, text and JSON as stored."""
    t, b = booked
    stmt = _booking_statement()
    params = {"t_id": t.id, "b_id": b.id}
    with tenancy.tenant_scope(t.id):
        if _postgres():  # the driver then gives instants at +05:00; SQLAlchemy's reading gives UTC
            db.session.connection().exec_driver_sql("SET LOCAL TIME ZONE 'Asia/Almaty'")
        mine = prepared.rows("test_booking_row_v1", stmt, params, typed=True)
        theirs = db.session.connection().execute(stmt, params).all()
    assert [tuple(r) for r in mine] == [tuple(r) for r in theirs]
    row = dict(zip(stmt.exported_columns.keys(), mine[0], strict=True))
    assert row["start_at"] == START and row["start_at"].utcoffset().total_seconds() == 0
    assert row["price"] == Decimal("4500.50") and str(row["price"]) == "4500.50"
    assert row["notes"] == "Window seat"


def test_an_insert_writes_what_sqlalchemy_writes(app, create_tenant):
    """Python-side defaults (created_at, actor_label) are filled in, and a JSON None is stored
    as SQLAlchemy stores it (JSON null on PostgreSQL), not as SQL NULL."""
    t = create_tenant("prepw")
    table = AuditLog.__table__
    values = {
        "tenant_id": t.id,
        "actor_type": "system",
        "actor_id": None,
        "action": "test.prepared",
        "object_type": "tenant",
        "object_id": t.id,
        "before": None,
        "after": {"n": 1},
    }
    prepared.rows("test_audit_insert_v1", sa.insert(table), values)
    db.session.connection().execute(sa.insert(table), {**values, "action": "test.core"})
    db.session.commit()
    rows = db.session.execute(
        sa.select(table.c.action, table.c.actor_label, table.c.after, table.c.created_at, table.c.before.is_(None))
        .where(table.c.action.like("test.%"))
        .order_by(table.c.action)
    ).all()
    (core, mine) = rows
    assert mine.actor_label == core.actor_label == ""
    assert mine.after == core.after == {"n": 1}
    assert mine.created_at is not None and mine.created_at.tzinfo is not None
    assert mine[4] == core[4]  # NULL or JSON null: the same either way


def test_a_statement_is_prepared_once_per_connection(booked, count_queries):
    t, b = booked
    stmt = _booking_statement()
    params = {"t_id": t.id, "b_id": b.id}
    with tenancy.tenant_scope(t.id):
        db.session.connection()  # the transaction begins outside the count
        with count_queries() as q:
            for _ in range(3):
                assert len(prepared.rows("test_booking_row_once_v1", stmt, params)) == 1
    prepares = [s for s in q.statements if s.startswith("PREPARE ")]
    assert len(prepares) == (1 if _postgres() else 0)
    assert q.count == 3 + len(prepares), q.statements
    if _postgres():
        # A log or a test reads an EXECUTE as the statement it runs.
        executes = [s for s in q.statements if "EXECUTE test_booking_row_once_v1" in s]
        assert len(executes) == 3
        text = prepared.statement_text(executes[0].split("; ", 1)[-1] if "set_config" in executes[0] else executes[0])
        assert text.startswith("SELECT bookings.id") and "$1" in text and "$2" in text
    assert prepared.statement_text("SELECT 1") == "SELECT 1"


def test_engine_listeners_see_each_execution_with_its_context_and_rows_read_as_rows(booked):
    """Listeners get an execution context, as SQLAlchemy's own executions give them: Sentry's
    integration sets its span on it before and reads it after (it failed on a missing one).
    The rows answer by index and by column name, as SQLAlchemy's rows do."""
    t, b = booked
    seen: list = []

    def before(conn, cursor, statement, parameters, context, executemany):
        context._jazyl_test_mark = statement  # as sentry_sdk's SQLAlchemy integration does
        seen.append(context.dialect.paramstyle)

    def after(conn, cursor, statement, parameters, context, executemany):
        seen.append(context._jazyl_test_mark == statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    sa.event.listen(db.engine, "after_cursor_execute", after)
    try:
        with tenancy.tenant_scope(t.id):
            rows = prepared.rows("test_booking_row_seen_v1", _booking_statement(), {"t_id": t.id, "b_id": b.id})
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
        sa.event.remove(db.engine, "after_cursor_execute", after)
    assert seen and seen[-1] is True and seen[-2] == db.engine.dialect.paramstyle, seen
    [row] = rows
    assert row.id == row[0] == b.id and row.notes == "Window seat"


def test_one_name_serves_one_set_of_columns(app, create_tenant):
    """An INSERT is prepared for the columns given under its name: other columns under the
    same name are refused, not written into the wrong places."""
    if not _postgres():
        pytest.skip("SQLite runs the statement through SQLAlchemy Core, which compiles per set of columns")
    t = create_tenant("prepk")
    base = {
        "tenant_id": t.id,
        "actor_type": "system",
        "action": "test.keys",
        "object_type": "tenant",
        "object_id": t.id,
    }
    prepared.rows("test_audit_keys_v1", sa.insert(AuditLog.__table__), base)
    with pytest.raises(ValueError, match="test_audit_keys_v1"):
        prepared.rows("test_audit_keys_v1", sa.insert(AuditLog.__table__), {**base, "actor_id": 7})
    db.session.rollback()


def test_a_row_read_joins_the_session_as_read(app, create_tenant):
    """``cache.attach(..., decoded=True)``: a row just read is taken as it is, so a JSON value
    that looks like the cache's own tags (``{"$d": ...}``) stays a dict; from the cache's JSON
    the same tag is a date."""
    from datetime import date

    from app.core import cache
    from app.tenants.models import Location

    t = create_tenant("prepa")
    row = {
        "id": 987654,
        "tenant_id": t.id,
        "name": "Branch",
        "address": "",
        "phone": None,
        "timezone": "Asia/Almaty",
        "active": True,
        "created_at": START,
        "translations": {"$d": "2026-12-03"},
    }
    with tenancy.tenant_scope(t.id):
        as_read = cache.attach(Location, row, decoded=True)
        assert as_read.translations == {"$d": "2026-12-03"}
        assert as_read in db.session and not db.session.is_modified(as_read)
        db.session.expunge(as_read)
        from_cache = cache.attach(Location, row)
        assert from_cache.translations == date(2026, 12, 3)
        db.session.expunge(from_cache)
