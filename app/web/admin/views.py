"""Super admin: tenant approval lifecycle, platform statistics and the audit log."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.audit.models import AuditLog
from app.audit.services import Actor
from app.core import tenancy
from app.core.db import savepoint
from app.core.errors import DomainError, NotFound
from app.extensions import db
from app.tenants import services as tenant_services
from app.tenants.models import Tenant
from app.tenants.queries import list_tenants, platform_statistics
from app.web.dashboard import make_dashboard

bp = make_dashboard("admin", ("super_admin",), _l("Platform admin"))
STATUSES = ("pending", "active", "rejected", "suspended")


@bp.before_request
def _platform_scope():
    # The admin host works across tenants on purpose.
    g.admin_scope_token = tenancy.enter_unscoped()


@bp.teardown_request
def _leave_platform_scope(exc):
    token = g.pop("admin_scope_token", None)
    if token is not None:
        tenancy.leave(token)


@bp.route("/")
def index():
    status = request.args.get("status", "pending")
    if status not in STATUSES:
        status = "pending"
    tenants, total = list_tenants(status, request.args.get("q"), limit=200)
    return render_template(
        "admin/index.html",
        tenants=tenants,
        total=total,
        status=status,
        statuses=STATUSES,
        stats=platform_statistics(),
        area_title=_("Platform admin"),
    )


@bp.route("/tenants/<int:tenant_id>/<action>", methods=["POST"])
def tenant_action(tenant_id: int, action: str):
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound()
    actor = Actor.for_user(current_user)
    handlers = {
        "approve": lambda: tenant_services.approve_tenant(actor, tenant),
        "reject": lambda: tenant_services.reject_tenant(actor, tenant, request.form.get("reason", "")),
        "suspend": lambda: tenant_services.suspend_tenant(actor, tenant, request.form.get("reason", "")),
        "reactivate": lambda: tenant_services.reactivate_tenant(actor, tenant),
        "extend-trial": lambda: tenant_services.extend_trial(
            actor, tenant, int(request.form.get("days") or 0) if (request.form.get("days") or "0").isdigit() else 0
        ),
    }
    if action not in handlers:
        raise NotFound()
    try:
        with savepoint():
            handlers[action]()
    except DomainError as exc:
        flash(str(exc.message) if not exc.details else " ".join(m for v in exc.details.values() for m in v), "error")
        return redirect(url_for("admin.index", status=tenant.status))
    flash(_("%(name)s: done.", name=tenant.name), "success")
    return redirect(url_for("admin.index", status=request.form.get("back", "pending")))


@bp.route("/audit")
def audit():
    entries = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(200)).all()
    return render_template("admin/audit.html", entries=entries, area_title=_("Platform admin"))
