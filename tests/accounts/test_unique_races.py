"""The unique-violation path of check-then-insert, in one process: the check is made to miss
(as it does when another request inserts between check and insert) and the constraint answers."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.clients import find_or_create_client
from app.accounts.models import Client, User
from app.core.errors import EmailTaken, SubdomainTaken
from app.core.tenancy import tenant_scope, unscoped
from app.extensions import db
from app.tenants import services as tenants
from app.tenants.models import Tenant


def _body(sub: str, email: str) -> dict:
    return {"business_name": "B", "subdomain": sub, "owner_name": "O", "email": email, "password": "password123"}


@pytest.fixture
def blind_checks(monkeypatch):
    monkeypatch.setattr(tenants, "subdomain_in_use", lambda sub: False)
    monkeypatch.setattr(tenants, "email_in_use", lambda email: False)


def test_registration_hitting_the_subdomain_constraint_is_subdomain_taken(blind_checks):
    with unscoped():
        tenants.register_business(_body("twin", "a@x.example"))
        with pytest.raises(SubdomainTaken):
            tenants.register_business(_body("twin", "b@x.example"))
        # The savepoint rolled back only the second attempt: the first is intact and the session usable.
        assert db.session.scalar(select(func.count(Tenant.id))) == 1
        assert db.session.scalar(select(func.count(User.id))) == 1


def test_registration_hitting_the_email_constraint_is_email_taken(blind_checks):
    with unscoped():
        tenants.register_business(_body("one", "same@x.example"))
        with pytest.raises(EmailTaken):
            tenants.register_business(_body("two", "same@x.example"))
        assert db.session.scalar(select(func.count(Tenant.id))) == 1


def test_client_found_by_phone_is_updated_in_place_not_duplicated(create_tenant):
    """One upsert (INSERT ... ON CONFLICT (tenant_id, phone) DO UPDATE): a second first contact
    of the same phone -- e.g. the loser of a race, which waits for the winner's commit on
    PostgreSQL -- gets the same row; a known client keeps their name and language unless new
    ones are given."""
    tenant = create_tenant("duo")
    other = create_tenant("trio")
    with tenant_scope(tenant.id):
        first = find_or_create_client("+77015550101", name="A", language="ru")
        assert (first.name, first.language) == ("A", "ru")
        again = find_or_create_client("+77015550101", name="  ")
        assert (again.id, again.name, again.language) == (first.id, "A", "ru")
        renamed = find_or_create_client("+77015550101", name="B", language="kk")
        assert (renamed.id, renamed.name, renamed.language) == (first.id, "B", "kk")
        assert db.session.scalar(select(func.count(Client.id))) == 1
    with tenant_scope(other.id):  # the same phone in another business is another client
        theirs = find_or_create_client("+77015550101")
        assert (theirs.tenant_id, theirs.name, theirs.language) == (other.id, "", "en")
    with unscoped():
        assert db.session.scalar(select(func.count(Client.id))) == 2


def test_manager_created_meanwhile_with_the_same_email_is_email_taken(blind_checks, create_tenant, create_user):
    from app.accounts.services import create_manager
    from app.core.auth import Actor
    from app.tenants.models import Location

    tenant = create_tenant("anna")
    owner = create_user(tenant, role="owner", email="owner@anna.test")
    create_user(tenant, role="master", email="taken@anna.test")
    with tenant_scope(tenant.id):
        location_id = db.session.scalar(select(Location.id))
        with pytest.raises(EmailTaken):
            create_manager(
                tenant,
                Actor.for_user(owner),
                {"name": "M", "email": "taken@anna.test", "password": "password123", "location_id": location_id},
            )
    with unscoped():
        assert db.session.scalar(select(func.count(User.id))) == 2
