from __future__ import annotations

from datetime import timedelta

from flask import g, has_request_context
from sqlalchemy import func, or_, select

from app.accounts.models import User
from app.bookings.models import Booking
from app.catalog.models import Master, Service
from app.catalog.queries import _scoped_tenant_id, bookable_location_ids
from app.core import cache
from app.core.types import utcnow
from app.extensions import db
from app.tenants.models import Location, Tenant


def get_tenant_by_subdomain(subdomain: str) -> Tenant | None:
    """The tenant of a subdomain, from Redis when possible (no SQL), else from the database.

    Redis keeps ``subdomain -> tenant id`` and ``tenant id -> (site version, row)``.  The row
    counts only while its site version is the tenant's current one: every change of the
    tenant row (status, settings, subdomain, deletion) bumps that version after commit
    (``app.core.cache``), so a suspended tenant is closed at once and a renamed subdomain no
    longer resolves.  The row found is returned as a persistent object of the session, so
    callers see exactly what the database path gives them.
    """
    sub = subdomain.lower()
    memo = _tenant_memo()
    if memo is not None and sub in memo:
        return memo[sub]
    tenant = _cached_tenant(sub)
    if memo is not None:
        memo[sub] = tenant
    return tenant


def _tenant_from_db(sub: str, *, fresh: bool = False) -> Tenant | None:
    stmt = select(Tenant).where(Tenant.subdomain == sub)
    if fresh:  # re-read the columns even if the row is in the session already
        stmt = stmt.execution_options(populate_existing=True)
    return db.session.scalar(stmt)


def _tenant_memo() -> dict | None:
    if not has_request_context():
        return None
    return g.setdefault("_jz_tenant_by_sub", {})


def _cached_tenant(sub: str) -> Tenant | None:
    known = cache.lookup(sub)  # subdomain -> id, site version and row in one round trip
    if known is None:  # Redis does not answer
        return _tenant_from_db(sub)
    row = cache.current_row(known, sub)
    if row is not None:
        return cache.attach(Tenant, row)
    sub_key = f"jz:sub:{sub}"
    tenant_id = known.tenant_id
    if not isinstance(tenant_id, int):
        tenant = _tenant_from_db(sub)
        if tenant is None or not cache.set_json(sub_key, tenant.id, cache.TTL["subdomain"]):
            return tenant
        tenant_id = tenant.id  # the row is stored below, read again after its version (once, cold)
    row_key = f"jz:tenant:{tenant_id}"
    version, entry = cache.site_version_with(tenant_id, row_key)  # the version before the database
    if version is None:
        return _tenant_from_db(sub)
    if isinstance(entry, dict) and entry.get("v") == version and entry["row"].get("subdomain") == sub:
        return cache.attach(Tenant, entry["row"])
    tenant = _tenant_from_db(sub, fresh=True)
    if tenant is None or tenant.id != tenant_id:  # the subdomain moved to another tenant or is gone
        cache.delete(sub_key)
        return tenant
    cache.set_json(row_key, {"v": version, "row": cache.columns_to_json(tenant)}, cache.TTL["tenant"])
    return tenant


def get_tenant(tenant_id: int) -> Tenant | None:
    return db.session.get(Tenant, tenant_id)


def list_locations(active_only: bool = True) -> list[Location]:
    stmt = select(Location).order_by(Location.id)
    if active_only:
        stmt = stmt.where(Location.active.is_(True))
    return list(db.session.scalars(stmt))


def list_tenants(
    status: str | None = None, search: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[Tenant], int]:
    stmt = select(Tenant)
    if status:
        stmt = stmt.where(Tenant.status == status)
    if search:
        like = f"%{search.lower()}%"
        stmt = stmt.where(or_(func.lower(Tenant.name).like(like), Tenant.subdomain.like(like)))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = db.session.scalars(stmt.order_by(Tenant.created_at.desc(), Tenant.id.desc()).limit(limit).offset(offset))
    return list(items), int(total or 0)


def platform_statistics() -> dict:
    """Counts across every tenant; call inside an ``unscoped()`` block."""
    by_status = dict(db.session.execute(select(Tenant.status, func.count()).group_by(Tenant.status)).all())
    bookings_total = db.session.scalar(select(func.count(Booking.id))) or 0
    recent = (
        db.session.scalar(select(func.count(Booking.id)).where(Booking.created_at >= utcnow() - timedelta(days=30)))
        or 0
    )
    return {
        "tenants": {
            "total": sum(by_status.values()),
            **{s: by_status.get(s, 0) for s in ("pending", "active", "rejected", "suspended")},
        },
        "bookings": {"total": bookings_total, "last_30_days": recent},
        "users": {"total": db.session.scalar(select(func.count(User.id))) or 0},
    }


def tenant_overview(tenant: Tenant) -> dict:
    """What the platform admin checks before approving: the owner and how far the set-up got.
    Call inside an ``unscoped()`` block (the admin host)."""

    def count(model) -> int:
        return int(db.session.scalar(select(func.count()).select_from(model).where(model.tenant_id == tenant.id)) or 0)

    owner = db.session.scalar(
        select(User).where(User.tenant_id == tenant.id, User.role == "owner").order_by(User.id).limit(1)
    )
    return {"owner": owner, "locations": count(Location), "services": count(Service), "masters": count(Master)}


def list_bookable_locations() -> list[Location]:
    """Active locations with at least one bookable service (see ``catalog.queries``)."""
    ids = bookable_location_ids()
    return [loc for loc in list_locations() if loc.id in ids]


def cached_locations(*, bookable: bool = False) -> list:
    """Active (or only bookable) locations as read-only records, from Redis under the tenant's
    site version (see ``app.catalog.queries.cached_services``).  Call inside the tenant's scope."""

    def load() -> list[dict]:
        rows = list_bookable_locations() if bookable else list_locations()
        return [cache.columns_to_json(loc) for loc in rows]

    return cache.records(cache.remember(_scoped_tenant_id(), "locations", "b" if bookable else "a", load))
