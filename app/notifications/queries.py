"""Read side of the outbox: the admin list."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from app.extensions import db
from app.notifications.models import NOTIFICATION_STATUSES, Notification


def list_outbox(
    search: str | None = None, status: str | None = None, template: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[Notification], int]:
    stmt = select(Notification)
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
