"""Staff web sign-out ends that session on the server, not just in the browser that asked.

Each dashboard login is a server-side session record; the session cookie and the remember-me
cookie carry its id.  Signing out revokes the record, so a copy of either cookie stops
working at once, while the same user's other logins (another device) keep working.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest

HOST = "owner.anna.localhost:5000"


def _login(app, remember: bool = False) -> dict[str, str]:
    """Sign in on the owner dashboard; the cookies the browser got."""
    c = app.test_client(use_cookies=False)
    data = {"email": "owner@example.com", "password": "password123"}
    if remember:
        data["remember"] = "y"
    resp = c.post("/login", data=data, headers={"Host": HOST})
    assert resp.status_code == 302, resp.data[:300]
    cookies = {}
    for header in resp.headers.getlist("Set-Cookie"):
        for name, morsel in SimpleCookie(header).items():
            cookies[name] = morsel.value
    assert "session" in cookies
    return cookies


def _get(app, cookies: dict[str, str], path: str = "/"):
    c = app.test_client(use_cookies=False)
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return c.get(path, headers={"Host": HOST, "Cookie": header})


def _logout(app, cookies: dict[str, str]):
    c = app.test_client(use_cookies=False)
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    resp = c.post("/logout", headers={"Host": HOST, "Cookie": header})
    assert resp.status_code == 302


def _signed_in(resp) -> bool:
    return resp.status_code == 200


def test_a_copied_session_cookie_stops_working_after_sign_out(app, salon):
    cookies = _login(app)
    stolen = dict(cookies)
    assert _signed_in(_get(app, stolen))
    _logout(app, cookies)
    resp = _get(app, stolen)
    assert resp.status_code == 302
    assert "/login" in resp.headers["Location"]


def test_a_copied_remember_me_cookie_stops_working_after_sign_out(app, salon):
    cookies = _login(app, remember=True)
    assert "remember_token" in cookies
    remember_only = {"remember_token": cookies["remember_token"]}
    assert _signed_in(_get(app, remember_only))
    _logout(app, cookies)
    assert not _signed_in(_get(app, remember_only))


@pytest.mark.parametrize("remember", [False, True])
def test_signing_out_on_one_device_keeps_the_other_signed_in(app, salon, remember):
    phone = _login(app, remember=remember)
    desktop = _login(app, remember=remember)
    _logout(app, phone)
    assert not _signed_in(_get(app, phone))
    assert _signed_in(_get(app, desktop))


def test_a_password_change_still_ends_every_session(app, salon):
    from app.accounts.passwords import change_password
    from app.extensions import db

    cookies = _login(app, remember=True)
    change_password(salon.owner, "password123", "new-password-456")
    db.session.commit()
    assert not _signed_in(_get(app, cookies))
    assert not _signed_in(_get(app, {"remember_token": cookies["remember_token"]}))


def test_a_deactivated_user_is_signed_out_everywhere(app, salon):
    from app.extensions import db

    cookies = _login(app, remember=True)
    salon.owner.active = False
    db.session.commit()
    assert not _signed_in(_get(app, cookies))
    assert not _signed_in(_get(app, {"remember_token": cookies["remember_token"]}))
