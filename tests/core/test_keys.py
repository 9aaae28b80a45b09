"""Citus-ready keys, checked on the migrated database (the session's ``app`` ran every migration).

Citus distributes each tenant-owned table by ``tenant_id``; it refuses a primary key, unique
or exclusion constraint without the distribution column, and a foreign key between two
distributed tables must join on it.  These tests read the real schema with SQLAlchemy's
inspector (and ``pg_constraint`` for exclusion constraints), so a migration that forgets
``tenant_id`` fails here even if the models are right; a last test checks that the models
and the migrations declare the same keys.  docs/scaling.md describes the Citus move.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.sql import visitors

import app.models  # noqa: F401 -- every model in the metadata
from app.core.tenancy import TenantScoped, tenant_scope
from app.extensions import db
from tests.api.conftest import api, openapi_doc, sms, verified_client  # noqa: F401

# Tables with a tenant_id column that are NOT tenant-owned, and why.  Each keeps a nullable
# tenant_id (a filter, not an owner) and stays on the Citus coordinator (docs/scaling.md).
PLATFORM_TABLES = {
    "users": "staff and super admins: super admins have no tenant, and sign-in finds a user by "
    "email across tenants, so email is unique platform-wide (a Citus reference table)",
    "audit_log": "written for platform actions (tenant approval) with no tenant, and read across "
    "tenants by the admin audit page",
    "notifications": "the outbox: platform mail has no tenant, the sweeps read across tenants, "
    "and dedupe_key is unique platform-wide",
}
# Platform tables that tenant-owned rows may reference (Citus: distributed -> reference).
REFERENCE_TABLES = {"tenants", "users"}
# Foreign keys from a platform table into a tenant-owned table.  Citus cannot keep one from a
# reference table to a distributed table, so each is dropped on the move (docs/scaling.md).
PLATFORM_TO_TENANT_FKS = {
    ("users", "locations"): "a manager's location; the service checks it on a Citus deployment",
}


def _inspector() -> sa.Inspector:
    return sa.inspect(db.engine)


def _tenant_owned(insp: sa.Inspector) -> list[str]:
    return sorted(
        t
        for t in insp.get_table_names()
        if t not in PLATFORM_TABLES and any(c["name"] == "tenant_id" for c in insp.get_columns(t))
    )


def test_tenant_owned_tables_are_exactly_the_tenant_scoped_models():
    insp = _inspector()
    owned = _tenant_owned(insp)
    models = sorted(m.class_.__tablename__ for m in db.Model.registry.mappers if issubclass(m.class_, TenantScoped))
    assert owned == models
    assert {"bookings", "service_locations", "master_services", "masters", "client_sessions"} <= set(owned)
    for table in owned:
        tenant_id = next(c for c in insp.get_columns(table) if c["name"] == "tenant_id")
        assert tenant_id["nullable"] is False, table
    for table in PLATFORM_TABLES:  # the exceptions really are platform tables
        tenant_id = next(c for c in insp.get_columns(table) if c["name"] == "tenant_id")
        assert tenant_id["nullable"] is True, table


def test_every_primary_key_of_a_tenant_owned_table_leads_with_tenant_id():
    insp = _inspector()
    wrong = {}
    for table in _tenant_owned(insp):
        columns = insp.get_pk_constraint(table)["constrained_columns"]
        if columns[:1] != ["tenant_id"]:
            wrong[table] = columns
    assert wrong == {}


def test_every_unique_key_of_a_tenant_owned_table_includes_tenant_id():
    insp = _inspector()
    wrong = []
    for table in _tenant_owned(insp):
        uniques = [(u["name"], u["column_names"]) for u in insp.get_unique_constraints(table)]
        uniques += [(i["name"], i["column_names"]) for i in insp.get_indexes(table) if i["unique"]]
        wrong += [(table, name, cols) for name, cols in uniques if "tenant_id" not in cols]
    assert wrong == []


def test_foreign_keys_between_tenant_owned_tables_join_on_tenant_id():
    insp = _inspector()
    owned = set(_tenant_owned(insp))
    wrong, checked = [], 0
    for table in owned:
        for fk in insp.get_foreign_keys(table):
            target = fk["referred_table"]
            pairs = set(zip(fk["constrained_columns"], fk["referred_columns"], strict=True))
            if target in owned:
                checked += 1
                if ("tenant_id", "tenant_id") not in pairs:
                    wrong.append((table, fk["name"], "does not join on tenant_id"))
            elif target not in REFERENCE_TABLES:
                wrong.append((table, fk["name"], f"references {target}, which is not a reference table"))
    assert wrong == []
    assert checked >= 14  # the composite keys are really there (bookings alone has four)


def test_platform_tables_reference_tenant_owned_tables_only_where_listed():
    insp = _inspector()
    owned = set(_tenant_owned(insp))
    found = {
        (table, fk["referred_table"])
        for table in insp.get_table_names()
        if table not in owned
        for fk in insp.get_foreign_keys(table)
        if fk["referred_table"] in owned
    }
    assert found == set(PLATFORM_TO_TENANT_FKS)


def test_exclusion_constraints_lead_with_tenant_id_equality():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("exclusion constraints exist on PostgreSQL only")
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'x' AND connamespace = 'public'::regnamespace"
            )
        ).all()
    definitions = {name: (table, definition) for table, name, definition in rows}
    assert "bookings_no_overlap" in definitions
    for name, (table, definition) in definitions.items():
        assert table in _tenant_owned(_inspector()), name
        assert definition.startswith("EXCLUDE USING gist (tenant_id WITH =,"), (name, definition)
    assert "WHERE (((status)::text = ANY" in definitions["bookings_no_overlap"][1]


def test_models_and_migrations_declare_the_same_keys():
    """Alembic's comparison covers unique constraints, indexes and foreign keys; it does not
    compare primary keys, so those are compared column by column."""
    key_ops = {"add_index", "remove_index", "add_constraint", "remove_constraint", "add_fk", "remove_fk"}
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), db.metadata)
    key_diffs = [d for d in diffs if isinstance(d, tuple) and d[0] in key_ops]
    assert key_diffs == []

    insp = _inspector()
    pk_diffs = {}
    for table in db.metadata.sorted_tables:
        declared = [c.name for c in table.primary_key.columns]
        migrated = insp.get_pk_constraint(table.name)["constrained_columns"]
        if declared != migrated:
            pk_diffs[table.name] = (declared, migrated)
    assert pk_diffs == {}


# ---------------------------------------------------------------- generated ids and lookups


def test_ids_are_generated_per_table_and_unique_across_tenants(create_tenant):
    from app.tenants.models import Location

    a, b = create_tenant(), create_tenant()
    rows = {}
    for tenant in (a, b, a):
        with tenant_scope(tenant.id):
            batch = [Location(tenant_id=tenant.id, name=f"L{i}", timezone="UTC") for i in range(3)]
            db.session.add_all(batch)
            db.session.flush()  # several rows of one table in one flush
            rows.update({loc.id: (tenant.id, loc) for loc in batch})
    assert len(rows) == 9  # no id was handed out twice, within a flush or across tenants
    for loc_id, (tenant_id, loc) in rows.items():
        with tenant_scope(tenant_id):
            assert db.session.get(Location, (tenant_id, loc_id)) is loc


def test_relationships_between_tenant_owned_models_join_on_tenant_id():
    """Joins (and Citus co-located joins) stay inside one tenant even in platform-wide queries."""
    sa.orm.configure_mappers()
    checked = 0
    for mapper in db.Model.registry.mappers:
        for rel in mapper.relationships:
            if not (issubclass(mapper.class_, TenantScoped) and issubclass(rel.mapper.class_, TenantScoped)):
                continue
            for join in (j for j in (rel.primaryjoin, rel.secondaryjoin) if j is not None):
                columns = [e for e in visitors.iterate(join) if isinstance(e, sa.Column)]
                tables = {c.table.name for c in columns}
                with_tenant = {c.table.name for c in columns if c.name == "tenant_id"}
                assert len(tables) == 2 and with_tenant == tables, (mapper.class_.__name__, rel.key, str(join))
                checked += 1
    assert checked >= 10


def test_orm_writes_of_a_tenant_owned_row_are_keyed_by_tenant_id(create_tenant):
    from app.tenants.models import Location

    tenant = create_tenant()
    sent = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("UPDATE", "DELETE")):
            sent.append(statement)

    with tenant_scope(tenant.id):
        loc = db.session.scalars(sa.select(Location)).one()
        sa.event.listen(db.engine, "before_cursor_execute", capture)
        try:
            loc.name = "Renamed"
            db.session.flush()
            db.session.delete(loc)
            db.session.flush()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", capture)
    assert [s.split()[0] for s in sent] == ["UPDATE", "DELETE"]
    for statement in sent:
        assert "locations.tenant_id = " in statement and "locations.id = " in statement, statement


def _plans(fn: Callable[[], object], table: str, column: str) -> list[str]:
    """Run ``fn`` and return the database's plan of every statement it sent that filters
    ``table`` on ``column``."""
    seen: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("SELECT set_config("):  # the tenant guard's scope, sent in front of it
            statement = statement.split("; ", 1)[1]
        if statement.lstrip().upper().startswith("SELECT") and f"{table}.{column} =" in statement:
            seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        fn()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    assert seen, f"no query of {table} by {column}"
    plans = []
    with db.engine.connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:  # tiny tables: make the planner show which index it *can* use
            conn.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in seen:
            explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            result = conn.exec_driver_sql(explain + statement, parameters).all()
            plans.append("\n".join(str(row[-1]) for row in result))
        conn.rollback()
    return plans


def _probes(plan: str, index_name: str, columns: list[str]) -> bool:
    """Does the plan probe ``index_name`` with an equality on each of ``columns``, and read
    every other table through an index too (no full scan, no throwaway index)?"""
    lines = plan.splitlines()
    if db.engine.dialect.name == "sqlite":  # "SEARCH t USING INDEX sqlite_autoindex_t_2 (a=? AND b=?)"
        probe = "(" + " AND ".join(f"{c}=?" for c in columns) + ")"
        scans = [ln for ln in lines if (ln.startswith("SCAN ") and ln != "SCAN CONSTANT ROW") or "AUTOMATIC" in ln]
        return any(probe in ln for ln in lines) and not scans
    probe_at = [i for i, ln in enumerate(lines) if index_name in ln]
    conds = [lines[i + 1] for i in probe_at if i + 1 < len(lines) and "Index Cond" in lines[i + 1]]
    # "Index Cond: ((tenant_id = 1) AND ((token_hash)::text = '...'::text))"
    return (
        any(all(re.search(rf"\b{c}\)?(::\w+)? = ", cond) for c in columns) for cond in conds) and "Seq Scan" not in plan
    )


def test_client_token_lookup_probes_the_tenant_keyed_unique_index(create_tenant, commit, verified_client):  # noqa: F811
    from app.accounts.clients import session_for_token

    tenant = create_tenant("anna")
    commit()
    token = verified_client("anna")["client_token"]
    found = []
    plans = _plans(lambda: found.append(session_for_token(token)), "client_sessions", "token_hash")
    assert found[0] is not None and found[0].tenant_id == tenant.id
    assert all(_probes(p, "uq_client_sessions_tenant_id_token_hash", ["tenant_id", "token_hash"]) for p in plans), plans


def test_master_of_a_user_lookup_probes_the_tenant_keyed_unique_index(create_tenant, create_user, create_master):
    from app.catalog.queries import get_master_for_user

    tenant = create_tenant()
    user = create_user(tenant, role="master")
    master = create_master(tenant, user=user)
    found = []
    with tenant_scope(tenant.id):
        plans = _plans(lambda: found.append(get_master_for_user(user.id)), "masters", "user_id")
    assert found == [master]
    assert all(_probes(p, "uq_masters_tenant_id_user_id", ["tenant_id", "user_id"]) for p in plans), plans
