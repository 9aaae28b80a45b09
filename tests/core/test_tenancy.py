"""Tenancy fails closed: automatic filtering, stamping, and database-level references."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from app.bookings.models import Booking
from app.catalog.models import Master, Service
from app.core.tenancy import TenantScopeError, tenant_scope, unscoped
from app.extensions import db
from app.tenants.models import Location


@pytest.fixture
def two_tenants(create_tenant, create_service, create_master, create_booking):
    a, b = create_tenant("alpha"), create_tenant("beta")
    sa_, sb = create_service(a, name="A cut"), create_service(b, name="B cut")
    ma, mb = create_master(a, name="Anna", services=[sa_]), create_master(b, name="Bella", services=[sb])
    start = datetime(2030, 1, 7, 6, 0, tzinfo=UTC)
    create_booking(a, ma, sa_, start)
    create_booking(b, mb, sb, start)
    db.session.commit()
    return a, b


def test_query_under_tenant_a_never_returns_tenant_b_rows(two_tenants):
    a, b = two_tenants
    with tenant_scope(a.id):
        assert {m.name for m in db.session.scalars(select(Master))} == {"Anna"}
        assert {s.name for s in db.session.scalars(select(Service))} == {"A cut"}
        assert all(bk.tenant_id == a.id for bk in db.session.scalars(select(Booking)))
        assert db.session.scalar(select(sa.func.count(Booking.id))) == 1
    with tenant_scope(b.id):
        assert {m.name for m in db.session.scalars(select(Master))} == {"Bella"}


def test_session_get_of_another_tenants_row_returns_none_inside_a_scope(two_tenants):
    """``session.get`` inside tenant A: B's row is None whether it comes from the database or
    is already in the session; outside any scope ``get`` raises; the platform scope sees it."""
    a, b = two_tenants
    a_id, b_id = a.id, b.id
    with unscoped("test: the id of B's master"):
        b_master_id = db.session.scalar(select(Master.id).where(Master.tenant_id == b_id))
    key = (b_id, b_master_id)  # primary keys of tenant-owned tables are (tenant_id, id)
    db.session.expunge_all()
    with tenant_scope(a_id):
        assert db.session.get(Master, key) is None  # loaded from the database: filtered
        assert db.session.get(Master, (a_id, b_master_id)) is None  # B's id under A's key: no row
    with tenant_scope(b_id):
        b_master = db.session.get(Master, key)
        assert b_master.name == "Bella"
    assert b_master in db.session  # now in the identity map
    with tenant_scope(a_id):
        assert db.session.get(Master, key) is None  # not handed out from the identity map either
    with pytest.raises(TenantScopeError):
        db.session.get(Master, key)
    with unscoped("test: the platform sees every tenant"):
        assert db.session.get(Master, key) is b_master


def test_relationship_loads_are_filtered_too(two_tenants):
    a_id = two_tenants[0].id
    db.session.expunge_all()
    with tenant_scope(a_id):
        master = db.session.scalars(select(Master)).one()
        assert [s.name for s in master.services] == ["A cut"]
        booking = db.session.scalars(select(Booking)).one()
        assert booking.master.name == "Anna" and booking.client.tenant_id == a_id


def test_unscoped_query_of_tenant_model_raises(two_tenants):
    db.session.expunge_all()
    with pytest.raises(TenantScopeError):
        db.session.scalars(select(Master)).all()
    with pytest.raises(TenantScopeError):
        db.session.execute(sa.update(Master).values(name="x"))


def test_explicit_unscoped_block_sees_every_tenant(two_tenants):
    with unscoped():
        assert db.session.scalar(select(sa.func.count(Master.id))) == 2


def test_new_rows_get_tenant_from_scope_and_cannot_cross(two_tenants):
    a, b = two_tenants
    with tenant_scope(a.id):
        loc = Location(name="Second", timezone="Asia/Almaty")
        db.session.add(loc)
        db.session.flush()
        assert loc.tenant_id == a.id
        db.session.add(Location(name="Sneaky", timezone="UTC", tenant_id=b.id))
        with pytest.raises(TenantScopeError):
            db.session.flush()
    db.session.rollback()
    db.session.add(Location(name="Orphan", timezone="UTC"))
    with pytest.raises(TenantScopeError):
        db.session.flush()
    db.session.rollback()


def test_database_refuses_booking_pointing_at_another_tenants_master(two_tenants):
    a, b = two_tenants
    with unscoped():
        booking = db.session.scalars(select(Booking).where(Booking.tenant_id == a.id)).one()
        other_master = db.session.scalar(select(Master.id).where(Master.tenant_id == b.id))
    if db.engine.dialect.name == "sqlite":
        db.session.execute(sa.text("PRAGMA foreign_keys=ON"))
    with tenant_scope(a.id), pytest.raises(sa.exc.IntegrityError):  # its own tenant: RLS lets the UPDATE see it
        db.session.execute(
            sa.text("UPDATE bookings SET master_id = :m WHERE id = :id"), {"m": other_master, "id": booking.id}
        )
        db.session.flush()
    db.session.rollback()


def test_the_guard_knows_a_tenant_model_defined_after_its_first_statement(two_tenants):
    """The tenant-owned table names are gathered once (the guard asks on every statement) and
    gathered again when a new tenant-owned model appears."""
    import gc

    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    from app.core import tenancy

    with tenant_scope(two_tenants[0].id):
        db.session.scalars(select(Master)).all()
    assert "probe_things" not in tenancy.tenant_tables()

    class Base(DeclarativeBase):
        pass

    class Probe(tenancy.TenantScoped, Base):
        __tablename__ = "probe_things"
        id: Mapped[int] = mapped_column(primary_key=True)

    try:
        assert "probe_things" in tenancy.tenant_tables()
        with pytest.raises(TenantScopeError, match="probe_things"):
            db.session.execute(select(Probe.__table__.c.id))  # refused before it reaches the database
    finally:
        Base.registry.dispose()
        del Probe, Base
        gc.collect()
        tenancy._known_tables.clear()
    assert "probe_things" not in tenancy.tenant_tables()


def test_a_statement_built_once_is_filtered_for_each_tenant_it_runs_in(two_tenants, create_tenant, create_master):
    """One statement object run in turn in many tenants: each run sees its own tenant's rows
    only, although the guard keeps the filtered copy per tenant (bounded) instead of making
    it again on every run."""
    from app.core import tenant_guard

    a, b = two_tenants
    others = [create_tenant(f"extra{i}") for i in range(tenant_guard._SCOPED_PER_STATEMENT + 2)]
    for i, t in enumerate(others):
        create_master(t, name=f"M{i}")
    db.session.commit()
    stmt = select(Master.name).order_by(Master.id)
    expected = {a.id: ["Anna"], b.id: ["Bella"], **{t.id: [f"M{i}"] for i, t in enumerate(others)}}
    for _ in range(2):
        for tenant_id, names in expected.items():
            with tenant_scope(tenant_id):
                assert list(db.session.scalars(stmt)) == names
    kept = tenant_guard._SCOPED[stmt]
    assert len(kept) == tenant_guard._SCOPED_PER_STATEMENT
    last = others[-1].id
    with tenant_scope(last):
        first = tenant_guard._scoped(stmt, last)
        assert tenant_guard._scoped(stmt, last) is first  # the same object: its cache key is computed once


def test_a_statement_built_once_is_still_refused_outside_a_scope(two_tenants):
    """The answer "does this touch a tenant-owned table?" is kept per statement object: the
    same statement is refused on every run outside a scope, and runs inside one."""
    core = select(Master.__table__.c.name)  # a table, not a mapped class: found by its name
    orm = select(Master.name)
    for _ in range(3):
        with pytest.raises(TenantScopeError, match="masters"):
            db.session.execute(core)
        with pytest.raises(TenantScopeError):
            db.session.execute(orm)
        db.session.rollback()
    with tenant_scope(two_tenants[0].id):
        assert list(db.session.scalars(orm)) == ["Anna"]
