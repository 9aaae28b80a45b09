"""Periodic billing work: the trial's notice, end and suspension, and paid periods running out.

The discovery queries read every business's subscription (the platform scope, logged);
each business is then handled in its own scope and unit of work (a failure rolls back that
business only), by the rules in :mod:`app.billing.services`, audited with the system actor.
The admin's ``extend_trial`` clears the notice and reopens a site suspended for
``trial_expired``, so an extended trial goes through the same steps again.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from app.billing import queries, services
from app.core.auth import Actor
from app.core.periodic import each_tenant
from app.core.types import utcnow
from app.extensions import db
from app.tenants.models import Tenant


def sweep_trials() -> dict:
    """Notify, end and suspend trials; mark ended paid periods past due."""
    now = utcnow()
    grace = timedelta(days=int(current_app.config.get("TRIAL_GRACE_DAYS", 3)))
    actor = Actor.system("trial expiry")
    ending = queries.trials_to_notify(now, services.NOTICE_BEFORE)
    ended = queries.trials_ended(now)
    overdue = queries.periods_ended(now)

    notified = each_tenant(
        ending, lambda tid: services.send_trial_notice(db.session.get(Tenant, tid), now), "trial notice"
    )
    finished = each_tenant(
        ended, lambda tid: services.end_trial(actor, db.session.get(Tenant, tid), now, grace), "trial end"
    )
    lapsed = each_tenant(
        overdue,
        lambda tid: services.end_period(Actor.system("billing"), db.session.get(Tenant, tid), now),
        "period end",
    )
    return {
        "notified": len(notified),
        "ended": len(finished),
        "suspended": sum(finished.values()),
        "overdue": len(lapsed),
    }
