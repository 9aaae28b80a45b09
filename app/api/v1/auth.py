"""Who is calling: a staff access token (JWT) or a client token, resolved per request.

Every authenticated request re-checks revocation (the token's refresh family) and the
user's state.  On the main host the tenant comes from the credential and its scope is
entered here; on a tenant host the credential must belong to that host's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import g, request

from app.accounts import tokens
from app.accounts.clients import CLIENT_TOKEN_PREFIX, session_for_token
from app.catalog.queries import get_master_for_user
from app.core import tenancy
from app.core.auth import ROLE_MASTER, ROLE_SUPER_ADMIN, STAFF_ROLES, Actor
from app.core.errors import Forbidden, Unauthorized
from app.tenants.queries import get_tenant


@dataclass
class Principal:
    kind: str  # user | client
    actor: Actor
    user: object | None = None
    client: object | None = None
    master: object | None = None
    tenant: object | None = None
    claims: dict = field(default_factory=dict)
    token: str = ""

    @property
    def role(self) -> str:
        return self.actor.role or ""


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    return token.strip()


def _enter(tenant) -> None:
    """Enter the credential's tenant scope (main host) or check it matches the host's."""
    host_tenant = g.get("tenant")
    if host_tenant is not None:
        if tenant is None or tenant.id != host_tenant.id:
            raise Unauthorized()
        return
    if tenant is not None:
        g.tenant = tenant
        g.tenant_label = tenant.subdomain  # for the access log: read now, before a commit expires the row
        g.api_scope_token = tenancy.enter_tenant(tenant.id)


def resolve() -> Principal | None:
    """The caller of this request, or None without an Authorization header."""
    if "principal" in g:
        return g.principal
    token = bearer_token()
    if token is None:
        g.principal = None
        return None
    if token.startswith(CLIENT_TOKEN_PREFIX):
        row = session_for_token(token)
        if row is None:
            raise Unauthorized()
        tenant = get_tenant(row.tenant_id)
        _enter(tenant)
        client = row.client
        g.actor_language = client.language
        principal = Principal("client", Actor.for_client(client), client=client, tenant=tenant, token=token)
    elif tokens.looks_like_jwt(token):
        user, claims = tokens.user_for_access_token(token)
        if user.role == ROLE_SUPER_ADMIN:
            if g.get("tenant") is not None:
                raise Unauthorized()
            principal = Principal("user", Actor.for_user(user), user=user, claims=claims, token=token)
        else:
            _enter(user.tenant)
            master = None
            if user.role == ROLE_MASTER:
                master = get_master_for_user(user.id)
            principal = Principal(
                "user",
                Actor.for_user(user, master),
                user=user,
                master=master,
                tenant=user.tenant,
                claims=claims,
                token=token,
            )
        g.actor_language = user.language
    else:
        raise Unauthorized()
    g.principal = principal
    return principal


def require(auth: str | tuple[str, ...]) -> Principal:
    """``auth``: "any", "client", "staff" (tenant staff), "super_admin", or a tuple of roles."""
    principal = resolve()
    if principal is None:
        raise Unauthorized()
    if auth == "any":
        return principal
    if auth == "client":
        allowed: tuple[str, ...] = ("client",)
    elif auth == "staff":
        allowed = STAFF_ROLES
    elif auth == "super_admin":
        allowed = (ROLE_SUPER_ADMIN,)
    else:
        allowed = tuple(auth)
    if principal.role not in allowed:
        raise Forbidden()
    return principal


def leave_scope(exc=None) -> None:
    token = g.pop("api_scope_token", None)
    if token is not None:
        tenancy.leave(token)
