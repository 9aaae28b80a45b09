"""Super admin: tenant approval lifecycle, a business's details, platform statistics and the
audit log. Every time on these pages is shown in UTC and labelled so."""

from __future__ import annotations

from datetime import date

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.audit import display as audit_display
from app.audit import queries as audit_queries
from app.core import tenancy
from app.core.auth import Actor
from app.core.db import savepoint
from app.core.errors import DomainError, NotFound
from app.core.templating import local_date
from app.extensions import db
from app.tenants import services as tenant_services
from app.tenants.models import Tenant
from app.tenants.queries import list_tenants, platform_statistics, tenant_overview
from app.web.dashboard import make_dashboard
from app.web.main.views import tenant_url

bp = make_dashboard("admin", ("super_admin",), _l("Platform admin"))
STATUSES = ("pending", "active", "rejected", "suspended")
AUDIT_PER_PAGE = 50


@bp.before_request
def _platform_scope():
    # The admin host works across tenants on purpose.
    g.admin_scope_token = tenancy.enter_unscoped()


@bp.teardown_request
def _leave_platform_scope(exc):
    token = g.pop("admin_scope_token", None)
    if token is not None:
        tenancy.leave(token)


def _tenant_or_404(tenant_id: int) -> Tenant:
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound()
    return tenant


def business_choices() -> list[tuple[int, str]]:
    """Every business as (id, name) for the filters, by name."""
    return [(t.id, t.name) for t in db.session.execute(select(Tenant.id, Tenant.name).order_by(Tenant.name))]


def int_arg(name: str) -> int | None:
    raw = (request.args.get(name) or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat((request.args.get(name) or "").strip())
    except ValueError:
        return None


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


@bp.route("/tenants/<int:tenant_id>")
def tenant_detail(tenant_id: int):
    tenant = _tenant_or_404(tenant_id)
    entries = audit_queries.for_tenant(tenant.id, limit=20)
    return render_template(
        "admin/tenant.html",
        tenant=tenant,
        overview=tenant_overview(tenant),
        entries=entries,
        audit_display=audit_display,
        public_url=tenant_url(tenant.subdomain),
        area_title=_("Platform admin"),
    )


@bp.route("/tenants/<int:tenant_id>/suspend")
def tenant_suspend_confirm(tenant_id: int):
    """Suspending asks first, on its own page: it works without JavaScript."""
    tenant = _tenant_or_404(tenant_id)
    if tenant.status != "active":
        return redirect(url_for("admin.tenant_detail", tenant_id=tenant.id))
    return render_template("admin/suspend.html", tenant=tenant, error=None, area_title=_("Platform admin"))


def _done_message(action: str, tenant: Tenant) -> str:
    if action == "approve":
        return _("%(name)s is approved: its booking site is open and the trial has started.", name=tenant.name)
    if action == "reject":
        return _("%(name)s is rejected. The owner gets the reason by email.", name=tenant.name)
    if action == "suspend":
        return _("%(name)s is suspended: its booking site and dashboards are closed.", name=tenant.name)
    if action == "reactivate":
        return _("%(name)s is active again.", name=tenant.name)
    return _(
        "The trial of %(name)s now ends on %(date)s.",
        name=tenant.name,
        date=local_date(tenant.trial_ends_at, "UTC", "long") if tenant.trial_ends_at else "—",
    )


@bp.route("/tenants/<int:tenant_id>/<action>", methods=["POST"])
def tenant_action(tenant_id: int, action: str):
    tenant = _tenant_or_404(tenant_id)
    actor = Actor.for_user(current_user)
    reason = (request.form.get("reason") or "").strip()
    if action == "suspend" and not reason:
        # The suspension needs its reason (it is audited and shown on the business's page).
        error = _("Write why the business is suspended.")
        return (
            render_template("admin/suspend.html", tenant=tenant, error=error, area_title=_("Platform admin")),
            400,
        )
    days_raw = (request.form.get("days") or "0").strip()
    handlers = {
        "approve": lambda: tenant_services.approve_tenant(actor, tenant),
        "reject": lambda: tenant_services.reject_tenant(actor, tenant, reason),
        "suspend": lambda: tenant_services.suspend_tenant(actor, tenant, reason),
        "reactivate": lambda: tenant_services.reactivate_tenant(actor, tenant),
        "extend-trial": lambda: tenant_services.extend_trial(
            actor, tenant, int(days_raw) if days_raw.isdigit() and len(days_raw) < 6 else 0
        ),
    }
    if action not in handlers:
        raise NotFound()
    back = request.form.get("back", "pending")
    try:
        with savepoint():
            handlers[action]()
    except DomainError as exc:
        details = " ".join(str(m) for v in (exc.details or {}).values() for m in v)
        flash(details or str(exc.message), "error")
    else:
        flash(_done_message(action, tenant), "success")
    if back == "detail":
        return redirect(url_for("admin.tenant_detail", tenant_id=tenant.id))
    return redirect(url_for("admin.index", status=back if back in STATUSES else tenant.status))


@bp.route("/audit")
def audit():
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    filters = {
        "tenant_id": int_arg("business"),
        "actor": (request.args.get("actor") or "").strip()[:254] or None,
        "action": (request.args.get("action") or "").strip()[:64] or None,
        "since": date_arg("from"),
        "until": date_arg("to"),
    }
    entries, total = audit_queries.list_entries(**filters, limit=AUDIT_PER_PAGE, offset=(page - 1) * AUDIT_PER_PAGE)
    names = dict(business_choices())
    return render_template(
        "admin/audit.html",
        entries=entries,
        total=total,
        page=page,
        pages=max(1, -(-total // AUDIT_PER_PAGE)),
        filters=filters,
        args={k: v for k, v in request.args.items() if k in ("business", "actor", "action", "from", "to")},
        actions=audit_queries.actions(),
        businesses=names,
        audit_display=audit_display,
        area_title=_("Platform admin"),
    )
