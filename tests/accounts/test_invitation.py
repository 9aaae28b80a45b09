"""A master added with an email gets a real invitation in their own language, and the link sets a
first password and signs them in ("Welcome", not "reset")."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.accounts import passwords
from app.accounts import services as account_services
from app.accounts.models import User
from app.catalog.models import Master
from app.core import tenancy
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.rendering import render
from tests.web import conftest as web_fixtures

# The ready business (``salon``) and the dashboard sign-in (``login``) of the page tests.
salon = web_fixtures.salon
login = web_fixtures.login


@pytest.fixture
def owner_client(salon, login):
    salon.owner.name = "Anna Sultanova"
    db.session.commit()
    return login("owner", "anna", "owner@example.com")


def _invitations() -> list[Notification]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Notification).where(Notification.template == "master_invitation")))


def _add_master(c, salon, **extra):
    data = {
        "name": "Dana",
        "specialization": "Nails",
        "email": "dana@example.com",
        "location_id": salon.location.id,
        "service_ids": [salon.service.id],
        "active": "y",
        **extra,
    }
    resp = c.post("/masters/new", data=data)
    assert resp.status_code == 302, resp.data[:500]


def test_master_added_with_email_gets_an_invitation_in_their_language(owner_client, salon):
    _add_master(owner_client, salon, language="kk")
    [row] = _invitations()
    assert row.recipient == "dana@example.com" and row.language == "kk" and row.channel == "email"
    assert row.payload["inviter"] == "Anna Sultanova" and row.payload["business"] == "Anna Beauty"
    with tenancy.tenant_scope(salon.tenant.id):
        msg = render(row)
    assert "Anna Sultanova" in msg.text and "Anna Beauty" in msg.text
    assert "http://master.anna.localhost:5000/welcome/" in msg.text
    assert "ignore" not in msg.text.lower()  # not the password-reset email
    with tenancy.tenant_scope(salon.tenant.id):
        user = db.session.scalar(sa.select(User).where(User.email == "dana@example.com"))
    assert user.language == "kk" and user.password_hash is None


def test_english_invitation_names_inviter_business_and_link(owner_client, salon):
    _add_master(owner_client, salon, language="en")
    [row] = _invitations()
    with tenancy.tenant_scope(salon.tenant.id):
        msg = render(row)
    assert msg.subject == "You are invited to Anna Beauty on Jazyl"
    assert "Anna Sultanova has invited you to Anna Beauty on Jazyl as a master." in msg.text
    assert "The link works for 7 days." in msg.text
    assert 'href="http://master.anna.localhost:5000/welcome/' in msg.html


def test_master_with_a_password_gets_no_invitation(owner_client, salon):
    _add_master(owner_client, salon, password="password123")
    assert _invitations() == []


def test_welcome_link_sets_the_password_and_signs_in_once(app, owner_client, salon):
    _add_master(owner_client, salon)
    [row] = _invitations()
    with tenancy.tenant_scope(salon.tenant.id):
        url = render(row).text
    path = re.search(r"http://master\.anna\.localhost:5000(/welcome/\S+)", url).group(1)
    c = app.test_client()
    host = {"Host": "master.anna.localhost:5000"}
    page = c.get(path, headers=host)
    assert page.status_code == 200
    assert b"Welcome, Dana!" in page.data and b"Anna Beauty" in page.data
    assert b"reset" not in page.data.lower()
    short = c.post(path, data={"password": "short"}, headers=host)
    assert short.status_code == 422
    resp = c.post(path, data={"password": "a-new-password-1"}, headers=host)
    assert resp.status_code == 302
    assert c.get("/upcoming", headers=host).status_code == 200  # signed in on the master dashboard
    # The link is spent: a password is set now.
    again = app.test_client().get(path, headers=host)
    assert again.status_code == 400 and b"This invitation link does not work" in again.data
    db.session.rollback()
    user = db.session.scalar(sa.select(User).where(User.email == "dana@example.com"))
    assert account_services.authenticate("dana@example.com", "a-new-password-1").id == user.id


def test_invitation_and_reset_tokens_are_not_interchangeable(app, salon):
    with app.test_request_context():
        reset = passwords.make_reset_token(salon.master_user)
        invite = passwords.make_invitation_token(salon.master_user)
        assert passwords.user_for_invitation_token(reset) is None
        assert passwords.user_for_reset_token(invite) is None
        assert passwords.user_for_invitation_token(invite).id == salon.master_user.id
        assert passwords.user_for_invitation_token(invite + "x") is None


def test_invitation_link_expires(app, salon, monkeypatch):
    with app.test_request_context():
        token = passwords.make_invitation_token(salon.master_user)
        monkeypatch.setitem(app.config, "INVITATION_MAX_AGE", -1)
        assert passwords.user_for_invitation_token(token) is None


def test_invitation_is_only_for_its_own_dashboard(app, owner_client, salon):
    _add_master(owner_client, salon)
    [row] = _invitations()
    with tenancy.tenant_scope(salon.tenant.id):
        path = re.search(r"(/welcome/\S+)", render(row).text).group(1)
    resp = app.test_client().get(path, headers={"Host": "owner.anna.localhost:5000"})
    assert resp.status_code == 400


def test_adding_an_email_to_an_existing_master_invites_them(owner_client, salon):
    with tenancy.tenant_scope(salon.tenant.id):
        m = Master(name="Bota", location_id=salon.location.id, tenant_id=salon.tenant.id)
        db.session.add(m)
        db.session.commit()
        mid = m.id
    resp = owner_client.post(
        f"/masters/{mid}",
        data={
            "name": "Bota",
            "email": "bota@example.com",
            "location_id": salon.location.id,
            "language": "ru",
            "active": "y",
        },
    )
    assert resp.status_code == 302, resp.data[:500]
    [row] = _invitations()
    assert row.recipient == "bota@example.com" and row.language == "ru"


def test_welcome_page_speaks_the_invitees_language(app, owner_client, salon):
    _add_master(owner_client, salon, language="kk")
    [row] = _invitations()
    path = "/welcome/" + row.payload["url"].rsplit("/welcome/", 1)[1]
    page = app.test_client().get(path, headers={"Host": "master.anna.localhost:5000", "Accept-Language": "en"})
    assert page.status_code == 200 and b'<html lang="kk">' in page.data
