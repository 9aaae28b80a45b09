"""Super admin: a business's plan and billing on its page -- record a payment received
outside the platform (bank transfer, cash), change the plan, cancel the subscription."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.billing import queries
from app.billing import services as billing
from app.core.auth import Actor
from app.core.db import savepoint
from app.core.errors import DomainError, NotFound
from app.core.tenancy import tenant_scope
from app.web.admin.views import _tenant_or_404, bp

FIELDS = ("plan", "amount", "reference", "months")


@bp.context_processor
def _billing_panel():
    def billing_panel(tenant) -> dict:
        """What the business's page shows of its billing (templates/admin/billing_panel.html)."""
        with tenant_scope(tenant.id):
            sub = billing.get_subscription(tenant)
            plans = queries.list_plans()
            return {
                "subscription": sub,
                "plan": queries.get_plan(sub.plan_code) if sub else None,
                "plans": plans,
                "plan_names": {p.code: p.name for p in plans},
                "invoices": queries.list_invoices(tenant.id, limit=10),
                "status_labels": billing.STATUS_LABELS,
                "invoice_labels": billing.INVOICE_LABELS,
            }

    return {"billing_panel": billing_panel}


@bp.route("/tenants/<int:tenant_id>/billing/invoices/<int:invoice_id>/paid", methods=["POST"])
def tenant_invoice_paid(tenant_id: int, invoice_id: int):
    """The money for an invoice the owner opened has arrived (the manual provider)."""
    tenant = _tenant_or_404(tenant_id)
    payload = {"invoice_id": invoice_id, "reference": (request.form.get("reference") or "").strip()[:200]}
    try:
        with savepoint(), tenant_scope(tenant.id):
            billing.handle_provider_event(Actor.for_user(current_user), tenant, "manual", payload)
    except DomainError as exc:
        details = " ".join(str(m) for v in (exc.details or {}).values() for m in v)
        flash(details or str(exc.message), "error")
    else:
        done = _("The payment is recorded: %(name)s is on its plan until the period's end.", name=tenant.name)
        flash(done, "success")
    return redirect(url_for("admin.tenant_detail", tenant_id=tenant.id) + "#billing")


@bp.route("/tenants/<int:tenant_id>/billing/<action>", methods=["POST"])
def tenant_billing(tenant_id: int, action: str):
    tenant = _tenant_or_404(tenant_id)
    actor = Actor.for_user(current_user)
    data = {k: (request.form.get(k) or "").strip()[:200] for k in FIELDS}
    handlers = {
        "payment": lambda: billing.record_manual_payment(actor, tenant, data),
        "plan": lambda: billing.change_plan(actor, tenant, data["plan"]),
        "cancel": lambda: billing.cancel_subscription(actor, tenant),
    }
    if action not in handlers:
        raise NotFound()
    try:
        with savepoint(), tenant_scope(tenant.id):
            handlers[action]()
    except DomainError as exc:
        details = " ".join(str(m) for v in (exc.details or {}).values() for m in v)
        flash(details or str(exc.message), "error")
    else:
        done = {
            "payment": _("The payment is recorded: %(name)s is on its plan until the period's end.", name=tenant.name),
            "plan": _("%(name)s is on the new plan.", name=tenant.name),
            "cancel": _("The subscription of %(name)s is cancelled.", name=tenant.name),
        }
        flash(done[action], "success")
    return redirect(url_for("admin.tenant_detail", tenant_id=tenant.id) + "#billing")
