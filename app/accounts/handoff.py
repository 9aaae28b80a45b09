"""Sign-in handoff: the main site checks the password, the dashboard host opens the session.

Each dashboard host has its own host-only session cookie, so the main site cannot sign a
user in there itself, and its CSP (``form-action 'self'``) rightly forbids a form POST from
ending in a redirect to another host.  Instead the main site answers the POST with a page
that navigates to ``https://{role}.{business}.{domain}/auth/handoff?token=...``, where the
token is:

- **signed** with ``SECRET_KEY`` (a token not made here is refused before Redis is asked);
- **one-time**: its record in Redis is read and deleted in one ``GETDEL``, so of two uses
  (even at the same moment) only one gets it;
- **short-lived**: ``HANDOFF_TTL_SECONDS`` (60 s), checked against the app clock and also set
  as the Redis key's expiry;
- **bound** to the host it was made for and to the browser that asked for it (client IP and
  User-Agent), so a token handed to someone else's browser does not sign that browser in.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from app.accounts.models import User
from app.core.redis import get_redis
from app.core.types import utcnow
from app.extensions import db

_SALT = "staff-signin-handoff"
_PREFIX = "jazyl:handoff:"

# Why a handoff was refused (the page says it in plain words).
INVALID = "invalid"  # not signed by us, or not a token at all
USED_OR_EXPIRED = "used_or_expired"  # spent, or its Redis record has expired
EXPIRED = "expired"  # past its lifetime on the app clock
WRONG_PLACE = "wrong_place"  # another host, another browser, or the account changed


class HandoffRefused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Handoff:
    user: User
    remember: bool
    language: str | None
    impersonator_id: int | None = None  # a platform admin signing in as this user to help


def ttl() -> int:
    return int(current_app.config.get("HANDOFF_TTL_SECONDS", 60))


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _key(nonce: str) -> str:
    return _PREFIX + hashlib.sha256(nonce.encode()).hexdigest()


def _browser() -> str:
    """The asking browser: client IP (``ProxyFix`` sets it behind the proxy) and User-Agent."""
    ua = request.headers.get("User-Agent", "")
    return hashlib.sha256(f"{request.remote_addr or ''}|{ua}".encode()).hexdigest()


def dashboard_host(user: User) -> str:
    """``admin.{domain}`` for the platform admin, ``{role}.{business}.{domain}`` for staff."""
    server = current_app.config["SERVER_NAME"]
    if user.tenant_id is None:
        return f"admin.{server}"
    return f"{user.role}.{user.tenant.subdomain}.{server}"


def dashboard_url(user: User, path: str = "/") -> str:
    scheme = current_app.config.get("PREFERRED_URL_SCHEME", "http")
    return f"{scheme}://{dashboard_host(user)}{path}"


def issue(user: User, *, remember: bool = False, language: str | None = None, impersonator: User | None = None) -> str:
    """A one-time token that signs ``user`` in on their dashboard host from this browser.

    With ``impersonator`` (a platform admin) the session it opens is marked as the admin's
    support session (:mod:`app.accounts.impersonation`).

    Raises ``redis.RedisError`` when Redis cannot be reached (the caller falls back to the
    dashboard's own sign-in page).
    """
    nonce = secrets.token_urlsafe(32)
    record = {
        "uid": user.id,
        "host": dashboard_host(user),
        "stamp": user.get_id().split(":")[1],
        "exp": (utcnow() + timedelta(seconds=ttl())).timestamp(),
        "browser": _browser(),
        "remember": bool(remember),
        "lang": language or None,
        "imp": impersonator.id if impersonator is not None else None,
    }
    get_redis().set(_key(nonce), json.dumps(record), ex=ttl())
    return _serializer().dumps(nonce)


def handoff_url(user: User, token: str) -> str:
    return dashboard_url(user, f"/auth/handoff?token={quote(token)}")


def consume(token: str | None, *, roles: tuple[str, ...], tenant_id: int | None) -> Handoff:
    """Spend ``token`` on this host; the user to sign in, or :class:`HandoffRefused`."""
    try:
        nonce = _serializer().loads(token or "")
    except BadSignature:
        raise HandoffRefused(INVALID) from None
    if not isinstance(nonce, str):
        raise HandoffRefused(INVALID)
    raw = get_redis().getdel(_key(nonce))
    if raw is None:
        raise HandoffRefused(USED_OR_EXPIRED)
    record = json.loads(raw)
    if float(record["exp"]) <= utcnow().timestamp():
        raise HandoffRefused(EXPIRED)
    if record.get("host") != request.host.lower() or record.get("browser") != _browser():
        raise HandoffRefused(WRONG_PLACE)
    user = db.session.get(User, int(record["uid"]))
    if (
        user is None
        or not user.active
        or user.role not in roles
        or user.tenant_id != tenant_id
        or user.get_id().split(":")[1] != record.get("stamp")
    ):
        raise HandoffRefused(WRONG_PLACE)
    imp = record.get("imp")
    return Handoff(
        user=user,
        remember=bool(record.get("remember")),
        language=record.get("lang"),
        impersonator_id=int(imp) if imp is not None else None,
    )
