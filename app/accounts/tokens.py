"""API credentials for staff: short JWT access tokens and rotating refresh tokens.

Access tokens are HS256 JWTs signed with ``SECRET_KEY`` carrying ``sub`` (user id),
``role``, ``tenant``, ``fam`` (the refresh family of the login), ``jti`` and ``exp``.
Refresh tokens are opaque random strings stored only as SHA-256 hashes in
:class:`RefreshToken` rows grouped by ``family_id`` (one family per login).  Rotation marks
the presented token superseded (one conditional UPDATE, so of two concurrent refreshes with one
token exactly one wins) and issues the next one in the same family; a superseded token
presented again, or the loser of such a race, means it was stolen or replayed, so the whole
family is revoked.
Every authenticated request checks that its family is not revoked, so logout and reuse
detection end the access token at once, not after 15 minutes.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta
from functools import cache, lru_cache
from types import MappingProxyType

import jwt
from flask import current_app, g, has_request_context
from sqlalchemy import Integer, String, bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.models import RefreshToken, User
from app.core import cache as kv
from app.core import prepared
from app.core.db import independent_write
from app.core.errors import TokenExpired, TokenRevoked, Unauthorized
from app.core.types import utcnow
from app.extensions import db
from app.tenants.models import Tenant

ALGORITHM = "HS256"


class RefreshReused(TokenRevoked):
    """A spent refresh token came back: the family is revoked (see :func:`_revoke_replayed`)."""


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _access_ttl() -> timedelta:
    return current_app.config.get("JWT_ACCESS_TTL", timedelta(minutes=15))


def _refresh_ttl() -> timedelta:
    return current_app.config.get("JWT_REFRESH_TTL", timedelta(days=30))


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


def issue_tokens(user: User, family_id: str | None = None) -> dict:
    """A new access/refresh pair; a new family unless rotating inside one."""
    now = utcnow()
    family_id = family_id or str(uuid.uuid4())
    raw = secrets.token_urlsafe(48)
    db.session.add(
        RefreshToken(
            user_id=user.id, family_id=family_id, token_hash=_hash(raw), created_at=now, expires_at=now + _refresh_ttl()
        )
    )
    db.session.flush()
    ttl = _access_ttl()
    claims = {
        "sub": str(user.id),
        "role": user.role,
        "tenant": user.tenant_id,
        "fam": family_id,
        "jti": uuid.uuid4().hex,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    access = jwt.encode(claims, current_app.config["SECRET_KEY"], algorithm=ALGORITHM)
    return {
        "access_token": access,
        "refresh_token": raw,
        "token_type": "Bearer",
        "expires_in": int(ttl.total_seconds()),
    }


def decode_access(token: str) -> dict:
    """Signature and expiry against the app clock (tests freeze time).

    Within a request the claims of a token once accepted are kept on ``g``: the rate limiter
    (which names the staff user) and the authentication ask about the same header, and the
    second answer is the first one (a refused token is refused again, by decoding)."""
    memo = g.get("access_claims") if has_request_context() else None
    if memo is not None and memo[0] == token:
        return memo[1]
    claims = _decode_access(token)
    if has_request_context():
        g.access_claims = (token, claims)
    return claims


def _decode_access(token: str) -> dict:
    try:
        claims = dict(_signed_claims(token, current_app.config["SECRET_KEY"]))
    except jwt.PyJWTError:
        raise Unauthorized() from None
    # Expiry is checked here against the app clock (tests freeze it), not the OS clock, and on
    # every request: the claims kept below say only that the signature was good.
    if int(claims["exp"]) <= int(utcnow().timestamp()):
        raise TokenExpired()
    return claims


_OPTIONS = {"verify_exp": False, "verify_iat": False, "verify_nbf": False, "require": ["sub", "fam", "exp", "jti"]}


@lru_cache(maxsize=4096)
def _signed_claims(token: str, secret: str) -> MappingProxyType:
    """The claims of a token whose signature ``secret`` verifies (else PyJWT's error, which is
    not kept).  An app sends one access token on every request for its lifetime, so each
    process keeps the last few thousand verified ones (read-only) instead of decoding and
    verifying the same string again; the key includes the secret."""
    return MappingProxyType(jwt.decode(token, secret, algorithms=[ALGORITHM], options=_OPTIONS))


def family_revoked(family_id: str) -> bool:
    return (
        db.session.scalar(
            select(RefreshToken.id)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_not(None))
            .limit(1)
        )
        is not None
    )


USER_AND_REVOKED_PREPARED = "jazyl_token_user_v2"  # a new name when the statement changes


@cache
def _user_and_revoked():
    """The user's columns, their business's (as the user's joined relationship loads it) and
    "is the token's family revoked?", built once (bound parameters ``tok_user_id``,
    ``tok_family``)."""
    revoked = (
        select(RefreshToken.id)
        .where(RefreshToken.family_id == bindparam("tok_family", type_=String), RefreshToken.revoked_at.is_not(None))
        .exists()
    )
    user_keys, user_columns = prepared.entity_columns(User)
    tenant_keys, tenant_columns = prepared.entity_columns(Tenant)
    users, tenants = User.__table__, Tenant.__table__
    stmt = (
        select(*user_columns, *tenant_columns, revoked.label("revoked"))
        .select_from(users.outerjoin(tenants, tenants.c.id == users.c.tenant_id))
        .where(users.c.id == bindparam("tok_user_id", type_=Integer))
    )
    return user_keys, tenant_keys, stmt


def user_for_access_token(token: str) -> tuple[User, dict]:
    """The user behind an access token, refusing revoked families and disabled users.

    One statement on every API request (on PostgreSQL a prepared one, ``app.core.prepared``):
    the user's columns with "is the token's family revoked?" as an extra column, the user
    joining the session as if loaded (a missing user falls back to asking about the family
    alone, so a revoked token is reported as revoked either way).
    """
    claims = decode_access(token)
    try:
        user_id = int(claims["sub"])
    except (TypeError, ValueError):
        user_id = None
    row = None
    if user_id is not None and 0 < user_id <= prepared.MAX_ID:
        user_keys, tenant_keys, stmt = _user_and_revoked()
        found = prepared.rows(
            USER_AND_REVOKED_PREPARED, stmt, {"tok_user_id": user_id, "tok_family": str(claims["fam"])}, typed=True
        )
        row = found[0] if found else None
    if row is None:
        if family_revoked(claims["fam"]):
            raise TokenRevoked()
        raise Unauthorized()
    *values, is_revoked = row
    if is_revoked:
        raise TokenRevoked()
    user = kv.attach(User, dict(zip(user_keys, values[: len(user_keys)], strict=True)), decoded=True)
    tenant = None
    if user.tenant_id is not None:  # a platform admin has no business
        tenant = kv.attach(Tenant, dict(zip(tenant_keys, values[len(user_keys) :], strict=True)), decoded=True)
    set_committed_value(user, "tenant", tenant)
    if not user.active:
        raise Unauthorized()
    return user, claims


def revoke_family(family_id: str, session: Session | None = None) -> None:
    (session or db.session).execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_user_tokens(user: User) -> None:
    """Every login of this user ends (password change or reset)."""
    db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def _revoke_replayed(family_id: str) -> None:
    revoke_family(family_id)  # for the rest of this transaction
    # The request answers 401 and its transaction rolls back, yet the family must stay
    # revoked: the revocation is also written in a transaction of its own (idempotent).
    independent_write(lambda own: revoke_family(family_id, own))


def rotate(raw: str) -> tuple[User, dict]:
    """Spend a refresh token for a new pair in the same family."""
    row = db.session.scalar(select(RefreshToken).where(RefreshToken.token_hash == _hash(raw or "")))
    if row is None:
        raise Unauthorized()
    now = utcnow()
    if row.revoked_at is not None or family_revoked(row.family_id):
        raise TokenRevoked()
    if row.superseded_at is not None:
        _revoke_replayed(row.family_id)
        raise RefreshReused()
    if row.expires_at <= now:
        raise TokenExpired()
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthorized()
    # Spend the token with one conditional UPDATE: of two requests presenting it at once only
    # one changes the row (PostgreSQL re-checks the condition after the first one commits;
    # SQLite serializes writers), and the other is treated as reuse.
    spent = db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == row.id, RefreshToken.superseded_at.is_(None), RefreshToken.revoked_at.is_(None))
        .values(superseded_at=now)
    )
    if spent.rowcount != 1:
        _revoke_replayed(row.family_id)
        raise RefreshReused()
    return user, issue_tokens(user, family_id=row.family_id)


def logout(claims: dict, refresh_token: str | None = None) -> None:
    """Revoke the access token's family and, if given, the refresh token's (same user only)."""
    revoke_family(claims["fam"])
    if refresh_token:
        row = db.session.scalar(select(RefreshToken).where(RefreshToken.token_hash == _hash(refresh_token)))
        if row is not None and str(row.user_id) == str(claims["sub"]):
            revoke_family(row.family_id)
    db.session.flush()
