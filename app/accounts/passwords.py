"""Staff passwords: reset links, invitations (a link to set the first password) and changes.

Reset and invitation tokens are signed, time-limited and carry a fingerprint of the password
hash, so a link dies as soon as a password is set; the two purposes use different salts.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select

from app.accounts import tokens
from app.accounts.models import User
from app.audit.services import record
from app.core.auth import Actor, check_password, hash_password
from app.core.errors import ValidationError
from app.core.types import utcnow
from app.extensions import db
from app.notifications import events
from app.tenants.services import validate_password

_RESET_SALT = "password-reset"


def _reset_serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_RESET_SALT)


def _password_fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "none").encode()).hexdigest()[:20]


def make_reset_token(user: User) -> str:
    """Signed, time-limited, and dead as soon as the password changes (fingerprint)."""
    return _reset_serializer().dumps({"uid": user.id, "pw": _password_fingerprint(user)})


def reset_url(user: User, token: str) -> str:
    """The reset page on the user's own dashboard host."""
    scheme = current_app.config.get("PREFERRED_URL_SCHEME", "http")
    server = current_app.config["SERVER_NAME"]
    host = f"admin.{server}" if user.tenant_id is None else f"{user.role}.{user.tenant.subdomain}.{server}"
    return f"{scheme}://{host}/reset/{token}"


def request_password_reset(email: str, *, tenant_id: int | None = None, roles: tuple[str, ...] | None = None) -> None:
    """Email a reset link if the account exists; the caller answers the same either way."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))
    if user is None or not user.active:
        return
    if roles is not None and user.role not in roles:
        return
    if tenant_id is not None and user.tenant_id != tenant_id:
        return
    events.password_reset(user, reset_url(user, make_reset_token(user)))


def user_for_reset_token(token: str, max_age: int | None = None) -> User | None:
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
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_INVITE_SALT)


def invitation_max_age() -> int:
    """Seconds an invitation link works (``INVITATION_MAX_AGE``, 7 days by default)."""
    return int(current_app.config.get("INVITATION_MAX_AGE", 3600 * 24 * 7))


def make_invitation_token(user: User) -> str:
    """Like a reset token (signed, dead once a password is set) but for the ``invitation``
    purpose: a reset token is not an invitation and the other way round."""
    return _invite_serializer().dumps({"uid": user.id, "pw": _password_fingerprint(user), "purpose": "invitation"})


def invitation_url(user: User, token: str) -> str:
    """The welcome page on the user's own dashboard host."""
    return reset_url(user, token).replace("/reset/", "/welcome/", 1)


def user_for_invitation_token(token: str) -> User | None:
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
    inviter_name = ""
    if inviter is not None:
        inviter_user = inviter if isinstance(inviter, User) else None
        if inviter_user is None and getattr(inviter, "kind", None) == "user" and getattr(inviter, "id", None):
            inviter_user = db.session.get(User, inviter.id)
        inviter_name = (inviter_user.name or inviter_user.email) if inviter_user else ""
    events.staff_invitation(user, invitation_url(user, make_invitation_token(user)), inviter_name, invitation_max_age())


def accept_invitation(token: str, new_password: str) -> User:
    user = user_for_invitation_token(token)
    if user is None:
        raise ValidationError.field("token", _l("This invitation link has expired or has already been used."))
    _set_password(user, new_password)
    _audit_password(user, "user.invitation_accepted")
    return user


def _set_password(user: User, new_password: str) -> None:
    validate_password(new_password)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    tokens.revoke_user_tokens(user)
    db.session.flush()


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset_token(token)
    if user is None:
        raise ValidationError.field("token", _l("This link is invalid or has expired. Ask for a new one."))
    _set_password(user, new_password)
    _audit_password(user, "user.password_reset")
    return user


def change_password(user: User, old_password: str, new_password: str) -> User:
    if not check_password(old_password or "", user.password_hash):
        raise ValidationError.field("old_password", _l("The current password is wrong."))
    _set_password(user, new_password)
    _audit_password(user, "user.password_change")
    return user


def _audit_password(user: User, action: str) -> None:
    record(Actor.for_user(user), action, "user", user.id, tenant_id=user.tenant_id)
