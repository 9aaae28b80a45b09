"""Who may see which master: the one rule the API and the pages share."""

import pytest

from app.catalog.masters import get_master_for, location_scope
from app.core.auth import Actor
from app.core.errors import NotFound
from app.core.tenancy import tenant_scope
from app.extensions import db
from app.tenants.models import Location


@pytest.fixture
def setup(create_tenant, create_master):
    tenant = create_tenant("scope")
    with tenant_scope(tenant.id):
        other_loc = Location(name="Second", timezone="Asia/Almaty")
        db.session.add(other_loc)
        db.session.flush()
    here = create_master(tenant, name="Here")
    there = create_master(tenant, name="There", location=other_loc)
    other_tenant_master = create_master(create_tenant("elsewhere"), name="Foreign")
    return tenant, here, there, other_tenant_master


def test_owner_manager_and_master_see_what_they_should(setup):
    tenant, here, there, foreign = setup
    owner = Actor("user", 1, role="owner", tenant_id=tenant.id)
    manager = Actor("user", 2, role="manager", tenant_id=tenant.id, location_id=here.location_id)
    master = Actor("user", 3, role="master", tenant_id=tenant.id, master_id=here.id)
    with tenant_scope(tenant.id):
        assert get_master_for(tenant, owner, there.id) is there
        assert get_master_for(tenant, manager, here.id) is here
        assert get_master_for(tenant, master, here.id) is here
        for actor, master_id in ((manager, there.id), (master, there.id), (owner, foreign.id)):
            with pytest.raises(NotFound):
                get_master_for(tenant, actor, master_id)
    assert location_scope(manager, requested=there.location_id) == here.location_id
    assert location_scope(owner, requested=there.location_id) == there.location_id
    assert location_scope(owner) is None
