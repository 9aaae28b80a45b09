"""The database itself refuses overlapping blocking bookings of one master (PostgreSQL)."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.core.tenancy import tenant_scope
from app.extensions import db

START = datetime(2030, 3, 4, 5, 0, tzinfo=UTC)


@pytest.fixture
def setup(app, create_tenant, create_service, create_master):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the exclusion constraint exists on PostgreSQL; SQLite serializes writers instead")
    tenant = create_tenant("acme")
    service = create_service(tenant, duration=60, buffer=15)
    master = create_master(tenant, services=[service])
    other = create_master(tenant, name="Other", services=[service])
    db.session.commit()
    return tenant, service, master, other


def test_overlapping_bookings_of_one_master_are_rejected(setup, create_booking):
    tenant, service, master, _other = setup
    create_booking(tenant, master, service, START)
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError) as info:
        create_booking(tenant, master, service, START + timedelta(minutes=30))
    assert info.value.orig.pgcode == "23P01"
    db.session.rollback()


def test_buffer_blocks_but_back_to_back_after_it_is_allowed(setup, create_booking):
    tenant, service, master, _other = setup
    create_booking(tenant, master, service, START)
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        create_booking(tenant, master, service, START + timedelta(minutes=70))  # inside the 15 min buffer
    db.session.rollback()
    create_booking(tenant, master, service, START + timedelta(minutes=75))  # exactly at block end
    db.session.commit()


def test_other_master_and_cancelled_bookings_do_not_block(setup, create_booking):
    tenant, service, master, other = setup
    first = create_booking(tenant, master, service, START)
    create_booking(tenant, other, service, START)
    db.session.commit()
    with tenant_scope(tenant.id):
        first.status = "cancelled"
        db.session.commit()
    create_booking(tenant, master, service, START)
    db.session.commit()
