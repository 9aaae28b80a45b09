"""Owner: the plan and billing page -- plan, status, dates, limits with usage, invoices, and
paying for a plan (the sandbox's pretend checkout in development and tests)."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from app.billing import queries
from app.billing import services as billing
from app.core.db import savepoint
from app.core.errors import DomainError, NotFound
from app.web.owner.views import bp
from app.web.staff_home import current_actor


def _usage_label(kind: str, used: int, limit: int | None) -> str:
    if kind == "masters":
        if limit is None:
            return ngettext("%(num)d active master, no limit", "%(num)d active masters, no limit", used)
        return ngettext("%(used)d of %(num)d active master", "%(used)d of %(num)d active masters", limit, used=used)
    if kind == "locations":
        if limit is None:
            return ngettext("%(num)d active location, no limit", "%(num)d active locations, no limit", used)
        return ngettext("%(used)d of %(num)d active location", "%(used)d of %(num)d active locations", limit, used=used)
    if limit is None:
        return ngettext("%(num)d booking this month, no limit", "%(num)d bookings this month, no limit", used)
    return ngettext(
        "%(used)d of %(num)d booking this month", "%(used)d of %(num)d bookings this month", limit, used=used
    )


def _page(errors: list[str] | None = None, status: int = 200):
    tenant = g.tenant
    sub = billing.get_subscription(tenant)
    plans = queries.list_plans()
    return (
        render_template(
            "owner/billing.html",
            subscription=sub,
            plan=queries.get_plan(sub.plan_code) if sub else None,
            plans=plans,
            usage=[u | {"label": _usage_label(u["kind"], u["used"], u["limit"])} for u in billing.usage(tenant)],
            invoices=queries.list_invoices(tenant.id),
            status_labels=billing.STATUS_LABELS,
            invoice_labels=billing.INVOICE_LABELS,
            plan_names={p.code: p.name for p in plans},
            sandbox=current_app.config["BILLING_PROVIDER"] == "sandbox",
            errors=errors or [],
        ),
        status,
    )


@bp.route("/billing")
def billing_page():
    return _page()


@bp.route("/billing/checkout", methods=["POST"])
def billing_checkout():
    try:
        with savepoint():
            invoice, url = billing.start_checkout(current_actor(), g.tenant, request.form.get("plan", "")[:32])
    except DomainError as exc:
        messages = [str(m) for v in (exc.details or {}).values() for m in v] or [str(exc.message)]
        return _page(messages, 422)
    if url:
        return redirect(url)
    flash(_("Invoice %(num)d is ready. Your plan starts as soon as the payment arrives.", num=invoice.id), "success")
    return redirect(url_for("owner.billing_page"))


def _sandbox_invoice(invoice_id: int):
    if current_app.config["BILLING_PROVIDER"] != "sandbox":
        raise NotFound()
    invoice = queries.get_invoice(g.tenant.id, invoice_id)
    if invoice is None or invoice.provider != "sandbox":
        raise NotFound()
    return invoice


@bp.route("/billing/sandbox/<int:invoice_id>", methods=["GET", "POST"])
def billing_sandbox(invoice_id: int):
    """The sandbox's checkout page: pay or fail the invoice, deterministically."""
    invoice = _sandbox_invoice(invoice_id)
    if request.method == "POST":
        payload = {"invoice_id": invoice.id, "outcome": request.form.get("outcome", "")}
        try:
            with savepoint():
                invoice = billing.handle_provider_event(current_actor(), g.tenant, "sandbox", payload)
        except DomainError as exc:
            flash(str(exc.message), "error")
        else:
            if invoice.status == "paid":
                flash(_("Thank you! The payment went through and your plan is active."), "success")
            else:
                flash(_("The payment did not go through. Your subscription is overdue."), "error")
        return redirect(url_for("owner.billing_page"))
    plan = queries.get_plan(invoice.plan_code)
    return render_template("owner/billing_sandbox.html", invoice=invoice, plan=plan)
