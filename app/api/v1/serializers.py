"""Model -> JSON, in the contract's shapes. Times are given in the location's own offset."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from app.audit.services import Actor


def instant(dt: datetime | None, tz: str | None = None) -> str | None:
    """RFC 3339 ``date-time`` in the zone's offset; in UTC when that offset is not whole minutes
    (local mean time before a zone's first standard offset, e.g. +05:07:48 in year 1) or out of range."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    if tz:
        try:
            local = dt.astimezone(ZoneInfo(tz))
        except (OverflowError, ValueError):
            local = None
        offset = local.utcoffset() if local is not None else None
        if offset is not None and offset.total_seconds() % 60 == 0:
            return local.isoformat()
    try:
        return dt.astimezone(UTC).isoformat()
    except (OverflowError, ValueError):
        return dt.isoformat()


def user(u, master=None) -> dict:
    out = {
        "id": u.id,
        "email": u.email,
        "name": u.name,
        "role": u.role,
        "tenant_id": u.tenant_id,
        "location_id": u.location_id,
        "language": u.language,
    }
    if master is not None:
        out["master_id"] = master.id
        out["location_id"] = u.location_id or master.location_id
        out["permissions"] = list(master.permissions or [])
    return out


def client(c, *, hide_phone: bool = False) -> dict:
    return {"id": c.id, "name": c.name, "phone": None if hide_phone else c.phone}


def location(loc, full: bool = False) -> dict:
    out = {"id": loc.id, "name": loc.name, "address": loc.address or "", "phone": loc.phone, "timezone": loc.timezone}
    if full:
        out["active"] = bool(loc.active)
    return out


def service(s, full: bool = False) -> dict:
    out = {
        "id": s.id,
        "name": s.name,
        "description": s.description or "",
        "duration_minutes": s.duration_minutes,
        "price": str(s.price),
        "currency": s.currency,
        "location_ids": s.location_ids,
    }
    if full:
        out.update(buffer_minutes=s.buffer_minutes, active=bool(s.active))
    return out


def master(m, full: bool = False) -> dict:
    out = {
        "id": m.id,
        "name": m.name,
        "specialization": m.specialization or "",
        "location_id": m.location_id,
        "service_ids": m.service_ids,
    }
    if full:
        out.update(
            email=m.email,
            phone=m.phone,
            active=bool(m.active),
            permissions=list(m.permissions or []),
            user_id=m.user_id,
        )
    return out


def hides_phones(actor: Actor | None) -> bool:
    """A master sees clients' phones only with the ``see_client_phones`` permission."""
    return actor is not None and actor.role == "master" and not actor.has("see_client_phones")


def booking(b, actor: Actor | None = None) -> dict:
    tz = b.timezone or b.location.timezone
    return {
        "id": b.id,
        "status": b.status,
        "start": instant(b.start_at, tz),
        "end": instant(b.end_at, tz),
        "service": {"id": b.service.id, "name": b.service.name},
        "master": {"id": b.master.id, "name": b.master.name},
        "location": {"id": b.location.id, "name": b.location.name, "timezone": b.location.timezone},
        "client": client(b.client, hide_phone=hides_phones(actor)),
        "price": str(b.price),
        "currency": b.currency,
        "notes": b.notes or "",
        "created_at": instant(b.created_at, tz),
    }


def time_off(t, tz: str) -> dict:
    return {"id": t.id, "start": instant(t.start_at, tz), "end": instant(t.end_at, tz), "reason": t.reason or ""}


def permission_request(r) -> dict:
    return {
        "id": r.id,
        "master_id": r.master_id,
        "master_name": r.master.name if r.master else "",
        "permission": r.permission,
        "reason": r.reason or "",
        "status": r.status,
        "created_at": instant(r.created_at),
        "decided_at": instant(r.decided_at),
    }


def tenant_brief(t) -> dict:
    return {"id": t.id, "name": t.name, "subdomain": t.subdomain, "status": t.status}


def tenant_admin(t) -> dict:
    return {
        **tenant_brief(t),
        "status_reason": t.status_reason,
        "email": t.email,
        "phone": t.phone,
        "currency": t.currency,
        "timezone": t.timezone,
        "created_at": instant(t.created_at),
        "approved_at": instant(t.approved_at),
        "trial_ends_at": instant(t.trial_ends_at),
    }


def business(t) -> dict:
    return {
        "id": t.id,
        "name": t.name,
        "subdomain": t.subdomain,
        "description": t.description or "",
        "status": t.status,
        "currency": t.currency,
        "languages": list(t.languages or []),
        "default_language": t.default_language,
        "timezone": t.timezone,
        "min_notice_minutes": t.min_notice_minutes,
        "horizon_days": t.horizon_days,
        "cancellation_window_minutes": t.cancellation_window_minutes,
        "slot_step_minutes": t.slot_step_minutes,
        "require_confirmation": bool(t.require_confirmation),
        "trial_ends_at": instant(t.trial_ends_at),
    }


def page(items: list, total: int) -> dict:
    return {"items": items, "total": int(total)}
