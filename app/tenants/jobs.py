"""Periodic trial handling: the notice 3 days before the trial ends, the end, the suspension.

Tenants are platform-level rows, so the sweep reads them directly; each change is audited
with the system actor and the owner is emailed in the owner's language.  The admin's
``extend_trial`` clears ``trial_notice_sent_at`` and reopens a site suspended for
``trial_expired``, so an extended trial goes through the same steps again.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select

from app.audit.services import Actor
from app.core.types import utcnow
from app.extensions import db
from app.notifications import events
from app.tenants import services
from app.tenants.models import Tenant

NOTICE_BEFORE = timedelta(days=3)
TRIAL_EXPIRED = "trial_expired"


def _unpaid(now):
    return or_(Tenant.subscription_ends_at.is_(None), Tenant.subscription_ends_at <= now)


def sweep_trials() -> dict:
    now = utcnow()
    grace = timedelta(days=int(current_app.config.get("TRIAL_GRACE_DAYS", 3)))
    actor = Actor.system("trial expiry")
    counts = {"notified": 0, "ended": 0, "suspended": 0}
    active = (Tenant.status == "active", Tenant.trial_ends_at.is_not(None), _unpaid(now))

    for tenant in db.session.scalars(
        select(Tenant).where(
            *active,
            Tenant.trial_ends_at > now,
            Tenant.trial_ends_at <= now + NOTICE_BEFORE,
            Tenant.trial_notice_sent_at.is_(None),
        )
    ):
        events.tenant_event("trial_ending", tenant)
        tenant.trial_notice_sent_at = now
        counts["notified"] += 1

    for tenant in db.session.scalars(select(Tenant).where(*active, Tenant.trial_ends_at <= now)):
        # Once per trial end (the outbox key holds trial_ends_at); tells the grace period's end.
        events.tenant_event("trial_ended", tenant, suspend_at=(tenant.trial_ends_at + grace).isoformat())
        counts["ended"] += 1
        if tenant.trial_ends_at + grace <= now:
            services.suspend_tenant(actor, tenant, TRIAL_EXPIRED)
            counts["suspended"] += 1
    db.session.flush()
    return counts
