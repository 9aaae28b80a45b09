"""The trial in the billing model: approval starts it, the sweep tells, ends and suspends
it, a payment ends it for good (and reopens a site it closed), the admin extends it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.billing import services as billing
from app.billing.models import Subscription
from app.core import clock
from app.core.auth import Actor
from app.core.tenancy import tenant_scope, unscoped
from app.extensions import db
from app.notifications.models import Notification
from app.tenants.jobs import sweep_trials
from app.tenants.models import Tenant
from tests.billing.conftest import NOW, TRIAL_ENDS


def run_at(at: datetime) -> dict:
    clock.freeze(at)
    counts = sweep_trials()
    db.session.commit()
    return counts


def _sub(tenant_id: int) -> Subscription:
    db.session.expire_all()
    with unscoped("test"):
        return db.session.scalar(select(Subscription).where(Subscription.tenant_id == tenant_id))


def test_approval_starts_a_trial_subscription(admin, create_tenant, create_user, frozen_now):
    frozen_now(NOW)
    tenant = create_tenant("fresh", status="pending")
    create_user(tenant, role="owner", email="fresh@example.com")
    db.session.commit()
    resp = admin.post(f"/tenants/{tenant.id}/approve", data={"back": "detail"})
    assert resp.status_code == 302
    sub = _sub(tenant.id)
    assert (sub.status, sub.plan_code, sub.trial_ends_at) == ("trial", "pro", NOW + timedelta(days=14))
    assert db.session.get(Tenant, tenant.id).trial_ends_at == sub.trial_ends_at  # kept in step


def test_the_trial_ends_past_due_and_a_payment_reopens_the_suspended_site(biz, app):
    tid = biz.tenant.id
    assert run_at(TRIAL_ENDS - timedelta(days=3))["notified"] == 1
    assert _sub(tid).trial_notice_sent_at == TRIAL_ENDS - timedelta(days=3)

    assert run_at(TRIAL_ENDS + timedelta(minutes=1))["ended"] == 1
    assert _sub(tid).status == "past_due"
    grace = app.config["TRIAL_GRACE_DAYS"]
    assert run_at(TRIAL_ENDS + timedelta(days=grace))["suspended"] == 1
    tenant = db.session.get(Tenant, tid)
    assert (tenant.status, tenant.status_reason) == ("suspended", "trial_expired")
    templates = [n.template for n in db.session.scalars(select(Notification).order_by(Notification.id))]
    assert templates == ["trial_ending", "trial_ended"]

    # The owner pays (here: the sandbox): active on the plan, the site open again.
    with tenant_scope(tid):
        invoice, _url = billing.start_checkout(Actor.for_user(biz.owner), tenant, "start")
        payload = {"invoice_id": invoice.id, "outcome": "pay"}
        billing.handle_provider_event(Actor.for_user(biz.owner), tenant, "sandbox", payload)
    db.session.commit()
    assert _sub(tid).status == "active"
    assert db.session.get(Tenant, tid).status == "active"
    assert run_at(TRIAL_ENDS + timedelta(days=grace + 1)) == {"notified": 0, "ended": 0, "suspended": 0, "overdue": 0}


def test_the_end_of_a_paid_period_makes_it_past_due(biz, create_user):
    admin = Actor.for_user(create_user(None, role="super_admin", email="root@example.com"))
    billing.record_manual_payment(admin, biz.tenant, {"plan": "pro", "amount": "19900", "reference": "r1"})
    db.session.commit()
    tid = biz.tenant.id
    assert run_at(NOW + timedelta(days=29))["overdue"] == 0
    assert run_at(NOW + timedelta(days=30))["overdue"] == 1
    sub = _sub(tid)
    assert sub.status == "past_due"
    assert db.session.get(Tenant, tid).status == "active"  # the site stays open; the admin decides


def test_extending_an_ended_trial_makes_it_a_trial_again(biz):
    tid = biz.tenant.id
    run_at(TRIAL_ENDS + timedelta(hours=1))
    assert _sub(tid).status == "past_due"
    with tenant_scope(tid):
        billing.extend_trial(Actor.system(), db.session.get(Tenant, tid), 7)
    db.session.commit()
    sub = _sub(tid)
    assert (sub.status, sub.trial_ends_at, sub.trial_notice_sent_at) == (
        "trial",
        TRIAL_ENDS + timedelta(hours=1, days=7),
        None,
    )


def test_existing_businesses_map_onto_subscriptions(create_tenant, frozen_now):
    """The mapping the billing migration applied (billing.ensure_subscription does the same)."""
    frozen_now(NOW)
    future, past = NOW + timedelta(days=100), NOW - timedelta(days=1)
    cases = {
        "paying": ({"subscription_ends_at": future, "trial_ends_at": past}, ("active", "business", future)),
        "lapsed": ({"subscription_ends_at": past}, ("past_due", "business", past)),
        "trying": ({"trial_ends_at": future}, ("trial", "pro", None)),
        "waiting": ({"status": "pending"}, ("trial", "pro", None)),
    }
    for sub_name, (fields, expected) in cases.items():
        tenant = create_tenant(sub_name, **fields)
        with tenant_scope(tenant.id):
            sub = billing.ensure_subscription(tenant)
            assert (sub.status, sub.plan_code, sub.current_period_end) == expected, sub_name
            assert sub.trial_ends_at == tenant.trial_ends_at
            assert billing.ensure_subscription(tenant) is sub  # once


def test_the_migration_seeded_the_default_plans():
    """The session's database ran the migrations; the first test to look finds the seed
    unless an earlier test emptied the tables (then the service's own defaults)."""
    with unscoped("test"):
        plans = billing.ensure_default_plans()
    assert [(p.code, p.max_masters) for p in plans] == [("start", 3), ("pro", 10), ("business", None)]
    assert all(p.currency == "KZT" for p in plans)


def test_trial_dates_stay_in_step_for_readers_of_the_tenant(biz):
    with tenant_scope(biz.tenant.id):
        sub = billing.get_subscription(biz.tenant)
        assert biz.tenant.trial_ends_at == sub.trial_ends_at == TRIAL_ENDS
