"""Registration, login, tokens, passwords and the current caller."""

from __future__ import annotations

from flask import g

from app.accounts import passwords
from app.accounts import services as accounts
from app.accounts.clients import revoke_client_token
from app.api.v1 import models as s
from app.api.v1 import serializers as ser
from app.api.v1.registry import api
from app.core import ratelimit
from app.core.errors import InvalidCredentials
from app.core.tenancy import unscoped
from app.tenants.services import register_business


def _pair(user, pair: dict) -> dict:
    return {**pair, "user": ser.user(user)}


@api(
    "/register",
    "POST",
    summary="Register a business",
    tag="Authentication",
    body=s.RegisterBody,
    response=s.Registered,
    status=201,
    errors=(409,),
    limits=(ratelimit.register_ip,),
    description="Creates the tenant (status pending), its first location and the owner user.",
)
def register(body: dict):
    with unscoped():
        tenant, owner = register_business(body)
    return {"tenant": ser.tenant_brief(tenant), "user": ser.user(owner)}, 201


@api(
    "/login",
    "POST",
    summary="Log in (staff and super admins)",
    tag="Authentication",
    body=s.LoginBody,
    response=s.TokenPair,
    errors=(401,),
    limits=(ratelimit.login_ip, ratelimit.login_email),
    description="Wrong email and wrong password give the same 401 invalid_credentials.",
)
def login(body: dict):
    user = accounts.authenticate(body["email"], body["password"])
    host = g.get("host_tenant")
    if host is not None and user.tenant_id != host.id:
        raise InvalidCredentials()
    return _pair(user, accounts.issue_tokens(user))


@api(
    "/refresh-token",
    "POST",
    summary="Rotate a refresh token",
    tag="Authentication",
    body=s.RefreshBody,
    response=s.TokenPair,
    errors=(401,),
    description="The old refresh token is spent; presenting it again gives 401 token_revoked and revokes "
    "every token of that login.",
)
def refresh_token(body: dict):
    user, pair = accounts.refresh(body["refresh_token"])
    return _pair(user, pair)


@api("/logout", "POST", summary="Log out", tag="Authentication", auth="any", body=s.LogoutBody, response=s.Ok)
def logout(principal, body: dict):
    if principal.kind == "client":
        revoke_client_token(principal.token)
    else:
        accounts.logout(principal.claims, body.get("refresh_token"))
    return {"status": "ok"}


@api(
    "/password-reset",
    "POST",
    summary="Email a password reset link",
    tag="Authentication",
    body=s.PasswordResetBody,
    response=s.Ok,
    status=202,
    limits=(ratelimit.register_ip, ratelimit.login_email),
    description="Always 202, whether or not the email belongs to an account.",
)
def password_reset(body: dict):
    host = g.get("host_tenant")
    passwords.request_password_reset(body["email"], tenant_id=host.id if host else None)
    return {"status": "ok"}, 202


@api(
    "/password-reset/confirm",
    "POST",
    summary="Set a new password with a reset token",
    tag="Authentication",
    body=s.PasswordResetConfirmBody,
    response=s.Ok,
    limits=(ratelimit.login_ip,),
)
def password_reset_confirm(body: dict):
    passwords.reset_password(body["token"], body["password"])
    return {"status": "ok"}


@api(
    "/me/password",
    "PUT",
    summary="Change the password (ends every other login)",
    tag="Me",
    auth=("super_admin", "owner", "manager", "master"),
    body=s.PasswordChangeBody,
    response=s.Ok,
)
def change_password(principal, body: dict):
    passwords.change_password(principal.user, body["old_password"], body["new_password"])
    return {"status": "ok"}


@api("/me", "GET", summary="The current user or client", tag="Me", auth="any", response=s.Me)
def me(principal):
    if principal.kind == "client":
        c = principal.client
        return {
            "id": c.id,
            "name": c.name,
            "role": "client",
            "email": c.email,
            "phone": c.phone,
            "tenant_id": c.tenant_id,
            "location_id": None,
            "language": c.language,
        }
    out = ser.user(principal.user, principal.master)
    out["phone"] = principal.user.phone
    return out
