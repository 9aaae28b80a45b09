"""The owner's plan and billing, read-only: plan, status, dates, usage against the limits,
invoices and the plans on offer (the same data as the owner's *Plan and billing* page)."""

from __future__ import annotations

from typing import Literal

from app.api.v1 import serializers as ser
from app.api.v1.common import OWNER, tenant_of
from app.api.v1.models import Out
from app.api.v1.registry import api
from app.api.v1.types import OutInstant, Price
from app.billing import queries
from app.billing import services as billing
from app.billing.models import INVOICE_STATUSES, SUBSCRIPTION_STATUSES


class PlanOut(Out):
    code: str
    name: str
    price: Price
    currency: str
    max_locations: int | None = None
    max_masters: int | None = None
    max_monthly_bookings: int | None = None


class SubscriptionOut(Out):
    plan: PlanOut | None = None
    status: Literal[SUBSCRIPTION_STATUSES]  # type: ignore[valid-type]
    status_label: str
    trial_ends_at: OutInstant | None = None
    current_period_end: OutInstant | None = None


class UsageOut(Out):
    kind: Literal["locations", "masters", "monthly_bookings"]
    used: int
    limit: int | None = None


class InvoiceOut(Out):
    id: int
    plan_code: str
    amount: Price
    currency: str
    status: Literal[INVOICE_STATUSES]  # type: ignore[valid-type]
    period_start: OutInstant
    period_end: OutInstant
    created_at: OutInstant
    paid_at: OutInstant | None = None


class BillingOut(Out):
    subscription: SubscriptionOut | None = None
    usage: list[UsageOut]
    invoices: list[InvoiceOut]
    plans: list[PlanOut]


def _plan(p) -> dict | None:
    if p is None:
        return None
    return {
        "code": p.code,
        "name": p.name,
        "price": f"{p.price:.2f}",
        "currency": p.currency,
        "max_locations": p.max_locations,
        "max_masters": p.max_masters,
        "max_monthly_bookings": p.max_monthly_bookings,
    }


@api(
    "/billing",
    "GET",
    summary="The business's plan, subscription, usage and invoices",
    tag="Billing",
    auth=OWNER,
    response=BillingOut,
)
def get_billing(principal):
    tenant = tenant_of(principal)
    tz = tenant.timezone
    sub = billing.get_subscription(tenant)
    subscription = None
    if sub is not None:
        subscription = {
            "plan": _plan(queries.get_plan(sub.plan_code)),
            "status": sub.status,
            "status_label": str(billing.STATUS_LABELS.get(sub.status, sub.status)),
            "trial_ends_at": ser.instant(sub.trial_ends_at, tz),
            "current_period_end": ser.instant(sub.current_period_end, tz),
        }
    invoices = [
        {
            "id": i.id,
            "plan_code": i.plan_code,
            "amount": f"{i.amount:.2f}",
            "currency": i.currency,
            "status": i.status,
            "period_start": ser.instant(i.period_start, tz),
            "period_end": ser.instant(i.period_end, tz),
            "created_at": ser.instant(i.created_at, tz),
            "paid_at": ser.instant(i.paid_at, tz),
        }
        for i in queries.list_invoices(tenant.id)
    ]
    return {
        "subscription": subscription,
        "usage": billing.usage(tenant),
        "invoices": invoices,
        "plans": [_plan(p) for p in queries.list_plans()],
    }
