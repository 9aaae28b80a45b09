"""Billing: a business's subscription to a plan, its invoices, the limits a plan sets, the trial.

This package is the billing domain's public API (``from app.billing import services as
billing``); its modules hold the rules by flow:

* :mod:`.subscriptions` -- the plans, the subscription's status (changed only in
  :func:`.subscriptions.move`, along its ``TRANSITIONS``, audited), the trial;
* :mod:`.payments` -- invoices, checkout with a provider, and what a payment changes;
* :mod:`.limits` -- the locations, masters and monthly bookings a plan allows.

A business without a subscription row (registered, not approved yet) has no plan, so no
limits: approval starts its trial (:func:`start_trial`).
"""

from app.billing.services.limits import ensure_within_limit, monthly_headroom, usage
from app.billing.services.payments import (
    INVOICE_LABELS,
    apply_payment,
    handle_provider_event,
    record_manual_payment,
    start_checkout,
)
from app.billing.services.subscriptions import (
    NOTICE_BEFORE,
    STATUS_LABELS,
    TRIAL_EXPIRED,
    cancel_subscription,
    change_plan,
    end_period,
    end_trial,
    ensure_default_plans,
    ensure_subscription,
    extend_trial,
    get_plan,
    get_subscription,
    send_trial_notice,
    start_trial,
)

__all__ = [
    "INVOICE_LABELS",
    "NOTICE_BEFORE",
    "STATUS_LABELS",
    "TRIAL_EXPIRED",
    "apply_payment",
    "cancel_subscription",
    "change_plan",
    "end_period",
    "end_trial",
    "ensure_default_plans",
    "ensure_subscription",
    "ensure_within_limit",
    "extend_trial",
    "get_plan",
    "get_subscription",
    "handle_provider_event",
    "monthly_headroom",
    "record_manual_payment",
    "send_trial_notice",
    "start_checkout",
    "start_trial",
    "usage",
]
