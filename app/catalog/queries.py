from __future__ import annotations

from sqlalchemy import select

from app.catalog.models import Master, MasterService, Service, ServiceLocation
from app.core import cache
from app.core.tenancy import TenantScopeError, current_tenant_id
from app.extensions import db
from app.tenants.models import Location


def list_services(*, active_only: bool = True, location_id: int | None = None) -> list[Service]:
    stmt = select(Service).order_by(Service.name, Service.id)
    if active_only:
        stmt = stmt.where(Service.active.is_(True))
    if location_id is not None:
        stmt = stmt.where(
            Service.id.in_(select(ServiceLocation.service_id).where(ServiceLocation.location_id == location_id))
        )
    return list(db.session.scalars(stmt))


def list_masters(
    *, active_only: bool = True, location_id: int | None = None, service_id: int | None = None
) -> list[Master]:
    stmt = select(Master).order_by(Master.name, Master.id)
    if active_only:
        stmt = stmt.where(Master.active.is_(True))
    if location_id is not None:
        stmt = stmt.where(Master.location_id == location_id)
    if service_id is not None:
        stmt = stmt.where(Master.id.in_(select(MasterService.master_id).where(MasterService.service_id == service_id)))
    return list(db.session.scalars(stmt))


def get_master_for_user(user_id: int) -> Master | None:
    return db.session.scalar(select(Master).where(Master.user_id == user_id))


# ---------------------------------------------------------------- what the public may book
#
# The booking site lists only what a client can actually book: a service at a location
# when an active master working there performs it (and the location offers it), a
# location when it has such a service, a master when they perform such a service.


def _bookable_pairs(column):
    """``column`` of every (service, location, master) where an active master can take an active service."""
    return (
        select(column)
        .select_from(MasterService)
        .join(Master, Master.id == MasterService.master_id)
        .join(
            ServiceLocation,
            (ServiceLocation.service_id == MasterService.service_id)
            & (ServiceLocation.location_id == Master.location_id),
        )
        .join(Service, Service.id == MasterService.service_id)
        .join(Location, Location.id == Master.location_id)
        .where(Master.active.is_(True), Service.active.is_(True), Location.active.is_(True))
    )


def list_bookable_services(*, location_id: int | None = None) -> list[Service]:
    """Active services that an active master performs (at ``location_id`` when given)."""
    ids = _bookable_pairs(MasterService.service_id)
    if location_id is not None:
        ids = ids.where(Master.location_id == location_id)
    return list(db.session.scalars(select(Service).where(Service.id.in_(ids)).order_by(Service.name, Service.id)))


def list_bookable_masters(*, location_id: int | None = None, service_id: int | None = None) -> list[Master]:
    """Active masters who perform at least one bookable service (``service_id`` when given)."""
    ids = _bookable_pairs(Master.id)
    if location_id is not None:
        ids = ids.where(Master.location_id == location_id)
    if service_id is not None:
        ids = ids.where(MasterService.service_id == service_id)
    return list(db.session.scalars(select(Master).where(Master.id.in_(ids)).order_by(Master.name, Master.id)))


def bookable_location_ids() -> set[int]:
    """Ids of the active locations that have at least one bookable service."""
    return set(db.session.scalars(_bookable_pairs(Master.location_id).distinct()))


# ---------------------------------------------------------------- cached public reads
#
# What the public API and booking site list, from Redis under the tenant's site version
# (``app.core.cache``; any change of services, masters, locations or who performs what
# where bumps it after commit).  Read-only records with the same attribute names as the
# models (plus ``location_ids`` / ``service_ids``); the database answers when Redis is down.
# Call inside the tenant's scope.


def _scoped_tenant_id() -> int:
    tid = current_tenant_id()
    if tid is None:
        raise TenantScopeError("cached catalogue reads need a tenant scope")
    return tid


def cached_services(*, location_id: int | None = None, bookable: bool = False) -> list:
    """Active (or only bookable) services, like :func:`list_services` / :func:`list_bookable_services`."""

    def load() -> list[dict]:
        rows = list_bookable_services(location_id=location_id) if bookable else list_services(location_id=location_id)
        return [cache.columns_to_json(s, location_ids=s.location_ids) for s in rows]

    params = f"{'b' if bookable else 'a'}:{location_id or '-'}"
    return cache.records(cache.remember(_scoped_tenant_id(), "services", params, load))


def cached_masters(*, location_id: int | None = None, service_id: int | None = None, bookable: bool = False) -> list:
    """Active (or only bookable) masters, like :func:`list_masters` / :func:`list_bookable_masters`."""

    def load() -> list[dict]:
        if bookable:
            rows = list_bookable_masters(location_id=location_id, service_id=service_id)
        else:
            rows = list_masters(location_id=location_id, service_id=service_id)
        return [cache.columns_to_json(m, service_ids=m.service_ids) for m in rows]

    params = f"{'b' if bookable else 'a'}:{location_id or '-'}:{service_id or '-'}"
    return cache.records(cache.remember(_scoped_tenant_id(), "masters", params, load))
