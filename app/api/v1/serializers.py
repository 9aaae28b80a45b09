"""Model -> JSON, in the contract's shapes. Times are given in the location's own offset.

A business's texts (names, descriptions, addresses) are given in the request's language
(``Accept-Language`` or ``?lang=``), else in the business's default language; with
``versions`` (the business's default language) an object also carries ``translations``,
every version by language (``app.core.translations``).  Serializers take ORM objects and the
cached records alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from app.catalog.models import Master, Service
from app.core.auth import Actor
from app.core.i18n import requested_language
from app.core.translations import all_versions, sort_key, text_in
from app.tenants.models import Location, Tenant


def shown(obj, field: str = "name") -> str:
    """``field`` of a business's object in the reader's language, else the default language's."""
    return text_in(obj, field, requested_language()) if obj is not None else ""


def in_shown_order(rows, field: str = "name") -> list:
    """Rows ordered by the text the reader sees (then id)."""
    return sorted(rows, key=sort_key(requested_language(), field))


def _with_versions(out: dict, obj, model, default_language: str | None) -> dict:
    """Add ``translations`` (every language written, the default one always) when asked for.

    ``model`` names the fields: a cached record does not know which of its columns have versions.
    """
    if default_language:
        out["translations"] = all_versions(obj, default_language, fields=model.translated_fields)
    return out


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


def location(loc, full: bool = False, versions: str | None = None) -> dict:
    out = {
        "id": loc.id,
        "name": shown(loc),
        "address": shown(loc, "address"),
        "phone": loc.phone,
        "timezone": loc.timezone,
    }
    if full:
        out["active"] = bool(loc.active)
    return _with_versions(out, loc, Location, versions)


def service(s, full: bool = False, versions: str | None = None) -> dict:
    out = {
        "id": s.id,
        "name": shown(s),
        "description": shown(s, "description"),
        "duration_minutes": s.duration_minutes,
        "price": str(s.price),
        "currency": s.currency,
        "location_ids": s.location_ids,
    }
    if full:
        out.update(buffer_minutes=s.buffer_minutes, active=bool(s.active))
    return _with_versions(out, s, Service, versions)


def master(m, full: bool = False, versions: str | None = None) -> dict:
    out = {
        "id": m.id,
        "name": shown(m),
        "specialization": shown(m, "specialization"),
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
    return _with_versions(out, m, Master, versions)


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
        "service": {"id": b.service.id, "name": shown(b.service)},
        "master": {"id": b.master.id, "name": shown(b.master)},
        "location": {
            "id": b.location.id,
            "name": shown(b.location),
            "address": shown(b.location, "address"),
            "timezone": b.location.timezone,
        },
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
        "master_name": shown(r.master),
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


def business(t, versions: str | None = None) -> dict:
    out = {
        "id": t.id,
        "name": shown(t),
        "subdomain": t.subdomain,
        "description": shown(t, "description"),
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
    return _with_versions(out, t, Tenant, versions)


def public_business(t, locations: list, versions: str | None = None) -> dict:
    out = {
        "id": t.id,
        "name": shown(t),
        "subdomain": t.subdomain,
        "description": shown(t, "description"),
        "currency": t.currency,
        "languages": list(t.languages or []),
        "default_language": t.default_language,
        "locations": [location(loc, versions=versions) for loc in locations],
    }
    return _with_versions(out, t, Tenant, versions)


def page(items: list, total: int) -> dict:
    return {"items": items, "total": int(total)}
