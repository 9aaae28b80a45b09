"""Staff accounts: authentication and user management."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.core.auth import check_password
from app.core.errors import InvalidCredentials
from app.core.types import utcnow
from app.extensions import db


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
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


def start_web_session(user: User) -> User:
    """Record a new dashboard sign-in; ``user.get_id()`` then names it (call before ``login_user``)."""
    import secrets

    from flask import current_app

    from app.accounts.models import UserSession

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
    from sqlalchemy import update

    from app.accounts.models import UserSession

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
    from app.accounts.models import UserSession

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


def find_or_create_client(phone_e164: str, *, name: str | None = None, language: str | None = None):
    """The tenant's client with this phone (already E.164), created on first contact.

    Runs inside the tenant scope; a known client keeps their name unless a new one is given.
    """
    from flask_babel import lazy_gettext as _l

    from app.accounts.models import Client
    from app.core.errors import Conflict
    from app.core.integrity import violates_unique

    client = db.session.scalar(select(Client).where(Client.phone == phone_e164))
    if client is None:
        # Two first bookings of one new client at once both find no row; the unique
        # (tenant_id, phone) constraint stops the second INSERT (on PostgreSQL it waits for the
        # first transaction), and the second request then uses the client the first created.
        try:
            with db.session.begin_nested():
                client = Client(phone=phone_e164, name=(name or "").strip(), language=language or "en")
                db.session.add(client)
                db.session.flush()
            return client
        except IntegrityError as exc:
            if not violates_unique(exc, "clients", "tenant_id", "phone"):
                raise
        client = db.session.scalar(select(Client).where(Client.phone == phone_e164))
        if client is None:  # the other request rolled back after all
            raise Conflict(_l("The system is busy. Please try again."))
    if name and name.strip():
        client.name = name.strip()
    if language:
        client.language = language
    return client


# ---------------------------------------------------------------- API tokens (see app.accounts.tokens)


def issue_tokens(user: User) -> dict:
    from app.accounts import tokens

    return tokens.issue_tokens(user)


def refresh(refresh_token: str) -> tuple[User, dict]:
    from app.accounts import tokens

    return tokens.rotate(refresh_token)


def logout(claims: dict, refresh_token: str | None = None) -> None:
    from app.accounts import tokens

    tokens.logout(claims, refresh_token)


def start_client_verification(
    tenant, phone: str, language: str | None = None, fallback_language: str | None = None
) -> None:
    from app.accounts import clients

    clients.start_client_verification(tenant, phone, language, fallback_language)


def complete_client_verification(tenant, phone: str, code: str, name: str | None = None, language: str | None = None):
    from app.accounts import clients

    return clients.complete_client_verification(tenant, phone, code, name=name, language=language)


def client_from_token(tenant, token: str):
    from app.accounts import clients

    return clients.client_from_token(tenant, token)


# ---------------------------------------------------------------- passwords

_RESET_SALT = "password-reset"


def _reset_serializer():
    from flask import current_app
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_RESET_SALT)


def _password_fingerprint(user: User) -> str:
    import hashlib

    return hashlib.sha256((user.password_hash or "none").encode()).hexdigest()[:20]


def make_reset_token(user: User) -> str:
    """Signed, time-limited, and dead as soon as the password changes (fingerprint)."""
    return _reset_serializer().dumps({"uid": user.id, "pw": _password_fingerprint(user)})


def reset_url(user: User, token: str) -> str:
    """The reset page on the user's own dashboard host."""
    from flask import current_app

    scheme = current_app.config.get("PREFERRED_URL_SCHEME", "http")
    server = current_app.config["SERVER_NAME"]
    host = f"admin.{server}" if user.tenant_id is None else f"{user.role}.{user.tenant.subdomain}.{server}"
    return f"{scheme}://{host}/reset/{token}"


def request_password_reset(email: str, *, tenant_id: int | None = None, roles: tuple[str, ...] | None = None) -> None:
    """Email a reset link if the account exists; the caller answers the same either way."""
    from app.notifications import events

    user = db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))
    if user is None or not user.active:
        return
    if roles is not None and user.role not in roles:
        return
    if tenant_id is not None and user.tenant_id != tenant_id:
        return
    events.password_reset(user, reset_url(user, make_reset_token(user)))


def user_for_reset_token(token: str, max_age: int | None = None) -> User | None:
    from flask import current_app
    from itsdangerous import BadSignature

    max_age = max_age or int(current_app.config.get("PASSWORD_RESET_MAX_AGE", 3600 * 24))
    try:
        data = _reset_serializer().loads(token, max_age=max_age)
    except BadSignature:  # includes SignatureExpired
        return None
    user = db.session.get(User, int(data.get("uid", 0))) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("pw") != _password_fingerprint(user):
        return None
    return user


# ---------------------------------------------------------------- invitations (first password)

_INVITE_SALT = "staff-invitation"


def _invite_serializer():
    from flask import current_app
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_INVITE_SALT)


def invitation_max_age() -> int:
    """Seconds an invitation link works (``INVITATION_MAX_AGE``, 7 days by default)."""
    from flask import current_app

    return int(current_app.config.get("INVITATION_MAX_AGE", 3600 * 24 * 7))


def make_invitation_token(user: User) -> str:
    """Like a reset token (signed, dead once a password is set) but for the ``invitation``
    purpose: a reset token is not an invitation and the other way round."""
    return _invite_serializer().dumps({"uid": user.id, "pw": _password_fingerprint(user), "purpose": "invitation"})


def invitation_url(user: User, token: str) -> str:
    """The welcome page on the user's own dashboard host."""
    return reset_url(user, token).replace("/reset/", "/welcome/", 1)


def user_for_invitation_token(token: str) -> User | None:
    from itsdangerous import BadSignature

    try:
        data = _invite_serializer().loads(token, max_age=invitation_max_age())
    except BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict) or data.get("purpose") != "invitation":
        return None
    try:
        user = db.session.get(User, int(data.get("uid", 0)))
    except (TypeError, ValueError):
        return None
    if user is None or not user.active or data.get("pw") != _password_fingerprint(user):
        return None
    return user


def invite_staff(user: User, inviter=None) -> None:
    """Email ``user`` (in their language) who invited them, to which business, and a link to
    set a first password that also signs them in.  ``inviter`` is a User or an audit Actor."""
    from app.notifications import events

    inviter_name = ""
    if inviter is not None:
        inviter_user = inviter if isinstance(inviter, User) else None
        if inviter_user is None and getattr(inviter, "kind", None) == "user" and getattr(inviter, "id", None):
            inviter_user = db.session.get(User, inviter.id)
        inviter_name = (inviter_user.name or inviter_user.email) if inviter_user else ""
    events.staff_invitation(user, invitation_url(user, make_invitation_token(user)), inviter_name, invitation_max_age())


def accept_invitation(token: str, new_password: str) -> User:
    from flask_babel import lazy_gettext as _l

    from app.core.errors import ValidationError

    user = user_for_invitation_token(token)
    if user is None:
        raise ValidationError.field("token", _l("This invitation link has expired or has already been used."))
    _set_password(user, new_password)
    _audit_password(user, "user.invitation_accepted")
    return user


def _set_password(user: User, new_password: str) -> None:
    from app.accounts import tokens
    from app.core.auth import hash_password
    from app.tenants.services import validate_password

    validate_password(new_password)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    tokens.revoke_user_tokens(user)
    db.session.flush()


def reset_password(token: str, new_password: str) -> User:
    from flask_babel import lazy_gettext as _l

    from app.core.errors import ValidationError

    user = user_for_reset_token(token)
    if user is None:
        raise ValidationError.field("token", _l("This link is invalid or has expired. Ask for a new one."))
    _set_password(user, new_password)
    _audit_password(user, "user.password_reset")
    return user


def change_password(user: User, old_password: str, new_password: str) -> User:
    from flask_babel import lazy_gettext as _l

    from app.core.errors import ValidationError

    if not check_password(old_password or "", user.password_hash):
        raise ValidationError.field("old_password", _l("The current password is wrong."))
    _set_password(user, new_password)
    _audit_password(user, "user.password_change")
    return user


def _audit_password(user: User, action: str) -> None:
    from app.audit.services import Actor, record

    record(Actor.for_user(user), action, "user", user.id, tenant_id=user.tenant_id)


# ---------------------------------------------------------------- staff


def create_manager(tenant, actor, data: dict) -> User:
    """An owner adds a manager for one location; without a password an invitation
    (a link to set one, see :func:`invite_staff`) is emailed instead."""
    from flask_babel import lazy_gettext as _l

    from app.accounts.rules import EMAIL, LANGUAGE, PERSON_NAME, PHONE
    from app.audit.services import record, snapshot
    from app.core.auth import ROLE_MANAGER, ROLE_OWNER, hash_password
    from app.core.errors import EmailTaken, Forbidden, ValidationError
    from app.core.fields import clean as apply_rule
    from app.tenants.models import Location
    from app.tenants.services import email_in_use, validate_password

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
        from app.core.integrity import violates_unique

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
