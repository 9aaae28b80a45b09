"""JWT access tokens, refresh rotation with reuse detection, passwords and reset links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
import sqlalchemy as sa

from app.accounts import passwords, tokens
from app.accounts import services as accounts
from app.accounts.models import RefreshToken
from app.core import clock
from app.core.errors import TokenExpired, TokenRevoked, Unauthorized, ValidationError
from app.extensions import db

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def owner(create_tenant, create_user, frozen_now):
    frozen_now(NOW)
    return create_user(create_tenant("anna"), role="owner", email="owner@anna.test")


def test_access_token_claims_and_expiry(app, owner):
    pair = tokens.issue_tokens(owner)
    claims = jwt.decode(
        pair["access_token"],
        app.config["SECRET_KEY"],
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["sub"] == str(owner.id)
    assert claims["role"] == "owner"
    assert claims["tenant"] == owner.tenant_id
    assert claims["exp"] - int(NOW.timestamp()) == 15 * 60
    assert claims["jti"]
    assert claims["fam"]
    assert pair["expires_in"] == 900
    assert pair["token_type"] == "Bearer"
    assert tokens.user_for_access_token(pair["access_token"])[0].id == owner.id
    clock.freeze(NOW + timedelta(minutes=15))
    with pytest.raises(TokenExpired):
        tokens.user_for_access_token(pair["access_token"])
    forged = jwt.encode({**claims, "role": "super_admin"}, "another-key-of-sufficient-length-123456", algorithm="HS256")
    with pytest.raises(Unauthorized):
        tokens.decode_access(forged)


def test_a_verified_token_is_kept_per_secret_and_never_outlives_its_expiry(app, owner):
    """Each process keeps the claims of tokens it has verified: under another secret the same
    string is checked again (and refused), a tampered copy is refused, the claims handed out
    are the caller's own, and expiry is still read from the clock on every request."""
    pair = tokens.issue_tokens(owner)
    token = pair["access_token"]
    first = tokens.decode_access(token)
    first["role"] = "super_admin"  # the caller's copy: what is kept does not change
    assert tokens.decode_access(token)["role"] == "owner"
    head, body, signature = token.split(".")
    with pytest.raises(Unauthorized):
        tokens.decode_access(f"{head}.{body}.{signature[:-2]}AA")
    secret = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "a-rotated-secret-of-sufficient-length-0123456789"
    try:
        with pytest.raises(Unauthorized):
            tokens.decode_access(token)
    finally:
        app.config["SECRET_KEY"] = secret
    assert tokens.decode_access(token)["sub"] == str(owner.id)
    clock.freeze(NOW + timedelta(minutes=15))
    with pytest.raises(TokenExpired):
        tokens.decode_access(token)


def test_refresh_tokens_are_hashed_and_rotate(owner):
    pair = tokens.issue_tokens(owner)
    row = db.session.scalars(sa.select(RefreshToken)).one()
    assert row.token_hash != pair["refresh_token"]
    assert len(row.token_hash) == 64
    assert row.expires_at == NOW + timedelta(days=30)
    user, second = tokens.rotate(pair["refresh_token"])
    assert user.id == owner.id
    rows = db.session.scalars(sa.select(RefreshToken).order_by(RefreshToken.id)).all()
    assert rows[0].superseded_at is not None
    assert rows[1].family_id == rows[0].family_id
    # Reuse of the spent token revokes the family, including the fresh access token.
    with pytest.raises(TokenRevoked):
        tokens.rotate(pair["refresh_token"])
    with pytest.raises(TokenRevoked):
        tokens.user_for_access_token(second["access_token"])
    with pytest.raises(TokenRevoked):
        tokens.rotate(second["refresh_token"])


def test_other_logins_survive_a_reuse(owner):
    phone = tokens.issue_tokens(owner)
    laptop = tokens.issue_tokens(owner)
    tokens.rotate(phone["refresh_token"])
    with pytest.raises(TokenRevoked):
        tokens.rotate(phone["refresh_token"])
    assert tokens.user_for_access_token(laptop["access_token"])[0].id == owner.id


def test_expired_refresh_token(owner):
    pair = tokens.issue_tokens(owner)
    clock.freeze(NOW + timedelta(days=30, seconds=1))
    with pytest.raises(TokenExpired):
        tokens.rotate(pair["refresh_token"])
    with pytest.raises(Unauthorized):
        tokens.rotate("unknown")


def test_change_password_ends_every_login(owner):
    pair = tokens.issue_tokens(owner)
    with pytest.raises(ValidationError) as exc:
        passwords.change_password(owner, "wrong-password", "new-password-1")
    assert "old_password" in exc.value.details
    with pytest.raises(ValidationError):
        passwords.change_password(owner, "password123", "short")
    passwords.change_password(owner, "password123", "new-password-1")
    with pytest.raises(TokenRevoked):
        tokens.user_for_access_token(pair["access_token"])
    assert accounts.authenticate("owner@anna.test", "new-password-1").id == owner.id


def test_reset_link_works_once_and_only_until_the_password_changes(owner, reset_links):
    passwords.request_password_reset("OWNER@anna.test")
    assert len(reset_links) == 1
    url = reset_links[0]["url"]
    assert url.startswith("http://owner.anna.localhost:5000/reset/")
    token = url.rsplit("/", 1)[1]
    passwords.reset_password(token, "brand-new-pass")
    assert accounts.authenticate("owner@anna.test", "brand-new-pass").id == owner.id
    with pytest.raises(ValidationError) as exc:
        passwords.reset_password(token, "another-pass-1")
    assert "token" in exc.value.details
    # Unknown addresses are silently ignored (the caller answers the same).
    passwords.request_password_reset("nobody@anna.test")
    assert len(reset_links) == 1


def test_api_password_endpoints(api, owner, commit, reset_links, login):
    commit()
    for email in ("owner@anna.test", "nobody@anna.test"):
        status, data, _ = api.post("/password-reset", json={"email": email})
        assert (status, data) == (202, {"status": "ok"})
    assert [x["email"] for x in reset_links] == ["owner@anna.test"]
    token = reset_links[0]["url"].rsplit("/", 1)[1]
    status, data, _ = api.post("/password-reset/confirm", json={"token": token, "password": "brand-new-pass"})
    assert status == 200
    status, data, _ = api.post("/password-reset/confirm", json={"token": token, "password": "brand-new-pass"})
    assert (status, data["error"]) == (422, "validation_error")
    tok = login("owner@anna.test", "brand-new-pass")["access_token"]
    status, data, _ = api.put(
        "/me/password", token=tok, json={"old_password": "brand-new-pass", "new_password": "third-pass-123"}
    )
    assert status == 200
    status, data, _ = api.get("/me", token=tok)
    assert (status, data["error"]) == (401, "token_revoked")


def test_dashboard_reset_pages(host_client, owner, commit, reset_links):
    commit()
    c = host_client("owner.anna")
    assert c.get("/forgot").status_code == 200
    resp = c.post("/forgot", data={"email": "owner@anna.test"})
    assert resp.status_code == 302
    resp_unknown = c.post("/forgot", data={"email": "nobody@anna.test"})
    assert resp_unknown.status_code == 302
    assert resp_unknown.headers["Location"] == resp.headers["Location"]
    path = "/reset/" + reset_links[0]["url"].rsplit("/", 1)[1]
    assert c.get(path).status_code == 200
    resp = c.post(path, data={"password": "brand-new-pass"})
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/login")
    assert accounts.authenticate("owner@anna.test", "brand-new-pass").id == owner.id
    # The spent link sends the user back to ask for a new one.
    assert c.get(path).status_code == 302
    # Another business's dashboard does not accept the link.
    passwords.request_password_reset("owner@anna.test")
    commit()
    other = host_client("manager.anna")
    assert other.get("/reset/" + reset_links[-1]["url"].rsplit("/", 1)[1]).status_code == 302


def test_create_manager_with_invitation(api, owner, commit, reset_links, login):
    commit()
    tok = login("owner@anna.test")["access_token"]
    status, locs, _ = api.get("/locations", token=tok)
    status, data, _ = api.post(
        "/manager", token=tok, json={"name": "Mira", "email": "mira@anna.test", "location_id": locs["items"][0]["id"]}
    )
    assert status == 201
    assert data["user"]["location_id"] == locs["items"][0]["id"]
    # An invitation (see tests/accounts/test_invitation.py), not a password-reset email.
    from app.notifications.models import Notification

    invitation = db.session.scalar(sa.select(Notification).where(Notification.template == "master_invitation"))
    assert invitation.recipient == "mira@anna.test"
    assert invitation.payload["url"].startswith("http://manager.anna.localhost:5000/welcome/")
    assert invitation.payload["role"] == "manager"
    status, data, _ = api.post("/manager", token=tok, json={"name": "X", "email": "x@anna.test", "location_id": 999999})
    assert (status, data["error"]) == (422, "validation_error")
    assert "location_id" in data["details"]


def test_stale_authorization_header_does_not_block_public_auth_endpoints(api, owner, commit, login):
    commit()
    pair = login("owner@anna.test")
    clock.freeze(NOW + timedelta(minutes=20))
    status, data, _ = api.get("/me", token=pair["access_token"])
    assert (status, data["error"]) == (401, "token_expired")
    status, data, _ = api.post(
        "/refresh-token", token=pair["access_token"], json={"refresh_token": pair["refresh_token"]}
    )
    assert status == 200
    status, data, _ = api.get("/me", token=data["access_token"])
    assert status == 200
