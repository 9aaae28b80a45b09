"""Read side of the outbox: the admin list, a business's failed messages, health counts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select

from app.core.types import utcnow
from app.extensions import db
from app.notifications.models import NOTIFICATION_STATUSES, Notification


def list_outbox(
    search: str | None = None,
    status: str | None = None,
    template: str | None = None,
    limit: int = 50,
    offset: int = 0,
    *,
    channel: str | None = None,
    tenant_id: int | None = None,
) -> tuple[list[Notification], int]:
    stmt = select(Notification)
    if channel in ("email", "sms"):
        stmt = stmt.where(Notification.channel == channel)
    if tenant_id is not None:
        stmt = stmt.where(Notification.tenant_id == tenant_id)
    if status in NOTIFICATION_STATUSES:
        stmt = stmt.where(Notification.status == status)
    if template:
        stmt = stmt.where(Notification.template == template)
    q = (search or "").strip().lower()
    if q:
        like = f"%{q}%"
        stmt = stmt.where(
            or_(
                func.lower(Notification.recipient).like(like),
                func.lower(Notification.template).like(like),
                func.lower(func.coalesce(Notification.subject, "")).like(like),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = db.session.scalars(stmt.order_by(Notification.id.desc()).limit(limit).offset(offset))
    return list(items), int(total or 0)


def template_names() -> list[str]:
    return list(db.session.scalars(select(Notification.template).distinct().order_by(Notification.template)))


def failed_for_tenant(tenant_id: int, limit: int = 100) -> list[Notification]:
    """A business's messages that used up their retries, newest first."""
    stmt = (
        select(Notification)
        .where(Notification.tenant_id == tenant_id, Notification.status == "failed")
        .order_by(Notification.updated_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def count_failed_for_tenant(tenant_id: int) -> int:
    stmt = select(func.count(Notification.id)).where(
        Notification.tenant_id == tenant_id, Notification.status == "failed"
    )
    return int(db.session.scalar(stmt) or 0)


def outbox_counts(overdue_after: timedelta, failed_window: timedelta) -> dict[str, int]:
    """For /health: ``overdue`` queued rows due for longer than ``overdue_after`` (no worker is
    sending), ``retrying`` queued rows that failed at least once (a provider is failing),
    ``failed`` and ``expired`` rows given up within ``failed_window``."""
    now = utcnow()
    due_since = func.coalesce(Notification.next_attempt_at, Notification.created_at)
    queued = Notification.status == "queued"
    recent = Notification.updated_at >= now - failed_window

    def count(*where) -> int:
        return int(db.session.scalar(select(func.count(Notification.id)).where(*where)) or 0)

    return {
        "overdue": count(queued, due_since <= now - overdue_after),
        "retrying": count(queued, Notification.attempts > 0),
        "failed": count(Notification.status == "failed", recent),
        "expired": count(Notification.status == "expired", recent),
    }


def backlog_by_channel() -> dict[str, int]:
    """Messages not yet sent (queued or being sent), per channel: the outbox backlog."""
    stmt = (
        select(Notification.channel, func.count(Notification.id))
        .where(Notification.status.in_(("queued", "sending")))
        .group_by(Notification.channel)
    )
    return {channel: int(n) for channel, n in db.session.execute(stmt)}
