"""PostgreSQL row-level security: the database's own tenant check behind the ORM's.

The suite connects as ``jazyl_test_app`` (owns no table, no BYPASSRLS); migrations ran as
``jazyl_test_owner``.  Raw SQL here bypasses the ORM hook on purpose, so only the policies
and the per-transaction ``set_config`` stand between a query and another tenant's rows.
"""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from sqlalchemy import select, text

from app.catalog.models import Master
from app.core import tenancy
from app.core.tenancy import tenant_scope, unscoped
from app.extensions import db

pytestmark = pytest.mark.usefixtures("_postgres_only")


@pytest.fixture
def _postgres_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row-level security is a PostgreSQL feature; SQLite has the ORM check only")


@pytest.fixture
def tenants(create_tenant, create_master):
    a, b = create_tenant("alpha"), create_tenant("beta")
    create_master(a, name="Anna")
    create_master(b, name="Bella")
    create_master(b, name="Bota")
    db.session.commit()
    return a.id, b.id


def raw_names() -> list[str]:
    return sorted(db.session.execute(text("SELECT name FROM masters")).scalars())


def test_app_role_owns_nothing_and_cannot_bypass_rls():
    me = db.session.execute(
        text("SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
    ).one()
    assert not me.rolsuper and not me.rolbypassrls
    owned = db.session.scalar(
        text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user")
    )
    assert owned == 0


def test_every_tenant_owned_table_has_forced_rls_and_a_policy():
    rows = db.session.execute(
        text(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
            " (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind = 'r'"
        )
    ).all()
    by_name = {r.relname: r for r in rows}
    expected = tenancy.tenant_tables()
    assert expected <= set(by_name)
    for name in expected:
        r = by_name[name]
        assert (r.relrowsecurity, r.relforcerowsecurity, r.policies >= 1) == (True, True, True), name


def test_raw_select_sees_only_the_current_tenant(tenants):
    a_id, b_id = tenants
    with tenant_scope(a_id):
        assert raw_names() == ["Anna"]
    with tenant_scope(b_id):
        assert raw_names() == ["Bella", "Bota"]
    assert raw_names() == []  # no scope: the database shows nothing
    with unscoped("test: platform path"):
        assert raw_names() == ["Anna", "Bella", "Bota"]


def test_scope_entered_mid_transaction_and_left_again(tenants):
    a_id, b_id = tenants
    db.session.execute(text("SELECT count(*) FROM tenants"))  # the transaction begins unscoped
    with tenant_scope(a_id):
        assert raw_names() == ["Anna"]
        with tenant_scope(b_id):
            assert raw_names() == ["Bella", "Bota"]
        assert raw_names() == ["Anna"]
    assert raw_names() == []


def test_setting_does_not_outlive_its_transaction_on_a_pooled_connection(tenants):
    a_id, _ = tenants
    db.session.remove()
    with db.engine.connect() as conn:  # one connection, two transactions
        with tenant_scope(a_id):
            assert conn.execute(text("SELECT name FROM masters")).scalars().all() == ["Anna"]
            conn.commit()
        assert conn.scalar(text("SELECT coalesce(current_setting('app.tenant_id', true), '')")) == ""
        assert conn.scalar(text("SELECT count(*) FROM masters")) == 0
        conn.rollback()
        with tenant_scope(a_id):
            conn.execute(text("SELECT 1"))
        conn.rollback()  # a rollback ends it too
        assert conn.scalar(text("SELECT count(*) FROM masters")) == 0
        with tenant_scope(a_id):
            conn.execute(text("SELECT 1"))  # left inside an open transaction, returned to the pool
    for _ in range(db.engine.pool.size()):  # every pooled connection: nothing carried over
        with db.engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM masters")) == 0


def test_rolled_back_savepoint_does_not_drop_the_tenant(tenants):
    a_id, _ = tenants
    with tenant_scope(a_id):
        nested = db.session.begin_nested()
        assert raw_names() == ["Anna"]  # set_config ran inside the savepoint
        nested.rollback()  # ... which undoes it
        assert raw_names() == ["Anna"]


def test_raw_write_of_another_tenants_row_is_refused(tenants):
    a_id, b_id = tenants
    with tenant_scope(a_id):
        loc = db.session.scalar(text("SELECT id FROM locations"))
        with pytest.raises(sa.exc.DBAPIError, match="row-level security"):
            db.session.execute(
                text(
                    "INSERT INTO locations (tenant_id, name, address, timezone, active)"
                    " VALUES (:t, 'x', '', 'UTC', true)"
                ),
                {"t": b_id},
            )
        db.session.rollback()
        # an UPDATE cannot reach B's rows, nor move A's rows to B
        assert db.session.execute(text("UPDATE masters SET name = 'x' WHERE tenant_id = :t"), {"t": b_id}).rowcount == 0
        with pytest.raises(sa.exc.DBAPIError, match="row-level security"):
            db.session.execute(text("UPDATE locations SET tenant_id = :t WHERE id = :id"), {"t": b_id, "id": loc})
        db.session.rollback()


def test_core_table_statement_in_a_scope_is_filtered_by_the_database(tenants):
    a_id, _ = tenants
    with tenant_scope(a_id):
        assert sorted(db.session.execute(select(Master.__table__.c.name)).scalars()) == ["Anna"]


def test_platform_path_is_logged_with_its_reason(tenants, caplog):
    with caplog.at_level(logging.INFO, logger="app.core.tenancy.platform"), unscoped("test: audit me"):
        assert len(raw_names()) == 3
    assert any("test: audit me" in r.getMessage() for r in caplog.records)


def test_the_scope_travels_in_front_of_a_transactions_first_statement(tenants):
    """One round trip: the first statement of a scoped transaction is sent with the scope's
    set_config in front of it; the next ones are sent as they are."""
    a_id, _ = tenants
    sent: list[str] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    sa.event.listen(db.engine, "after_cursor_execute", capture)
    try:
        with tenant_scope(a_id):
            assert raw_names() == ["Anna"]
            assert raw_names() == ["Anna"]
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", capture)
    assert sent[0] == (
        f"SELECT set_config('app.tenant_id', '{a_id}', true), set_config('app.platform', '', true); "
        "SELECT name FROM masters"
    )
    assert sent[1] == "SELECT name FROM masters"


def test_a_statement_run_for_many_parameter_sets_gets_the_scope_before_it(tenants):
    """An executemany cannot carry the scope in front: it is set in a round trip of its own
    first, and the database applies it to every row (another tenant's row is untouched)."""
    a_id, _ = tenants
    with unscoped("test: ids"):
        ids = dict(db.session.execute(text("SELECT name, id FROM masters")).all())
    db.session.commit()
    with tenant_scope(a_id):
        db.session.execute(
            text("UPDATE masters SET name = :name WHERE id = :id"),
            [{"name": "Anna 2", "id": ids["Anna"]}, {"name": "Bella 2", "id": ids["Bella"]}],
        )
    db.session.commit()
    with unscoped("test: names"):
        assert raw_names() == ["Anna 2", "Bella", "Bota"]


def test_reads_in_autocommit_carry_the_scope_on_every_statement(tenants):
    """``prepared.autocommit``: each prepared statement is its own transaction on the
    block's own connection, so each one is sent with the scope in front (the second one is
    not left without it) and sees its tenant's rows only; the session opens no transaction;
    afterwards the connection is back in the pool, in ordinary transactions."""
    from app.core import prepared

    a_id, b_id = tenants
    db.session.commit()
    names = select(Master.__table__.c.name).where(Master.__table__.c.name != sa.bindparam("not", type_=sa.String))
    sent: list[tuple[str, bool]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, conn.connection.dbapi_connection.autocommit))

    def read() -> list[str]:
        return sorted(r.name for r in prepared.rows("jazyl_test_rls_names", names, {"not": "x"}))

    sa.event.listen(db.engine, "after_cursor_execute", capture)
    try:
        with tenant_scope(b_id), prepared.autocommit():
            assert read() == ["Bella", "Bota"]
            assert read() == ["Bella", "Bota"]
            assert not db.session().in_transaction()
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", capture)
    executes = [(s, auto) for s, auto in sent if "EXECUTE jazyl_test_rls_names" in s]
    assert len(executes) == 2, sent
    assert all(s.startswith(f"SELECT set_config('app.tenant_id', '{b_id}'") and auto for s, auto in executes), sent
    for _ in range(db.engine.pool.size()):  # every pooled connection is back to transactions
        with db.engine.connect() as conn:
            assert conn.connection.dbapi_connection.autocommit is False
    with tenant_scope(a_id):
        assert raw_names() == ["Anna"]
        assert read() == ["Anna"]
