"""Business registration on the main site: domain errors land on the right form field."""

import sqlalchemy as sa

from app.extensions import db
from app.tenants.models import Tenant

FORM = {
    "business_name": "Anna Beauty",
    "subdomain": "anna-beauty",
    "owner_name": "Anna",
    "email": "anna@example.com",
    "password": "password123",
    "language": "kk",
    "timezone": "Asia/Almaty",
    "currency": "KZT",
}


def test_registration_creates_a_pending_business(client):
    resp = client.post("/register", data=FORM)
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/registered/anna-beauty")
    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.subdomain == "anna-beauty"))
    assert tenant.status == "pending" and tenant.default_language == "kk"


def test_taken_subdomain_and_email_are_shown_on_their_fields(client, create_tenant, create_user, commit):
    taken = create_tenant("anna-beauty")
    create_user(taken, email="taken@example.com")
    commit()
    resp = client.post("/register", data=FORM, headers={"Accept-Language": "ru"})
    assert resp.status_code == 422
    assert "Этот поддомен уже занят.".encode() in resp.data
    resp = client.post("/register", data={**FORM, "subdomain": "free-one", "email": "taken@example.com"})
    assert resp.status_code == 422
    assert b"An account with this email already exists." in resp.data
    assert db.session.scalar(sa.select(sa.func.count(Tenant.id))) == 1


def test_reserved_subdomain_is_refused(client):
    resp = client.post("/register", data={**FORM, "subdomain": "admin"})
    assert resp.status_code == 422
    assert b"This subdomain is reserved." in resp.data


def test_form_fields_carry_no_none_attributes(client):
    """An attribute the page did not set is left out, not rendered as the text "None"."""
    page = client.get("/register").get_data(as_text=True)
    assert 'name="business_name"' in page
    assert '="None"' not in page
