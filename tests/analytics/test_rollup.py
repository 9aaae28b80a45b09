"""The daily roll-up's minutes (booked, worked), its per-service rows, and the report built on it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import func, select

from app.analytics.models import DailyServiceStat, DailyStat
from app.analytics.services import business_report, period_weeks, roll_up_day, roll_up_range, week_starts
from app.core import tenancy
from app.extensions import db
from app.scheduling.models import ScheduleOverride, TimeOff

DAY = date(2026, 12, 1)  # a Tuesday


def _at(hh: int, mm: int = 0, day: date = DAY) -> datetime:
    # Almaty is UTC+5 all year.
    return datetime(day.year, day.month, day.day, hh - 5, mm, tzinfo=UTC)


def _stats(tenant_id: int, day: date = DAY) -> dict:
    with tenancy.tenant_scope(tenant_id):
        return {
            (s.location_id, s.master_id): s for s in db.session.scalars(select(DailyStat).where(DailyStat.date == day))
        }


def test_booked_and_working_minutes(create_tenant, create_service, create_master, create_booking):
    tenant = create_tenant("mins")
    cut = create_service(tenant, name="Cut", duration=60, price="5000")
    color = create_service(tenant, name="Colour", duration=120, price="20000")
    busy = create_master(tenant, name="Busy", services=[cut, color])  # 9-13, 14-18 every day: 480 min
    with tenancy.tenant_scope(tenant.id):
        idle = create_master(tenant, name="Idle", services=[cut], location=busy.location)
    create_booking(tenant, busy, cut, _at(9), status="completed")
    create_booking(tenant, busy, color, _at(10), status="no_show")  # held the time: counted
    create_booking(tenant, busy, cut, _at(14), status="cancelled")  # freed the time: not counted
    create_booking(tenant, busy, cut, _at(15), status="confirmed")
    with tenancy.tenant_scope(tenant.id):
        db.session.add(TimeOff(master_id=idle.id, start_at=_at(16), end_at=_at(19)))  # 2 h of work lost
        db.session.flush()
    tid, loc, busy_id, idle_id, ids = tenant.id, busy.location_id, busy.id, idle.id, (cut.id, color.id)
    db.session.commit()

    roll_up_day(tid, DAY)
    db.session.commit()
    stats = _stats(tid)
    assert set(stats) == {(0, 0), (loc, 0), (loc, busy_id), (loc, idle_id)}
    b, i, total = stats[(loc, busy_id)], stats[(loc, idle_id)], stats[(0, 0)]
    assert (b.booked_minutes, b.working_minutes) == (60 + 120 + 60, 480)
    assert (i.bookings, i.booked_minutes, i.working_minutes) == (0, 0, 480 - 120)
    assert (total.booked_minutes, total.working_minutes) == (240, 480 + 360)
    assert stats[(loc, 0)].working_minutes == 840

    with tenancy.tenant_scope(tid):
        per_service = {
            (s.location_id, s.service_id): s
            for s in db.session.scalars(select(DailyServiceStat).where(DailyServiceStat.date == DAY))
        }
    cut_id, color_id = ids
    assert set(per_service) == {(loc, cut_id), (0, cut_id), (loc, color_id), (0, color_id)}
    c = per_service[(0, cut_id)]
    assert (c.bookings, c.completed, c.cancellations, c.revenue, c.booked_minutes) == (3, 1, 1, Decimal("5000"), 120)
    assert (per_service[(0, color_id)].no_shows, per_service[(0, color_id)].revenue) == (1, Decimal("0"))


def test_override_and_day_off_change_working_minutes(create_tenant, create_service, create_master):
    tenant = create_tenant("over")
    svc = create_service(tenant)
    weekdays_only = create_master(tenant, services=[svc], weekdays=range(5))  # no Saturday hours
    with tenancy.tenant_scope(tenant.id):
        db.session.add(ScheduleOverride(master_id=weekdays_only.id, date=DAY, intervals=[["12:00", "15:30"]]))
        db.session.flush()
    tid, mid, loc = tenant.id, weekdays_only.id, weekdays_only.location_id
    db.session.commit()
    saturday = date(2026, 12, 5)
    roll_up_range(tid, DAY, saturday)
    db.session.commit()
    assert _stats(tid)[(loc, mid)].working_minutes == 210
    assert _stats(tid, date(2026, 12, 2))[(loc, mid)].working_minutes == 480
    assert (loc, mid) not in _stats(tid, saturday)  # nothing booked, nobody scheduled: no row


def test_rerun_replaces_service_rows(create_tenant, create_service, create_master, create_booking):
    tenant = create_tenant("again")
    svc = create_service(tenant)
    m = create_master(tenant, services=[svc])
    booking = create_booking(tenant, m, svc, _at(9), status="completed")
    tid = tenant.id
    db.session.commit()
    roll_up_day(tid, DAY)
    with tenancy.tenant_scope(tid):
        booking.status = "cancelled"
        db.session.flush()
    roll_up_day(tid, DAY)
    db.session.commit()
    with tenancy.tenant_scope(tid):
        rows = list(db.session.scalars(select(DailyServiceStat).where(DailyServiceStat.location_id == 0)))
    assert len(rows) == 1
    assert (rows[0].bookings, rows[0].completed, rows[0].cancellations) == (1, 0, 1)


def test_report_sums_weeks_and_derives_rates(create_tenant, create_service, create_master, create_booking):
    tenant = create_tenant("report")
    svc = create_service(tenant, duration=60, price="5000")
    m = create_master(tenant, services=[svc], hours=((time(10), time(14)),))  # 240 min a day
    today = date(2026, 12, 9)  # Wednesday; the week starts on Monday 7 December
    for hh, status in ((10, "completed"), (11, "completed"), (12, "no_show"), (13, "cancelled")):
        create_booking(tenant, m, svc, _at(hh, day=date(2026, 12, 8)), status=status)
    create_booking(tenant, m, svc, _at(10, day=date(2026, 11, 30)), status="completed")  # the week before
    tid = tenant.id
    db.session.commit()
    roll_up_range(tid, date(2026, 11, 16), today)
    db.session.commit()
    with tenancy.tenant_scope(tid):
        report = business_report(tenant, 4, today)
    assert (
        report.weeks
        == week_starts(4, today)
        == [date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30), date(2026, 12, 7)]
    )
    this_week = report.weekly[-1]
    assert (this_week.bookings, this_week.completed, this_week.revenue) == (4, 2, Decimal("10000"))
    assert this_week.cancellation_rate == 0.25
    assert this_week.no_show_rate == 1 / 3  # of the three bookings that were kept
    assert report.weekly[-2].bookings == 1
    assert report.total.bookings == 5 and report.total.revenue == Decimal("15000")
    # 3 kept bookings of 60 min in this week; Mon, Tue and Wed of 240 min each plus 3 x 240 the week before, ...
    assert this_week.booked_minutes == 180 and this_week.working_minutes == 3 * 240
    assert this_week.utilization == 180 / 720
    assert [name for name, _t in report.by_master] == ["Aigerim"]
    assert [name for name, _t in report.by_service] == ["Haircut"]
    assert report.by_service[0][1].bookings == 5


def test_period_is_one_of_the_offered():
    assert period_weeks("8") == 8
    assert period_weeks("12") == 12
    assert period_weeks("5") == 4
    assert period_weeks("x; drop table") == 4
    assert period_weeks(None) == 4


def test_demo_seed_has_a_rolled_up_month_with_regulars_and_notes(frozen_now):
    from collections import Counter

    from app.accounts.models import ClientNote
    from app.bookings.models import Booking
    from app.demo import seed
    from app.tenants.models import Tenant

    frozen_now(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    seed("demo")
    db.session.commit()
    with tenancy.unscoped():
        tenant = db.session.scalar(select(Tenant).where(Tenant.subdomain == "demo"))
    with tenancy.tenant_scope(tenant.id):
        past = list(
            db.session.scalars(select(Booking).where(Booking.start_at < datetime(2026, 12, 7, 9, 0, tzinfo=UTC)))
        )
        assert {"completed", "no_show", "cancelled"} <= {b.status for b in past}
        assert min(b.local_start.date() for b in past) <= date(2026, 11, 7)  # a month back
        assert len({b.master_id for b in past}) == 5 and len({b.service_id for b in past}) == 6
        visits = Counter(b.client_id for b in past if b.status == "completed")
        assert sum(1 for n in visits.values() if n >= 3) >= 8  # regulars
        assert db.session.scalar(select(func.count(ClientNote.id))) >= 3
        report = business_report(tenant, 4, date(2026, 12, 7))
    assert all(week.bookings > 0 for week in report.weekly)
    assert report.total.revenue > 0 and report.total.utilization and 0 < report.total.utilization < 1
    assert report.total.no_shows > 0 and report.total.cancellations > 0


def test_rollup_command_fills_history(app, create_tenant, create_service, create_master, create_booking, frozen_now):
    frozen_now(datetime(2026, 12, 7, 3, 0, tzinfo=UTC))
    tenant = create_tenant("backfill")
    svc = create_service(tenant)
    m = create_master(tenant, services=[svc])
    create_booking(tenant, m, svc, _at(9, day=date(2026, 11, 10)), status="completed")
    tid = tenant.id
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["analytics-rollup", "--days", "30"])
    assert result.exit_code == 0, result.output
    stats = _stats(tid, date(2026, 11, 10))
    assert stats[(0, 0)].completed == 1 and stats[(0, 0)].booked_minutes == 60
    assert app.test_cli_runner().invoke(args=["analytics-rollup", "--days", "0"]).exit_code != 0
