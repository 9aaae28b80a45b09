"""Trial expiry: notice 3 days before, the end, suspension after the grace period, and the
admin's extension reopening the site.  The trial is the business's subscription
(app.billing), made here from the tenant's columns as the billing migration did."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.audit.models import AuditLog
from app.billing import services as billing
from app.core import clock
from app.core.auth import Actor
from app.core.tenancy import tenant_scope
from app.extensions import db
from app.notifications.models import Notification
from app.tenants import services as tenant_services
from app.tenants.jobs import sweep_trials
from app.tenants.models import Tenant

ENDS = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)


def subscribe(tenant: Tenant) -> None:
    with tenant_scope(tenant.id):
        billing.ensure_subscription(tenant)


def run_at(at: datetime) -> dict:
    clock.freeze(at)
    counts = sweep_trials()
    db.session.commit()
    return counts


def mails() -> list[tuple[str, str, str]]:
    return [
        (n.recipient, n.template, n.language)
        for n in db.session.scalars(select(Notification).order_by(Notification.id))
    ]


def test_trial_flow_notifies_then_suspends_after_the_grace_period(app, create_tenant, create_user):
    tenant = create_tenant("trial", name="Trial Salon", trial_ends_at=ENDS)
    create_user(tenant, email="owner@trial.kz", language="kk")
    subscribe(tenant)
    db.session.commit()
    tid = tenant.id

    assert run_at(ENDS - timedelta(days=3, minutes=1))["notified"] == 0
    assert run_at(ENDS - timedelta(days=3))["notified"] == 1
    assert run_at(ENDS - timedelta(days=2))["notified"] == 0  # once
    assert mails() == [("owner@trial.kz", "trial_ending", "kk")]

    assert run_at(ENDS + timedelta(minutes=1)) == {"notified": 0, "ended": 1, "suspended": 0, "overdue": 0}
    run_at(ENDS + timedelta(days=1))
    assert mails()[1:] == [("owner@trial.kz", "trial_ended", "kk")]  # the end is told once
    assert db.session.get(Tenant, tid).status == "active"  # still in the grace period

    grace = app.config["TRIAL_GRACE_DAYS"]
    assert run_at(ENDS + timedelta(days=grace))["suspended"] == 1
    t = db.session.get(Tenant, tid)
    assert (t.status, t.status_reason) == ("suspended", "trial_expired")
    assert db.session.scalar(
        select(AuditLog.action).where(AuditLog.tenant_id == tid, AuditLog.action == "tenant.suspended")
    )
    ended = db.session.scalars(select(Notification).where(Notification.template == "trial_ended")).one()
    assert ended.payload["suspend_at"] == (ENDS + timedelta(days=grace)).isoformat()

    # The admin extends the trial: the site reopens and the cycle starts again for the new end.
    with tenant_scope(tid):
        tenant_services.extend_trial(Actor.system(), t, 10)
    db.session.commit()
    t = db.session.get(Tenant, tid)
    assert t.status == "active"
    run_at(t.trial_ends_at - timedelta(days=2))
    assert [m[1] for m in mails()] == ["trial_ending", "trial_ended", "trial_ending"]


def test_paying_and_pending_tenants_are_left_alone(create_tenant):
    subscribe(create_tenant("paid", trial_ends_at=ENDS, subscription_ends_at=ENDS + timedelta(days=365)))
    subscribe(create_tenant("waiting", status="pending", trial_ends_at=ENDS))
    db.session.commit()
    assert run_at(ENDS + timedelta(days=30)) == {"notified": 0, "ended": 0, "suspended": 0, "overdue": 0}
    assert {t.status for t in db.session.scalars(select(Tenant))} == {"active", "pending"}
    assert mails() == []
