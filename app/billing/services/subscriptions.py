"""Subscriptions: the plans, a business's subscription and its status, the trial.

A subscription moves between ``trial``, ``active``, ``past_due`` and ``cancelled`` only in
:func:`move` (checked against :data:`TRANSITIONS` and audited).  The tenant's own
``trial_ends_at``, ``subscription_ends_at`` and ``trial_notice_sent_at`` are kept in step
(:func:`mirror`) for the pages, the API and the e-mails that show them; the subscription is
the record.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

# Lazy (translated when rendered, in the reader's language) under the name the message
# extractor knows (Makefile: -k pgettext:1c,2).
from flask_babel import lazy_pgettext as pgettext

from app.audit.services import record, snapshot
from app.billing import queries
from app.billing.models import Plan, Subscription
from app.core.auth import Actor
from app.core.errors import Forbidden, InvalidTransition, ValidationError
from app.core.fields import clean_or_raise
from app.core.types import utcnow
from app.extensions import db
from app.notifications import events
from app.tenants import rules as tenant_rules
from app.tenants.models import Tenant

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "trial": ("trial", "active", "past_due", "cancelled"),
    "active": ("active", "past_due", "cancelled"),
    "past_due": ("trial", "active", "past_due", "cancelled"),
    "cancelled": ("trial", "active"),
}
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


def require(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise Forbidden()


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


def mirror(tenant: Tenant, sub: Subscription) -> None:
    tenant.trial_ends_at = sub.trial_ends_at
    tenant.subscription_ends_at = sub.current_period_end
    tenant.trial_notice_sent_at = sub.trial_notice_sent_at


def move(actor: Actor, tenant: Tenant, sub: Subscription, to: str, action: str | None = None, **changes: Any) -> None:
    """The one place a subscription changes status (and the fields that go with it)."""
    if to not in TRANSITIONS.get(sub.status, ()):
        raise InvalidTransition(_l("The subscription cannot change like that now."))
    before = snapshot(sub, AUDITED)
    sub.status = to
    for name, value in changes.items():
        setattr(sub, name, value)
    mirror(tenant, sub)
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
        move(actor, tenant, sub, "active", "subscription.trial", **changes)
        return sub
    changes["plan_code"] = get_plan(current_app.config["BILLING_TRIAL_PLAN"]).code
    move(actor, tenant, sub, "trial", **changes)
    return sub


def extend_trial(actor: Actor, tenant: Tenant, days: int) -> Tenant:
    """The admin gives more trial days: the notice and the end come again for the new date,
    and a site suspended because the trial ran out reopens."""
    days = clean_or_raise("days", tenant_rules.TRIAL_EXTENSION_DAYS, days)
    sub = ensure_subscription(tenant)
    before = snapshot(tenant, ("status", "trial_ends_at"))
    now = utcnow()
    base = max(sub.trial_ends_at or now, now)
    to = "active" if sub.status == "active" else "trial"
    move(actor, tenant, sub, to, "subscription.trial", trial_ends_at=base + timedelta(days=int(days)))
    sub.trial_notice_sent_at = None
    mirror(tenant, sub)
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
    require(actor, "super_admin")
    plan = get_plan(plan_code)
    sub = ensure_subscription(tenant)
    move(actor, tenant, sub, sub.status, "subscription.change_plan", plan_code=plan.code)
    return sub


def cancel_subscription(actor: Actor, tenant: Tenant) -> Subscription:
    require(actor, "super_admin")
    sub = ensure_subscription(tenant)
    move(actor, tenant, sub, "cancelled", cancelled_at=utcnow())
    return sub


# ------------------------------------------------------------------------- trial


def send_trial_notice(tenant: Tenant, now: datetime) -> None:
    """Tell the owner the trial ends in 3 days (once per trial end)."""
    sub = ensure_subscription(tenant)
    sub.trial_notice_sent_at = now
    mirror(tenant, sub)
    events.tenant_event("trial_ending", tenant)
    db.session.flush()


def end_trial(actor: Actor, tenant: Tenant, now: datetime, grace: timedelta) -> bool:
    """The trial is over and unpaid: past due, the owner is told (once per trial end, when
    the site closes), and after the grace period the site is suspended.  True if suspended."""
    from app.tenants import services as tenant_services  # a cycle: tenant services start the trial here

    sub = ensure_subscription(tenant)
    if sub.status == "trial":
        move(actor, tenant, sub, "past_due")
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
        move(actor, tenant, sub, "past_due")
