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
