"""Catalogue: a master asks for a permission, an owner or manager of the master's location decides."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.services import record, snapshot
from app.catalog import rules
from app.catalog.masters import scoped_master
from app.catalog.models import PERMISSIONS, Master, PermissionRequest
from app.catalog.services import require_manager_or_owner
from app.core.auth import Actor
from app.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationError
from app.core.fields import clean_or_raise
from app.core.types import utcnow
from app.extensions import db
from app.notifications import events
from app.tenants.models import Tenant


def request_permission(tenant: Tenant, actor: Actor, permission: str, reason: str) -> PermissionRequest:
    """A master asks the business for a permission."""
    if actor.role != "master" or actor.master_id is None:
        raise Forbidden()
    if permission not in PERMISSIONS:
        raise ValidationError.field("permission", _l("Unknown permission."))
    reason = clean_or_raise("reason", rules.PERMISSION_REASON, reason)
    master = db.session.scalar(select(Master).where(Master.id == actor.master_id))
    if master is None:
        raise NotFound()
    if master.has_permission(permission):
        raise Conflict(_l("You already have this permission."))
    pending = db.session.scalar(
        select(PermissionRequest.id).where(
            PermissionRequest.master_id == master.id,
            PermissionRequest.permission == permission,
            PermissionRequest.status == "pending",
        )
    )
    if pending is not None:
        raise Conflict(_l("You have already asked for this permission."))
    req = PermissionRequest(master_id=master.id, permission=permission, reason=str(reason or "").strip()[:2000])
    db.session.add(req)
    db.session.flush()
    record(
        actor,
        "permission_request.create",
        "permission_request",
        req.id,
        tenant_id=tenant.id,
        after=snapshot(req, ("master_id", "permission", "reason", "status")),
    )
    events.permission_request_new(req)
    return req


def list_permission_requests(tenant: Tenant, actor: Actor, *, status: str | None = None) -> list[PermissionRequest]:
    stmt = select(PermissionRequest).order_by(PermissionRequest.created_at.desc(), PermissionRequest.id.desc())
    if status:
        stmt = stmt.where(PermissionRequest.status == status)
    if actor.role == "master":
        stmt = stmt.where(PermissionRequest.master_id == (actor.master_id or 0))
    elif actor.role == "manager":
        stmt = stmt.join(Master, Master.id == PermissionRequest.master_id).where(
            Master.location_id == actor.location_id
        )
    elif actor.role not in ("owner", "system"):
        raise Forbidden()
    return list(db.session.scalars(stmt).unique())


def decide_permission_request(tenant: Tenant, actor: Actor, req: PermissionRequest, approve: bool) -> PermissionRequest:
    """Owner (or the master's location manager) grants or denies; a grant takes effect at once."""
    require_manager_or_owner(tenant, actor)
    if req is None or req.tenant_id != tenant.id:
        raise NotFound()
    master = req.master
    scoped_master(tenant, actor, master)
    if req.status != "pending":
        raise InvalidTransition(_l("This request has already been decided."))
    before = snapshot(req, ("status",))
    req.status = "approved" if approve else "denied"
    req.decided_by_user_id = actor.id if actor.kind == "user" else None
    req.decided_at = utcnow()
    if approve and not master.has_permission(req.permission):
        master_before = sorted(master.permissions or [])
        master.permissions = sorted({*master_before, req.permission})
        record(
            actor,
            "master.grant_permission",
            "master",
            master.id,
            tenant_id=tenant.id,
            before={"permissions": master_before},
            after={"permissions": master.permissions},
        )
    db.session.flush()
    record(
        actor,
        f"permission_request.{req.status}",
        "permission_request",
        req.id,
        tenant_id=tenant.id,
        before=before,
        after=snapshot(req, ("status", "permission", "master_id")),
    )
    events.permission_request_decided(req)
    return req
