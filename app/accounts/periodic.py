"""Periodic work of the accounts package: expired client sessions, refresh tokens and codes go."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_

from app.accounts.models import ClientSession, ClientVerification, RefreshToken
from app.core.periodic import register_cleanup

DAY = timedelta(days=1)


def register() -> None:
    register_cleanup(
        "client_sessions",
        lambda now: delete(ClientSession).where(
            or_(ClientSession.expires_at < now, ClientSession.revoked_at < now - DAY)
        ),
    )
    register_cleanup("refresh_tokens", lambda now: delete(RefreshToken).where(RefreshToken.expires_at < now))
    register_cleanup(
        "client_verifications", lambda now: delete(ClientVerification).where(ClientVerification.expires_at < now - DAY)
    )
