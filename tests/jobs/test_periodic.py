"""Daily roll-up, cleanup, health check, and the periodic loop's once-per-period enqueue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from app.analytics.jobs import health_check
from app.analytics.models import DailyStat, SystemCheck
from app.analytics.services import roll_up, roll_up_day
from app.core import clock, periodic, tenancy
from app.core.jobs import get_queue
from app.extensions import db


def test_daily_rollup_per_tenant_location_and_master(
    create_tenant, create_service, create_master, create_booking, create_client
):
    tenant = create_tenant("stats", name="Stats")
    svc = create_service(tenant, price="5000")
    m1 = create_master(tenant, services=[svc], name="A")
    m2 = create_master(tenant, services=[svc], name="B")
    day = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 09:00 Almaty, 1 December
    for i, (master, status) in enumerate(
        [(m1, "completed"), (m1, "completed"), (m1, "no_show"), (m2, "cancelled"), (m2, "confirmed")]
    ):
        create_booking(tenant, master, svc, day + timedelta(hours=i), status=status)
    create_booking(tenant, m1, svc, day + timedelta(days=1), status="completed")  # another day
    late = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)  # 1 December 01:00 in Almaty, 30 November in UTC
    create_booking(tenant, m2, svc, late, status="completed")
    tid, m1id, m2id, loc = tenant.id, m1.id, m2.id, m1.location_id
    db.session.commit()

    roll_up_day(tid, date(2026, 12, 1))
    roll_up_day(tid, date(2026, 12, 1))  # re-running replaces, never doubles
    db.session.commit()
    with tenancy.tenant_scope(tid):
        stats = {
            (s.location_id, s.master_id): s
            for s in db.session.scalars(select(DailyStat).where(DailyStat.date == date(2026, 12, 1)))
        }
    assert set(stats) == {(0, 0), (loc, 0), (loc, m1id), (loc, m2id)}
    total = stats[(0, 0)]
    assert (total.bookings, total.completed, total.no_shows, total.cancellations) == (6, 3, 1, 1)
    assert total.revenue == Decimal("15000") and total.currency == "KZT"
    a = stats[(loc, m1id)]
    assert (a.bookings, a.completed, a.no_shows, a.revenue) == (3, 2, 1, Decimal("10000"))
    b = stats[(loc, m2id)]
    assert (b.bookings, b.completed, b.cancellations, b.revenue) == (3, 1, 1, Decimal("5000"))
    assert stats[(loc, 0)].bookings == 6


def test_rollup_job_covers_recent_days(create_tenant, create_service, create_master, create_booking):
    tenant = create_tenant("stats2")
    svc = create_service(tenant)
    m = create_master(tenant, services=[svc])
    clock.freeze(datetime(2026, 12, 2, 3, 0, tzinfo=UTC))
    create_booking(tenant, m, svc, datetime(2026, 12, 1, 6, 0, tzinfo=UTC), status="completed")
    db.session.commit()
    roll_up()
    db.session.commit()
    with tenancy.tenant_scope(tenant.id):
        total = db.session.scalar(select(DailyStat).where(DailyStat.master_id == 0, DailyStat.location_id == 0))
    assert total.date == date(2026, 12, 1) and total.completed == 1


def test_cleanup_deletes_only_expired_rows(create_tenant, create_client, create_user):
    from app.accounts.models import ClientSession, ClientVerification, RefreshToken
    from app.bookings.models import IdempotencyKey

    now = datetime(2026, 12, 1, tzinfo=UTC)
    clock.freeze(now)
    tenant = create_tenant("clean")
    client = create_client(tenant)
    user = create_user(tenant)
    with tenancy.tenant_scope(tenant.id):
        for i, exp in enumerate((now - timedelta(hours=1), now + timedelta(days=1))):
            db.session.add(ClientSession(client_id=client.id, token_hash=f"h{i}", expires_at=exp))
            db.session.add(
                IdempotencyKey(
                    actor="a", key=f"k{i}", request_hash="x", response_status=201, response_body={}, expires_at=exp
                )
            )
            db.session.add(ClientVerification(phone=client.phone, code_hmac="x", expires_at=exp - timedelta(days=1)))
            db.session.add(RefreshToken(user_id=user.id, family_id="f", token_hash=f"r{i}", expires_at=exp))
        db.session.flush()
    db.session.add(SystemCheck(status="ok", details={}, created_at=now - timedelta(days=31)))
    db.session.commit()
    with tenancy.unscoped():
        done = periodic.cleanup()
        db.session.commit()
        assert done == {
            "client_sessions": 1,
            "refresh_tokens": 1,
            "idempotency_keys": 1,
            "client_verifications": 1,
            "system_checks": 1,
        }
        for model in (ClientSession, IdempotencyKey, ClientVerification, RefreshToken):
            assert db.session.scalar(select(func.count()).select_from(model)) == 1


def test_health_check_records_database_redis_and_queues(app):
    get_queue("low").enqueue("builtins.print", "x")
    check = health_check()
    db.session.commit()
    stored = db.session.scalars(select(SystemCheck)).one()
    assert stored.id == check.id
    d = stored.details
    assert d["database_ms"] >= 0 and d["redis_ms"] >= 0
    assert d["queues"] == {"notifications": 0, "default": 0, "low": 1}
    assert d["lag_seconds"]["low"] is not None and d["workers"] == 0
    assert stored.status == "degraded"  # no worker is running


def test_periodic_tick_enqueues_each_period_once_across_workers(app):
    a, b = {}, {}
    t0 = 1_800_000_000.0  # a whole hour: t0 + 60 s is still in the same hour and day
    first = periodic.tick(app, a, now=t0)
    assert len(first) == len(periodic.TASKS)
    assert periodic.tick(app, b, now=t0 + 1) == []  # another worker, same periods: nothing
    assert periodic.tick(app, a, now=t0 + 2) == []
    again = periodic.tick(app, b, now=t0 + 60)  # the next minute: only the per-minute tasks
    assert sorted(j.split("-")[1] for j in again) == ["health_check", "outbox_sweep", "reminder_sweep"]
    assert get_queue("default").count == 4 and get_queue("low").count == len(periodic.TASKS) - 2 + 1
