"""Sign-in on the main site hands the browser to its dashboard host with a one-time token.

The main site checks the password and answers 200 with a page that navigates to
``{role}.{business}.{domain}/auth/handoff?token=...``; that host spends the token (once,
within a minute, from the same browser) and opens its own server-side session.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from app import create_app
from app.accounts.models import UserSession
from app.extensions import db, limiter
from tests.web.conftest import NOW

DOMAIN = "localhost:5000"
LINK = re.compile(r'href="(http://([^/"]+)(/auth/handoff\?token=[^"]+))"')


def _sign_in_on_main(client, email: str, password: str = "password123", **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def _handoff_link(resp) -> tuple[str, str]:
    """(host, path) of the page's handoff link; the page also refreshes to it."""
    page = resp.get_data(as_text=True)
    m = LINK.search(page)
    assert m, page[:2000]
    host, path = m.group(2), unescape(m.group(3))
    assert f'content="0; url={m.group(1)}"' in page  # the meta refresh navigates there by itself
    return host, path


def _follow(app, host: str, path: str, **headers):
    c = app.test_client()
    resp = c.get(path, headers={"Host": host, **headers})
    return c, resp


@pytest.mark.parametrize(
    ("email", "host", "page"),
    [
        ("owner@example.com", "owner.anna." + DOMAIN, "/settings"),
        ("manager@example.com", "manager.anna." + DOMAIN, "/masters"),
        ("aigerim@example.com", "master.anna." + DOMAIN, "/upcoming"),
        ("root@jazyl.test", "admin." + DOMAIN, "/audit"),
    ],
)
def test_each_role_lands_signed_in_on_its_own_host(app, client, salon, create_user, commit, email, host, page):
    create_user(None, role="super_admin", email="root@jazyl.test")
    commit()
    resp = _sign_in_on_main(client, email)
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    assert "Location" not in resp.headers  # no cross-host redirect of the form POST (CSP form-action)
    assert "form-action 'self'" in resp.headers["Content-Security-Policy"]
    link_host, path = _handoff_link(resp)
    assert link_host == host
    c, arrived = _follow(app, host, path)
    assert arrived.status_code == 302 and arrived.headers["Location"] in ("/", f"http://{host}/")
    assert c.get(page, headers={"Host": host}).status_code == 200  # a page behind the dashboard's guard
    assert db.session.scalar(sa.select(sa.func.count(UserSession.id))) == 1


def test_wrong_password_gives_no_token(client, salon):
    resp = _sign_in_on_main(client, "owner@example.com", "wrong-password")
    assert resp.status_code == 401
    assert b"Invalid email or password." in resp.data
    assert b"/auth/handoff" not in resp.data


def test_token_works_once(app, client, salon):
    host, path = _handoff_link(_sign_in_on_main(client, "owner@example.com"))
    _c, first = _follow(app, host, path)
    assert first.status_code == 302
    _c, again = _follow(app, host, path)
    assert again.status_code == 400
    assert b"already been used or has expired" in again.data
    assert b'id="signin-again"' in again.data and b"http://localhost:5000/login" in again.data
    # The refused browser is not signed in.
    assert _c.get("/settings", headers={"Host": host}).status_code == 302


def test_token_expires_after_a_minute(app, client, salon, frozen_now):
    host, path = _handoff_link(_sign_in_on_main(client, "owner@example.com"))
    frozen_now(NOW + timedelta(seconds=61))
    c, resp = _follow(app, host, path)
    assert resp.status_code == 400
    assert b"already been used or has expired" in resp.data
    assert c.get("/settings", headers={"Host": host}).status_code == 302


def test_tampered_and_foreign_tokens_are_refused_in_the_users_language(app, client, salon):
    host, path = _handoff_link(_sign_in_on_main(client, "owner@example.com"))
    token = path.split("token=", 1)[1]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    _c, resp = _follow(app, host, f"/auth/handoff?token={tampered}")
    assert resp.status_code == 400 and b"damaged or was not made by Jazyl" in resp.data
    foreign = URLSafeSerializer("some-other-secret", salt="staff-signin-handoff").dumps("x" * 43)
    _c, resp = _follow(app, host, f"/auth/handoff?token={foreign}", **{"Accept-Language": "ru"})
    assert resp.status_code == 400
    assert b'<html lang="ru">' in resp.data and b'id="signin-again"' in resp.data
    _c, resp = _follow(app, host, "/auth/handoff")
    assert resp.status_code == 400
    # The genuine token was not spent by the failed attempts.
    _c, ok = _follow(app, host, path)
    assert ok.status_code == 302


def test_token_only_works_on_its_own_host_and_browser(app, client, salon):
    host, path = _handoff_link(_sign_in_on_main(client, "owner@example.com"))
    _c, resp = _follow(app, "master.anna." + DOMAIN, path)
    assert resp.status_code == 400 and b"another dashboard or another browser" in resp.data
    host, path = _handoff_link(_sign_in_on_main(client, "owner@example.com"))
    _c, resp = _follow(app, host, path, **{"User-Agent": "someone-else"})
    assert resp.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(UserSession.id))) == 0


def test_deactivated_user_cannot_spend_a_token(app, client, salon, commit):
    host, path = _handoff_link(_sign_in_on_main(client, "manager@example.com"))
    salon.manager.active = False
    commit()
    _c, resp = _follow(app, host, path)
    assert resp.status_code == 400


def test_remember_me_travels_with_the_token(app, client, salon):
    host, path = _handoff_link(_sign_in_on_main(client, "owner@example.com", remember="y"))
    _c, resp = _follow(app, host, path)
    assert resp.status_code == 302
    assert any(h.startswith("remember_token=") for h in resp.headers.getlist("Set-Cookie"))


def test_registration_signs_the_new_owner_in(app, client):
    form = {
        "business_name": "Anna Beauty",
        "subdomain": "anna-beauty",
        "owner_name": "Anna",
        "email": "anna@example.com",
        "password": "password123",
        "language": "en",
        "timezone": "Asia/Almaty",
        "currency": "KZT",
    }
    resp = client.post("/register", data=form)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/registered/anna-beauty")
    page = client.get("/registered/anna-beauty")
    assert b'href="/registered/anna-beauty/open"' in page.data
    resp = client.get("/registered/anna-beauty/open")
    assert resp.status_code == 302
    target = resp.headers["Location"]
    assert target.startswith("http://owner.anna-beauty.localhost:5000/auth/handoff?token=")
    host = "owner.anna-beauty." + DOMAIN
    c, arrived = _follow(app, host, target.split(host, 1)[1])
    assert arrived.status_code == 302
    home = c.get("/", headers={"Host": host})
    assert home.status_code == 200
    assert b"Your business is waiting for approval" in home.data
    # The button works once; afterwards it points to the ordinary sign-in page.
    again = client.get("/registered/anna-beauty/open")
    assert again.headers["Location"] == "http://owner.anna-beauty.localhost:5000/login"


def test_registered_page_of_someone_else_does_not_sign_in(client, create_tenant, create_user, commit):
    tenant = create_tenant("anna", status="pending")
    create_user(tenant, role="owner", email="o@anna.test")
    commit()
    page = client.get("/registered/anna")
    assert b"/registered/anna/open" not in page.data
    assert client.get("/registered/anna/open").headers["Location"] == "http://owner.anna.localhost:5000/login"


def test_main_site_login_keeps_the_login_rate_limits(app_config, create_tenant, create_user, commit):
    limited = create_app(
        "testing",
        RATELIMIT_ENABLED=True,
        RATELIMIT_LOGIN="4 per minute",
        RATELIMIT_LOGIN_EMAIL="3 per minute",
        **app_config,
    )
    try:
        tenant = create_tenant("anna")
        create_user(tenant, role="owner", email="o@anna.test")
        commit()
        c = limited.test_client()
        host = {"Host": DOMAIN}
        codes = [
            c.post("/login", data={"email": "o@anna.test", "password": "nope"}, headers=host).status_code
            for _ in range(4)
        ]
        assert codes == [401, 401, 401, 429]
        # Per account from any address; and per address for any account.
        other_ip = {"REMOTE_ADDR": "10.0.0.9"}
        resp = c.post(
            "/login", data={"email": "o@anna.test", "password": "password123"}, headers=host, environ_base=other_ip
        )
        assert resp.status_code == 429
        others = [
            c.post("/login", data={"email": f"x{i}@anna.test", "password": "nope"}, headers=host).status_code
            for i in range(2)
        ]
        assert others[-1] == 429
    finally:
        limiter.enabled = False
        limiter.initialized = False


def test_forgot_password_on_the_main_site_sends_the_link_for_the_users_own_dashboard(client, salon):
    from app.notifications.models import Notification

    page = client.get("/login")
    assert b'href="/forgot"' in page.data
    resp = client.post("/forgot", data={"email": "manager@example.com"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login")
    unknown = client.post("/forgot", data={"email": "nobody@example.com"})
    assert unknown.status_code == 302
    db.session.rollback()
    rows = list(db.session.scalars(sa.select(Notification).where(Notification.template == "password_reset")))
    assert [r.recipient for r in rows] == ["manager@example.com"]
    assert rows[0].payload["url"].startswith("http://manager.anna.localhost:5000/reset/")
