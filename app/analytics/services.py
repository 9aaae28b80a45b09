"""Daily roll-up of bookings into ``daily_stats``: per tenant, per location, per master.

A day is the location's local calendar day (bookings keep their local wall-clock start).
Rows with ``location_id = 0`` / ``master_id = 0`` are the totals.  Re-running a day
replaces its rows, so the job is idempotent and can be repeated after late changes
(a booking completed the next morning).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import delete

from app.analytics import queries
from app.analytics.models import DailyStat
from app.core.tenancy import tenant_scope, unscoped
from app.core.types import utcnow
from app.extensions import db

FIELDS = ("bookings", "completed", "no_shows", "cancellations", "revenue")


def roll_up_day(tenant_id: int, day: date) -> int:
    """Recompute ``day`` for one tenant (inside its scope); returns the number of rows."""
    with tenant_scope(tenant_id):
        db.session.execute(delete(DailyStat).where(DailyStat.date == day).execution_options(synchronize_session=False))
        sums: dict[tuple[int, int], list] = defaultdict(lambda: [0, 0, 0, 0, Decimal("0")])
        currency = None
        for loc, master, cur, n, done, no_show, cancelled, revenue in queries.booking_totals(day):
            currency = currency or cur
            values = (n or 0, done or 0, no_show or 0, cancelled or 0, Decimal(str(revenue or 0)))
            for key in ((loc, master), (loc, 0), (0, 0)):
                acc = sums[key]
                for i, v in enumerate(values):
                    acc[i] += v
        for (loc, master), acc in sums.items():
            db.session.add(
                DailyStat(
                    tenant_id=tenant_id,
                    date=day,
                    location_id=loc,
                    master_id=master,
                    currency=currency or "KZT",
                    **dict(zip(FIELDS, acc, strict=True)),
                )
            )
        db.session.flush()
        return len(sums)


def roll_up(days: int = 2, today: date | None = None) -> int:
    """Roll up the last ``days`` days up to today (UTC date +1 covers every zone's today);
    each tenant in its own scope and unit of work."""
    today = today or (utcnow() + timedelta(hours=14)).date()
    first = today - timedelta(days=days - 1)
    from app.core.periodic import each_tenant

    with unscoped("daily roll-up: tenants with bookings"):
        tenant_ids = queries.tenant_ids_with_bookings(first, today)

    def one_tenant(tenant_id: int) -> int:
        return sum(roll_up_day(tenant_id, first + timedelta(days=i)) for i in range(days))

    return sum(each_tenant(tenant_ids, one_tenant, "daily roll-up").values())
