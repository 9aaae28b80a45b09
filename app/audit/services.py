"""The audit trail: every change to bookings, catalogue, schedules, settings and tenants."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from flask import g, has_app_context
from sqlalchemy import insert

from app.audit.models import AuditLog
from app.core import prepared
from app.core.auth import Actor


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict:
    return {f: _plain(getattr(obj, f)) for f in fields}


_INSERT = insert(AuditLog.__table__)


def record(
    actor: Actor,
    action: str,
    obj_type: str,
    obj_id: int | None,
    *,
    tenant_id: int | None,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    """Write one audit row now, in the caller's transaction (a Core INSERT: no ORM object,
    no flush; it commits or rolls back with the change it records)."""
    label = actor.label or ""
    support = g.get("support_label") if has_app_context() else None
    if support and actor.kind == "user":
        label = f"{label} (support: {support})"  # a platform admin acting in a support session
    # On the session's connection (its transaction), prepared on PostgreSQL (app.core.prepared):
    # a Core statement needs none of the ORM's execution steps, and audit_log is no
    # tenant-owned table for the tenant guard to check.
    prepared.rows(
        "jazyl_audit_insert_v1",
        _INSERT,
        {
            "tenant_id": tenant_id,
            "actor_type": actor.kind,
            "actor_id": actor.id,
            "actor_label": label[:254],
            "action": action,
            "object_type": obj_type,
            "object_id": obj_id,
            "before": _plain(before) if before is not None else None,
            "after": _plain(after) if after is not None else None,
        },
    )
