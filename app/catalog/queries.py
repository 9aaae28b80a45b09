from __future__ import annotations

from sqlalchemy import select

from app.catalog.models import Master, MasterService, Service, ServiceLocation
from app.extensions import db


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
