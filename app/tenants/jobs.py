"""Periodic trial handling: the notice 3 days before the trial ends, the end, the suspension.

Tenants are platform-level rows, so the sweep finds them directly; each tenant is then
handled in its own scope and unit of work (a failure rolls back that tenant only).  Each
change is audited with the system actor and the owner is emailed in the owner's language.  The admin's
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
    """Notify, end and suspend trials; each tenant in its own scope and unit of work."""
    from app.core.periodic import each_tenant

    now = utcnow()
    grace = timedelta(days=int(current_app.config.get("TRIAL_GRACE_DAYS", 3)))
    actor = Actor.system("trial expiry")
    active = (Tenant.status == "active", Tenant.trial_ends_at.is_not(None), _unpaid(now))

    ending = db.session.scalars(
        select(Tenant.id).where(
            *active,
            Tenant.trial_ends_at > now,
            Tenant.trial_ends_at <= now + NOTICE_BEFORE,
            Tenant.trial_notice_sent_at.is_(None),
        )
    ).all()
    ended = db.session.scalars(select(Tenant.id).where(*active, Tenant.trial_ends_at <= now)).all()

    def notify(tenant_id: int) -> None:
        tenant = db.session.get(Tenant, tenant_id)
        events.tenant_event("trial_ending", tenant)
        tenant.trial_notice_sent_at = now
        db.session.flush()

    def end(tenant_id: int) -> bool:
        tenant = db.session.get(Tenant, tenant_id)
        # Once per trial end (the outbox key holds trial_ends_at); tells the grace period's end.
        events.tenant_event("trial_ended", tenant, suspend_at=(tenant.trial_ends_at + grace).isoformat())
        suspend = tenant.trial_ends_at + grace <= now
        if suspend:
            services.suspend_tenant(actor, tenant, TRIAL_EXPIRED)
        db.session.flush()
        return suspend

    notified = each_tenant(ending, notify, "trial notice")
    finished = each_tenant(ended, end, "trial end")
    return {"notified": len(notified), "ended": len(finished), "suspended": sum(finished.values())}
