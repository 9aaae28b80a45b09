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


def test_client_created_meanwhile_is_found_not_duplicated(create_tenant, monkeypatch):
    tenant = create_tenant("duo")
    with tenant_scope(tenant.id):
        first = find_or_create_client("+77015550101", name="A")
        real_scalar = db.session.scalar
        misses = iter([None])  # the first lookup misses the row, as in a race

        def scalar(stmt, *args, **kwargs):
            if "clients" in str(stmt):
                nxt = next(misses, "real")
                if nxt is None:
                    return None
            return real_scalar(stmt, *args, **kwargs)

        monkeypatch.setattr(db.session, "scalar", scalar)
        again = find_or_create_client("+77015550101", name="B")
        monkeypatch.undo()
        assert again.id == first.id
        assert again.name == "B"
        assert db.session.scalar(select(func.count(Client.id))) == 1


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
