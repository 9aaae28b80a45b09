"""Read side of the audit log for the platform admin (call inside an unscoped block)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from app.audit.models import AuditLog
from app.extensions import db


def list_entries(
    *,
    tenant_id: int | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[AuditLog], int]:
    """Newest first. ``since``/``until`` are UTC calendar days, both included; ``actor`` matches
    part of the actor's label (an email or phone)."""
    stmt = select(AuditLog)
    if tenant_id is not None:
        stmt = stmt.where(AuditLog.tenant_id == tenant_id)
    if actor:
        stmt = stmt.where(func.lower(AuditLog.actor_label).like(f"%{actor.lower()}%"))
    if action:
        stmt = stmt.where(AuditLog.action == action)
    if since is not None:
        stmt = stmt.where(AuditLog.created_at >= datetime.combine(since, time.min, UTC))
    if until is not None:
        stmt = stmt.where(AuditLog.created_at < datetime.combine(until + timedelta(days=1), time.min, UTC))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.order_by(AuditLog.id.desc()).limit(limit).offset(offset))
    return list(rows), int(total or 0)


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))


def for_tenant(tenant_id: int, limit: int = 20) -> list[AuditLog]:
    return list_entries(tenant_id=tenant_id, limit=limit)[0]
