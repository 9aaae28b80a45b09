"""Staff accounts: sign-in, dashboard sessions and staff management.

Passwords (reset links, invitations, changes) are in :mod:`app.accounts.passwords`, client
identity in :mod:`app.accounts.clients`, API tokens in :mod:`app.accounts.tokens`; the API
token and client functions below are this package's entry points for the API.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts import clients, tokens
from app.accounts.models import User, UserSession
from app.accounts.passwords import invite_staff
from app.accounts.rules import EMAIL, LANGUAGE, PERSON_NAME, PHONE
from app.audit.services import record, snapshot
from app.core.auth import ROLE_MANAGER, ROLE_OWNER, check_password, hash_password
from app.core.errors import EmailTaken, Forbidden, InvalidCredentials, ValidationError
from app.core.fields import clean as apply_rule
from app.core.integrity import violates_unique
from app.core.types import utcnow
from app.extensions import db
from app.tenants.models import Location
from app.tenants.services import email_in_use, validate_password


def authenticate(
    email: str, password: str, *, roles: tuple[str, ...] | None = None, tenant_id: int | None = None
) -> User:
    """The same error for an unknown email, a wrong password, or the wrong dashboard."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))
    ok = check_password(password or "", user.password_hash if user else None)
    if not ok or user is None or not user.active:
        raise InvalidCredentials()
    if roles is not None and user.role not in roles:
        raise InvalidCredentials()
    if tenant_id is not None and user.tenant_id != tenant_id:
        raise InvalidCredentials()
    user.last_login_at = utcnow()
    return user


# ---------------------------------------------------------------- dashboard sign-ins (server-side sessions)


def _session_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_web_session(user: User) -> User:
    """Record a new dashboard sign-in; ``user.get_id()`` then names it (call before ``login_user``)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    lifetime = max(current_app.config["REMEMBER_COOKIE_DURATION"], current_app.config["PERMANENT_SESSION_LIFETIME"])
    db.session.add(
        UserSession(user_id=user.id, token_hash=_session_hash(token), created_at=now, expires_at=now + lifetime)
    )
    db.session.flush()
    user.web_session = token
    return user


def end_web_session(user: User) -> None:
    """Sign-out: revoke this sign-in's record; copies of its cookies stop working at once."""
    if not user.web_session:
        return
    db.session.execute(
        update(UserSession)
        .where(
            UserSession.token_hash == _session_hash(user.web_session),
            UserSession.user_id == user.id,
            UserSession.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    user.web_session = None


def load_user_by_session_id(session_id: str) -> User | None:
    """Flask-Login's loader for ``user id : password stamp : session token`` (see ``User.get_id``):
    the user, if the password is unchanged and the sign-in is neither revoked nor expired."""
    try:
        uid, _stamp, token = session_id.split(":", 2)
        user_id = int(uid)
    except (AttributeError, ValueError, TypeError):
        return None
    if not token:
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == _session_hash(token)))
    if row is None or row.user_id != user_id or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    user = db.session.get(User, user_id)
    if user is None:
        return None
    user.web_session = token
    if user.get_id() != session_id:
        return None
    return user


# ---------------------------------------------------------------- API tokens (see app.accounts.tokens)


def issue_tokens(user: User) -> dict:
    return tokens.issue_tokens(user)


def refresh(refresh_token: str) -> tuple[User, dict]:
    return tokens.rotate(refresh_token)


def logout(claims: dict, refresh_token: str | None = None) -> None:
    tokens.logout(claims, refresh_token)


def start_client_verification(
    tenant, phone: str, language: str | None = None, fallback_language: str | None = None
) -> None:
    clients.start_client_verification(tenant, phone, language, fallback_language)


def complete_client_verification(tenant, phone: str, code: str, name: str | None = None, language: str | None = None):
    return clients.complete_client_verification(tenant, phone, code, name=name, language=language)


def client_from_token(tenant, token: str):
    return clients.client_from_token(tenant, token)


# ---------------------------------------------------------------- staff


def create_manager(tenant, actor, data: dict) -> User:
    """An owner adds a manager for one location; without a password an invitation
    (a link to set one, see :func:`invite_staff`) is emailed instead."""
    if actor.role != ROLE_OWNER or actor.tenant_id != tenant.id:
        raise Forbidden()
    errors: dict[str, list] = {}
    name = apply_rule(errors, "name", PERSON_NAME, data.get("name"))
    email = apply_rule(errors, "email", EMAIL, data.get("email"))
    password = data.get("password")
    if password:
        try:
            validate_password(password)
        except ValidationError as exc:
            errors.update(exc.details)
    location = None
    if data.get("location_id") is not None:
        location = db.session.scalar(
            select(Location).where(Location.id == data["location_id"], Location.tenant_id == tenant.id)
        )
    if location is None:
        errors.setdefault("location_id", []).append(_l("Choose a location of this business."))
    language = apply_rule(errors, "language", LANGUAGE, data.get("language") or tenant.default_language or "en")
    phone = apply_rule(errors, "phone", PHONE, data.get("phone")) or None
    if errors:
        raise ValidationError(errors)
    if email_in_use(email):
        raise EmailTaken()
    user = User(
        email=email,
        name=name,
        role=ROLE_MANAGER,
        tenant_id=tenant.id,
        location_id=location.id,
        password_hash=hash_password(password) if password else None,
        language=language,
        phone=phone,
    )
    try:  # the check above misses an account created by a concurrent request; the constraint does not
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
    except IntegrityError as exc:
        if violates_unique(exc, "users", "email"):
            raise EmailTaken() from None
        raise
    record(
        actor,
        "user.create_manager",
        "user",
        user.id,
        tenant_id=tenant.id,
        after=snapshot(user, ("email", "name", "role", "location_id")),
    )
    if not password:
        invite_staff(user, actor)
    return user
