"""Staff accounts: authentication and user management."""
from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import User
from app.core.auth import check_password
from app.core.errors import InvalidCredentials
from app.core.types import utcnow
from app.extensions import db


def authenticate(email: str, password: str, *, roles: tuple[str, ...] | None = None,
                 tenant_id: int | None = None) -> User:
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


def load_user_by_session_id(session_id: str) -> User | None:
    try:
        uid, stamp = session_id.split(":", 1)
        user = db.session.get(User, int(uid))
    except (ValueError, TypeError):
        return None
    if user is None or user.get_id() != session_id:
        return None
    return user


def find_or_create_client(phone_e164: str, *, name: str | None = None, language: str | None = None):  # noqa: ANN201
    """The tenant's client with this phone (already E.164), created on first contact.

    Runs inside the tenant scope; a known client keeps their name unless a new one is given.
    """
    from app.accounts.models import Client

    client = db.session.scalar(select(Client).where(Client.phone == phone_e164))
    if client is None:
        client = Client(phone=phone_e164, name=(name or "").strip(), language=language or "en")
        db.session.add(client)
        db.session.flush()
    else:
        if name and name.strip():
            client.name = name.strip()
        if language:
            client.language = language
    return client
