"""Periodic work of the bookings package: expired idempotency keys go."""

from __future__ import annotations

from sqlalchemy import delete

from app.bookings.models import IdempotencyKey
from app.core.periodic import register_cleanup


def register() -> None:
    register_cleanup("idempotency_keys", lambda now: delete(IdempotencyKey).where(IdempotencyKey.expires_at < now))
