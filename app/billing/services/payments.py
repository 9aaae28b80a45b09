"""Payments: invoices, checkout with a provider, and what a paid or failed payment changes.

Payments reach the subscription through a provider (:mod:`app.billing.providers`) and
:func:`apply_payment`, whichever provider took them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

# Lazy (translated when rendered, in the reader's language) under the name the message
# extractor knows (Makefile: -k pgettext:1c,2).
from flask_babel import lazy_pgettext as pgettext

from app.audit.services import record, snapshot
from app.billing import queries, rules
from app.billing.models import Invoice, Plan, Subscription
from app.billing.providers import FAILED, PAID, PaymentEvent, get_provider
from app.billing.services.subscriptions import TRIAL_EXPIRED, ensure_subscription, get_plan, move, require
from app.core.auth import Actor
from app.core.errors import InvalidTransition, NotFound, ValidationError
from app.core.fields import clean as apply_rule
from app.core.fields import clean_or_raise
from app.core.types import utcnow
from app.extensions import db
from app.tenants.models import Tenant

#: One paid period ("a month").
PERIOD = timedelta(days=30)
INVOICE_LABELS = {
    "open": pgettext("invoice", "Waiting for payment"),
    "paid": pgettext("invoice", "Paid"),
    "failed": pgettext("invoice", "Failed"),
    "void": pgettext("invoice", "Void"),
}


def _open_invoice(actor: Actor, sub: Subscription, plan: Plan, provider: str, months: int = 1, amount=None) -> Invoice:
    now = utcnow()
    paid_until = sub.current_period_end if sub.status == "active" else None
    start = max(paid_until or now, now)
    invoice = Invoice(
        tenant_id=sub.tenant_id,
        subscription_id=sub.id,
        plan_code=plan.code,
        amount=plan.price * months if amount is None else amount,
        currency=plan.currency,
        status="open",
        provider=provider,
        period_start=start,
        period_end=start + PERIOD * months,
        created_by_user_id=actor.id if actor.kind == "user" else None,
    )
    db.session.add(invoice)
    db.session.flush()
    return invoice


def start_checkout(actor: Actor, tenant: Tenant, plan_code: str) -> tuple[Invoice, str | None]:
    """The owner asks to pay for a plan: an open invoice, and where the provider takes the
    payment (None: the platform confirms it when the money arrives)."""
    require(actor, "owner")
    plan = get_plan(plan_code)
    if not plan.active:
        raise ValidationError.field("plan", _l("Choose a plan."))
    sub = ensure_subscription(tenant)
    provider = get_provider(current_app.config["BILLING_PROVIDER"])
    invoice = _open_invoice(actor, sub, plan, provider.name)
    record(actor, "invoice.create", "invoice", invoice.id, tenant_id=tenant.id, after=_invoice_snapshot(invoice))
    return invoice, provider.start_checkout(invoice)


def _invoice_snapshot(invoice: Invoice) -> dict:
    return snapshot(invoice, ("plan_code", "amount", "currency", "status", "provider", "reference", "period_end"))


def handle_provider_event(actor: Actor, tenant: Tenant, provider_name: str, payload: dict) -> Invoice:
    """A provider tells what happened to one of this business's invoices.  Only the platform
    admin speaks for the manual provider (money received outside the platform)."""
    if provider_name == "manual":
        require(actor, "super_admin")
        clean_or_raise("reference", rules.REFERENCE, payload.get("reference"))
    event = get_provider(provider_name).handle(payload)
    invoice = queries.get_invoice(tenant.id, event.invoice_id)
    if invoice is None or invoice.provider != provider_name:
        raise NotFound()
    return apply_payment(actor, tenant, invoice, event)


def apply_payment(actor: Actor, tenant: Tenant, invoice: Invoice, event: PaymentEvent) -> Invoice:
    """Paid: the subscription is active on the invoice's plan until the period's end (and a
    site closed because the trial ran out reopens).  Failed: it is past due."""
    if invoice.status != "open":
        raise InvalidTransition(_l("This invoice is already settled."))
    sub = ensure_subscription(tenant)
    before = _invoice_snapshot(invoice)
    now = utcnow()
    invoice.reference = event.reference or invoice.reference
    if event.outcome == PAID:
        invoice.status, invoice.paid_at = "paid", now
        period_end = max(invoice.period_end, sub.current_period_end or invoice.period_end)
        move(
            actor, tenant, sub, "active", plan_code=invoice.plan_code, current_period_end=period_end, cancelled_at=None
        )
        if tenant.status == "suspended" and tenant.status_reason == TRIAL_EXPIRED:
            from app.tenants import services as tenant_services  # a cycle: tenant services start the trial here

            tenant_services.reactivate_tenant(actor, tenant)
    elif event.outcome == FAILED:
        invoice.status = "failed"
        move(actor, tenant, sub, "past_due")
    else:  # pragma: no cover -- providers only say paid or failed
        raise ValueError(event.outcome)
    db.session.flush()
    record(
        actor,
        f"invoice.{invoice.status}",
        "invoice",
        invoice.id,
        tenant_id=tenant.id,
        before=before,
        after=_invoice_snapshot(invoice),
    )
    return invoice


def record_manual_payment(actor: Actor, tenant: Tenant, data: dict[str, Any]) -> Invoice:
    """The platform admin records a payment received outside the platform (bank transfer,
    cash): plan, amount, reference and how many months it pays for."""
    require(actor, "super_admin")
    errors: dict[str, list] = {}
    amount = apply_rule(errors, "amount", rules.AMOUNT, data.get("amount"))
    reference = apply_rule(errors, "reference", rules.REFERENCE, data.get("reference"))
    months = apply_rule(errors, "months", rules.MONTHS, data.get("months") or 1)
    try:
        plan = get_plan(data.get("plan"))
    except ValidationError as exc:
        errors.update(exc.details)
        plan = None
    if errors:
        raise ValidationError(errors)
    sub = ensure_subscription(tenant)
    provider = get_provider("manual")
    invoice = _open_invoice(actor, sub, plan, provider.name, months=int(months), amount=amount)
    db.session.flush()
    return apply_payment(actor, tenant, invoice, provider.handle({"invoice_id": invoice.id, "reference": reference}))
