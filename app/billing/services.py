"""Billing: a business's subscription to a plan, its invoices, the limits a plan sets, the trial.

A subscription moves between ``trial``, ``active``, ``past_due`` and ``cancelled`` only in
:func:`_move` (checked against :data:`TRANSITIONS` and audited).  Payments reach it through
a provider (:mod:`app.billing.providers`) and :func:`apply_payment`, whichever provider took
them.  The tenant's own ``trial_ends_at``, ``subscription_ends_at`` and
``trial_notice_sent_at`` are kept in step (:func:`_mirror`) for the pages, the API and the
e-mails that show them; the subscription is the record.

A business without a subscription row (registered, not approved yet) has no plan, so no
limits: approval starts its trial (:func:`start_trial`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l

# Lazy (translated when rendered, in the reader's language) under the names the message
# extractor knows (Makefile: -k ngettext:1,2 -k pgettext:1c,2).
from flask_babel import lazy_ngettext as ngettext
from flask_babel import lazy_pgettext as pgettext

from app.audit.services import Actor, record, snapshot
from app.billing import queries, rules
from app.billing.models import LIMITS, Invoice, Plan, Subscription
from app.billing.providers import FAILED, PAID, PaymentEvent, get_provider
from app.core.errors import Forbidden, InvalidTransition, NotFound, ValidationError
from app.core.fields import clean as apply_rule
from app.core.fields import clean_or_raise
from app.core.types import utcnow
from app.extensions import db
from app.tenants.models import Tenant

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "trial": ("trial", "active", "past_due", "cancelled"),
    "active": ("active", "past_due", "cancelled"),
    "past_due": ("trial", "active", "past_due", "cancelled"),
    "cancelled": ("trial", "active"),
}
#: One paid period ("a month").
PERIOD = timedelta(days=30)
NOTICE_BEFORE = timedelta(days=3)
TRIAL_EXPIRED = "trial_expired"
AUDITED = ("plan_code", "status", "trial_ends_at", "current_period_end")
# The plans a fresh platform starts with (the billing migration seeds the same three):
# code, name, price a month, locations, masters, bookings a month (None: unlimited).
DEFAULT_PLANS = (
    ("start", "Start", "9900.00", 1, 3, 300),
    ("pro", "Pro", "19900.00", 3, 10, 1500),
    ("business", "Business", "39900.00", None, None, None),
)
STATUS_LABELS = {
    "trial": pgettext("subscription", "Trial"),
    "active": pgettext("subscription", "Active"),
    "past_due": pgettext("subscription", "Payment overdue"),
    "cancelled": pgettext("subscription", "Cancelled"),
}
INVOICE_LABELS = {
    "open": pgettext("invoice", "Waiting for payment"),
    "paid": pgettext("invoice", "Paid"),
    "failed": pgettext("invoice", "Failed"),
    "void": pgettext("invoice", "Void"),
}


# ------------------------------------------------------------------------- plans


def ensure_default_plans() -> list[Plan]:
    """Create the default plans that are missing (a fresh database or a test)."""
    have = {p.code for p in queries.list_plans(active_only=False)}
    for position, (code, name, price, locations, masters, bookings) in enumerate(DEFAULT_PLANS):
        if code not in have:
            db.session.add(
                Plan(
                    code=code,
                    name=name,
                    price=Decimal(price),
                    currency="KZT",
                    max_locations=locations,
                    max_masters=masters,
                    max_monthly_bookings=bookings,
                    position=position,
                )
            )
    db.session.flush()
    return queries.list_plans()


def get_plan(code: str | None) -> Plan:
    plan = queries.get_plan(code)
    if plan is None and code in {p[0] for p in DEFAULT_PLANS}:
        ensure_default_plans()
        plan = queries.get_plan(code)
    if plan is None:
        raise ValidationError.field("plan", _l("Choose a plan."))
    return plan


# ------------------------------------------------------------------ subscription


def _mirror(tenant: Tenant, sub: Subscription) -> None:
    tenant.trial_ends_at = sub.trial_ends_at
    tenant.subscription_ends_at = sub.current_period_end
    tenant.trial_notice_sent_at = sub.trial_notice_sent_at


def _move(actor: Actor, tenant: Tenant, sub: Subscription, to: str, action: str | None = None, **changes: Any) -> None:
    """The one place a subscription changes status (and the fields that go with it)."""
    if to not in TRANSITIONS.get(sub.status, ()):
        raise InvalidTransition(_l("The subscription cannot change like that now."))
    before = snapshot(sub, AUDITED)
    sub.status = to
    for name, value in changes.items():
        setattr(sub, name, value)
    _mirror(tenant, sub)
    db.session.flush()
    record(
        actor,
        action or f"subscription.{to}",
        "subscription",
        sub.id,
        tenant_id=tenant.id,
        before=before,
        after=snapshot(sub, AUDITED),
    )


def get_subscription(tenant: Tenant) -> Subscription | None:
    return queries.get_subscription(tenant.id)


def ensure_subscription(tenant: Tenant) -> Subscription:
    """The business's subscription; created from the tenant's own columns if it has none
    (the mapping the billing migration applied to every business that existed then)."""
    sub = queries.get_subscription(tenant.id)
    if sub is not None:
        return sub
    now = utcnow()
    paid_until = tenant.subscription_ends_at
    if paid_until is not None:
        plan, status = "business", ("active" if paid_until > now else "past_due")
    else:
        plan, status = current_app.config["BILLING_TRIAL_PLAN"], "trial"
    get_plan(plan)
    sub = Subscription(
        tenant_id=tenant.id,
        plan_code=plan,
        status=status,
        provider=current_app.config["BILLING_PROVIDER"],
        trial_ends_at=tenant.trial_ends_at,
        trial_notice_sent_at=tenant.trial_notice_sent_at,
        current_period_end=paid_until,
    )
    db.session.add(sub)
    db.session.flush()
    return sub


def start_trial(actor: Actor, tenant: Tenant) -> Subscription:
    """Approval starts the trial: the trial plan for TRIAL_DAYS from now."""
    sub = ensure_subscription(tenant)
    changes: dict[str, Any] = {
        "trial_ends_at": utcnow() + timedelta(days=current_app.config["TRIAL_DAYS"]),
        "trial_notice_sent_at": None,
    }
    if sub.status == "active":  # a business that pays keeps paying; only the dates move
        _move(actor, tenant, sub, "active", "subscription.trial", **changes)
        return sub
    changes["plan_code"] = get_plan(current_app.config["BILLING_TRIAL_PLAN"]).code
    _move(actor, tenant, sub, "trial", **changes)
    return sub


def extend_trial(actor: Actor, tenant: Tenant, days: int) -> Tenant:
    """The admin gives more trial days: the notice and the end come again for the new date,
    and a site suspended because the trial ran out reopens."""
    from app.tenants import rules as tenant_rules

    days = clean_or_raise("days", tenant_rules.TRIAL_EXTENSION_DAYS, days)
    sub = ensure_subscription(tenant)
    before = snapshot(tenant, ("status", "trial_ends_at"))
    now = utcnow()
    base = max(sub.trial_ends_at or now, now)
    to = "active" if sub.status == "active" else "trial"
    _move(actor, tenant, sub, to, "subscription.trial", trial_ends_at=base + timedelta(days=int(days)))
    sub.trial_notice_sent_at = None
    _mirror(tenant, sub)
    if tenant.status == "suspended" and tenant.status_reason == TRIAL_EXPIRED:
        tenant.status, tenant.status_reason = "active", None
    record(
        actor,
        "tenant.extend_trial",
        "tenant",
        tenant.id,
        tenant_id=tenant.id,
        before=before,
        after=snapshot(tenant, ("status", "trial_ends_at")),
    )
    return tenant


def change_plan(actor: Actor, tenant: Tenant, plan_code: str) -> Subscription:
    """The platform admin moves a business to another plan (no payment involved)."""
    _require(actor, "super_admin")
    plan = get_plan(plan_code)
    sub = ensure_subscription(tenant)
    _move(actor, tenant, sub, sub.status, "subscription.change_plan", plan_code=plan.code)
    return sub


def cancel_subscription(actor: Actor, tenant: Tenant) -> Subscription:
    _require(actor, "super_admin")
    sub = ensure_subscription(tenant)
    _move(actor, tenant, sub, "cancelled", cancelled_at=utcnow())
    return sub


# ---------------------------------------------------------------------- payments


def _require(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise Forbidden()


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
    _require(actor, "owner")
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
        _require(actor, "super_admin")
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
        _move(
            actor, tenant, sub, "active", plan_code=invoice.plan_code, current_period_end=period_end, cancelled_at=None
        )
        if tenant.status == "suspended" and tenant.status_reason == TRIAL_EXPIRED:
            from app.tenants import services as tenant_services

            tenant_services.reactivate_tenant(actor, tenant)
    elif event.outcome == FAILED:
        invoice.status = "failed"
        _move(actor, tenant, sub, "past_due")
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
    _require(actor, "super_admin")
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


# ------------------------------------------------------------------------ limits


def _month_start(tenant: Tenant) -> datetime:
    local = utcnow().astimezone(ZoneInfo(tenant.timezone or "UTC"))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _limit_message(kind: str, plan_name: str, limit: int, actor: Actor | None):
    if kind == "masters":
        return ngettext(
            "Your plan (%(plan)s) allows %(num)d active master. Upgrade the plan to add more.",
            "Your plan (%(plan)s) allows %(num)d active masters. Upgrade the plan to add more.",
            limit,
            plan=plan_name,
        )
    if kind == "locations":
        return ngettext(
            "Your plan (%(plan)s) allows %(num)d active location. Upgrade the plan to add more.",
            "Your plan (%(plan)s) allows %(num)d active locations. Upgrade the plan to add more.",
            limit,
            plan=plan_name,
        )
    if actor is not None and actor.role == "client":
        return _l("This business cannot take more online bookings this month. Please contact it directly.")
    return ngettext(
        "Your plan (%(plan)s) allows %(num)d booking a month. Upgrade the plan to take more.",
        "Your plan (%(plan)s) allows %(num)d bookings a month. Upgrade the plan to take more.",
        limit,
        plan=plan_name,
    )


def ensure_within_limit(
    tenant: Tenant, kind: str, *, actor: Actor | None = None, exclude_id: int | None = None
) -> None:
    """Refuse (403 ``forbidden``) one more active location or master, or one more booking this
    calendar month (in the business's time zone), than the business's plan allows.

    ``exclude_id`` is the row being re-activated (it is not counted twice).  The booking
    check is one statement, counting only when the plan has a monthly limit."""
    if kind == "monthly_bookings":
        row = queries.monthly_booking_headroom(tenant.id, _month_start(tenant))
        if row is None:
            return
        name, limit, used = row
    else:
        from app.catalog.models import Master
        from app.tenants.models import Location

        sub = queries.get_subscription(tenant.id)
        plan = queries.get_plan(sub.plan_code) if sub is not None else None
        if plan is None:
            return
        name, limit = plan.name, plan.limit(kind)
        if limit is None:
            return
        model = {"masters": Master, "locations": Location}[kind]
        used = queries.count_active(model, tenant.id, exclude_id)
    if limit is not None and used >= limit:
        raise Forbidden(_limit_message(kind, name, limit, actor))


def usage(tenant: Tenant) -> list[dict]:
    """What the business uses of each limit of its plan (the billing page)."""
    from app.catalog.models import Master
    from app.tenants.models import Location

    sub = queries.get_subscription(tenant.id)
    plan = queries.get_plan(sub.plan_code) if sub is not None else None
    used = {
        "locations": queries.count_active(Location, tenant.id),
        "masters": queries.count_active(Master, tenant.id),
        "monthly_bookings": queries.count_bookings_since(tenant.id, _month_start(tenant)),
    }
    return [{"kind": kind, "used": used[kind], "limit": plan.limit(kind) if plan else None} for kind in LIMITS]


# ------------------------------------------------------------------------- trial


def send_trial_notice(tenant: Tenant, now: datetime) -> None:
    """Tell the owner the trial ends in 3 days (once per trial end)."""
    from app.notifications import events

    sub = ensure_subscription(tenant)
    sub.trial_notice_sent_at = now
    _mirror(tenant, sub)
    events.tenant_event("trial_ending", tenant)
    db.session.flush()


def end_trial(actor: Actor, tenant: Tenant, now: datetime, grace: timedelta) -> bool:
    """The trial is over and unpaid: past due, the owner is told (once per trial end, when
    the site closes), and after the grace period the site is suspended.  True if suspended."""
    from app.notifications import events
    from app.tenants import services as tenant_services

    sub = ensure_subscription(tenant)
    if sub.status == "trial":
        _move(actor, tenant, sub, "past_due")
    events.tenant_event("trial_ended", tenant, suspend_at=(sub.trial_ends_at + grace).isoformat())
    suspend = sub.trial_ends_at + grace <= now
    if suspend:
        tenant_services.suspend_tenant(actor, tenant, TRIAL_EXPIRED)
    db.session.flush()
    return suspend


def end_period(actor: Actor, tenant: Tenant, now: datetime) -> None:
    """A paid period ran out without the next payment: past due."""
    sub = ensure_subscription(tenant)
    if sub.status == "active" and sub.current_period_end is not None and sub.current_period_end <= now:
        _move(actor, tenant, sub, "past_due")
