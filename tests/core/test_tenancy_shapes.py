"""Tenancy fails closed for every statement shape, on SQLite and PostgreSQL (table-driven).

Each row is one statement shape.  With no scope every shape raises; inside tenant A the
reading shapes see only A's rows; writes that name another tenant raise; ``get`` honours
the scope even when the row is already in the identity map.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import delete, exists, func, insert, select, update

from app.catalog.models import Master
from app.core.tenancy import TenantScopeError, tenant_scope, unscoped
from app.extensions import db
from app.tenants.models import Location, Tenant


@pytest.fixture
def tenants(create_tenant, create_master):
    """Tenant A with one master, tenant B with two; returns (a_id, b_id)."""
    a, b = create_tenant("alpha"), create_tenant("beta")
    create_master(a, name="Anna")
    create_master(b, name="Bella")
    create_master(b, name="Bota")
    db.session.commit()
    ids = a.id, b.id
    db.session.expunge_all()
    return ids


# Reading shapes: (what it computes, expected inside A, inside B, in the platform scope).
READS = {
    "select(Model)": (lambda: len(db.session.scalars(select(Master)).all()), (1, 2, 3)),
    "count().select_from(Model)": (lambda: db.session.scalar(select(func.count()).select_from(Master)), (1, 2, 3)),
    "count over a subquery (list totals)": (
        lambda: db.session.scalar(
            select(func.count()).select_from(select(Master).where(Master.active.is_(True)).subquery())
        ),
        (1, 2, 3),
    ),
    "platform table WHERE id IN (select Model)": (
        lambda: db.session.scalar(select(func.count(Tenant.id)).where(Tenant.id.in_(select(Master.tenant_id)))),
        (1, 1, 2),
    ),
    "platform table WHERE EXISTS (Model)": (
        lambda: db.session.scalar(
            select(func.count(Tenant.id)).where(exists().where(Master.tenant_id == Tenant.id, Master.name != ""))
        ),
        (1, 1, 2),
    ),
    "scalar subquery in the columns": (
        lambda: db.session.scalar(select(select(func.count(Master.id)).scalar_subquery())),
        (1, 2, 3),
    ),
    "CTE": (lambda: db.session.scalar(select(func.count()).select_from(select(Master.id).cte("m"))), (1, 2, 3)),
    "join from a platform table": (
        lambda: db.session.scalar(
            select(func.count(Master.id)).select_from(Tenant).join(Master, Master.tenant_id == Tenant.id)
        ),
        (1, 2, 3),
    ),
    "UNION ALL": (
        lambda: len(db.session.execute(sa.union_all(select(Master.id), select(Master.id))).all()),
        (2, 4, 6),
    ),
}

# Shapes that must raise with no scope but are not rewritten inside a scope (Core tables, raw
# DML): queries.py passes tenant_id explicitly, and PostgreSQL's row-level security filters.
UNSCOPED_ONLY = {
    "Core select(Table)": lambda: db.session.execute(select(Master.__table__.c.id)).all(),
    "Core EXISTS on a Table": lambda: db.session.scalar(select(exists().where(Master.__table__.c.id > 0))),
    "ORM update(Model)": lambda: db.session.execute(update(Master).values(name="x")),
    "ORM delete(Model)": lambda: db.session.execute(delete(Master).execution_options(synchronize_session=False)),
    "Core update(Table)": lambda: db.session.execute(update(Master.__table__).values(name="x")),
    "Core insert(Table)": lambda: db.session.execute(
        insert(Location.__table__).values(tenant_id=1, name="x", timezone="UTC", address="", active=True)
    ),
}


@pytest.mark.parametrize("shape", [*READS, *UNSCOPED_ONLY])
def test_no_scope_raises_for_every_shape(tenants, shape):
    fn = READS[shape][0] if shape in READS else UNSCOPED_ONLY[shape]
    with pytest.raises(TenantScopeError):
        fn()
    db.session.rollback()


@pytest.mark.parametrize("shape", list(READS))
def test_tenant_scope_sees_only_its_rows_for_every_shape(tenants, shape):
    a_id, b_id = tenants
    fn, (in_a, in_b, everywhere) = READS[shape]
    with tenant_scope(a_id):
        assert fn() == in_a
    with tenant_scope(b_id):
        assert fn() == in_b
    with unscoped("test: every tenant"):
        assert fn() == everywhere


WRITES_NAMING_B = {
    "ORM insert(Model).values": lambda b: insert(Location).values(tenant_id=b, name="x", timezone="UTC"),
    "Core insert(Table).values": lambda b: insert(Location.__table__).values(
        tenant_id=b, name="x", timezone="UTC", address="", active=True
    ),
    "Core insert multi-values": lambda b: insert(Location.__table__).values(
        [
            {"tenant_id": b, "name": "x", "timezone": "UTC", "address": "", "active": True},
        ]
    ),
    "ORM update(Model) moving rows to B": lambda b: update(Location).values(tenant_id=b),
    "Core update(Table) moving rows to B": lambda b: update(Location.__table__).values(tenant_id=b),
    "INSERT ... SELECT": lambda b: insert(Location.__table__).from_select(
        ["tenant_id", "name", "timezone", "address", "active"],
        select(sa.literal(b), sa.literal("x"), sa.literal("UTC"), sa.literal(""), sa.true()),
    ),
}


@pytest.mark.parametrize("shape", list(WRITES_NAMING_B))
def test_write_naming_another_tenant_inside_a_scope_raises(tenants, shape):
    a_id, b_id = tenants
    with tenant_scope(a_id), pytest.raises(TenantScopeError):
        db.session.execute(WRITES_NAMING_B[shape](b_id))
    db.session.rollback()
    with unscoped("test"):
        assert db.session.scalar(select(func.count(Location.id)).where(Location.name == "x")) == 0


def test_executemany_insert_naming_another_tenant_raises(tenants):
    a_id, b_id = tenants
    rows = [
        {"tenant_id": a_id, "name": "ok", "timezone": "UTC", "address": "", "active": True},
        {"tenant_id": b_id, "name": "x", "timezone": "UTC", "address": "", "active": True},
    ]
    with tenant_scope(a_id):
        with pytest.raises(TenantScopeError):
            db.session.execute(insert(Location.__table__), rows)
        with pytest.raises(TenantScopeError):
            db.session.execute(insert(Location), rows)
        db.session.execute(insert(Location), rows[:1])  # its own tenant goes through
        assert db.session.scalar(select(func.count(Location.id)).where(Location.name == "ok")) == 1
    db.session.rollback()


def test_get_honours_the_scope_even_from_the_identity_map(tenants):
    a_id, b_id = tenants
    with unscoped("test: load every master"):
        b_master = db.session.scalars(select(Master).where(Master.tenant_id == b_id)).first()
        b_master_id = b_master.id
    assert b_master in db.session  # in the identity map now
    key = (b_id, b_master_id)  # primary keys of tenant-owned tables are (tenant_id, id)
    with tenant_scope(a_id):
        assert db.session.get(Master, key) is None
    with tenant_scope(b_id):
        assert db.session.get(Master, key) is b_master
    with pytest.raises(TenantScopeError):
        db.session.get(Master, key)


def test_another_tenants_object_cannot_be_changed_or_moved_inside_a_scope(tenants):
    a_id, b_id = tenants
    with unscoped("test"):
        b_master = db.session.scalars(select(Master).where(Master.tenant_id == b_id)).first()
    with tenant_scope(a_id), pytest.raises(TenantScopeError):
        b_master.name = "changed from A"
        db.session.flush()
    db.session.rollback()
    with tenant_scope(b_id):
        master = db.session.scalars(select(Master)).first()
        master.tenant_id = a_id
        with pytest.raises(TenantScopeError):
            db.session.flush()
    db.session.rollback()


def test_object_expired_by_a_commit_reloads_in_its_own_tenant(tenants):
    a_id, b_id = tenants
    with tenant_scope(a_id):
        master = db.session.scalars(select(Master)).one()
    db.session.commit()  # expires it
    assert master.name == "Anna"  # after its scope ended (and on PostgreSQL, through RLS)
    db.session.commit()
    with tenant_scope(b_id):
        assert master.name == "Anna"  # inside another tenant's scope: still only its own row
        assert {m.name for m in db.session.scalars(select(Master))} == {"Bella", "Bota"}


def test_change_flushed_after_its_scope_ended_is_written_in_its_own_tenant(tenants):
    a_id, b_id = tenants
    with tenant_scope(a_id):
        anna = db.session.scalars(select(Master)).one()
    with tenant_scope(b_id):
        bella = db.session.scalars(select(Master).where(Master.name == "Bella")).one()
    anna.name = "Anna K"
    db.session.commit()  # flushed with no scope: in Anna's tenant (on PostgreSQL, through RLS)
    with unscoped("test"):
        assert db.session.scalar(select(Master.name).where(Master.id == anna.id)) == "Anna K"
    anna.name, bella.name = "x", "y"  # two tenants' rows in one flush with no scope
    with pytest.raises(TenantScopeError):
        db.session.flush()
    db.session.rollback()
