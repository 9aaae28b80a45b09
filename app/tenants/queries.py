from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.tenants.models import Location, Tenant


def get_tenant_by_subdomain(subdomain: str) -> Tenant | None:
    return db.session.scalar(select(Tenant).where(Tenant.subdomain == subdomain.lower()))


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
    from sqlalchemy import func, or_

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
    from datetime import timedelta

    from sqlalchemy import func

    from app.accounts.models import User
    from app.bookings.models import Booking
    from app.core.types import utcnow

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
    from sqlalchemy import func

    from app.accounts.models import User
    from app.catalog.models import Master, Service

    def count(model) -> int:
        return int(db.session.scalar(select(func.count()).select_from(model).where(model.tenant_id == tenant.id)) or 0)

    owner = db.session.scalar(
        select(User).where(User.tenant_id == tenant.id, User.role == "owner").order_by(User.id).limit(1)
    )
    return {"owner": owner, "locations": count(Location), "services": count(Service), "masters": count(Master)}


def list_bookable_locations() -> list[Location]:
    """Active locations with at least one bookable service (see ``catalog.queries``)."""
    from app.catalog.queries import bookable_location_ids

    ids = bookable_location_ids()
    return [loc for loc in list_locations() if loc.id in ids]
