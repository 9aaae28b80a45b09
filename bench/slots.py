# ruff: noqa: E402 -- the path fix below must run before the imports
"""Slot generation micro-benchmark: uncached availability in the service layer.

    .venv/bin/python bench/slots.py            # SQLite + embedded Redis (the default setup)
    .venv/bin/python bench/slots.py --pg       # PostgreSQL (BENCH_DATABASE_URL, recreated)
    make bench-slots

Seeds one business in Asia/Almaty with 5 locations x 10 masters (50 masters, Mon-Sat
09:00-13:00 and 14:00-20:00, 15-minute step) and 2-5 bookings per master and day for the
next five weeks, then measures, with Redis emptied before every call so nothing is cached:

1. one location (10 masters) x 7 days through ``get_availability`` (the service layer:
   two queries, slot generation, the result list), target < 10 ms;
2. the whole business (50 masters) x 31 days through ``get_availability``, target < 100 ms;
3. ``compute_slots`` alone for the same two calendars (pure Python, no database);
4. the month calendar's free days for the whole business (``free_days``, 50 masters, the
   next whole month), target < 100 ms.

Prints wall-clock min/p50/p95 and the median CPU time of this process per case, with the
load average; other work on the machine inflates wall-clock times, much less CPU time,
so the target verdict uses CPU time. No assertions: the test suite guards correctness
(tests/scheduling), this script measures.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as ``python bench/<script>.py``, Python puts bench/ first on the path, where
# bench/http.py would shadow the standard library's http package: use the root instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse
import gc
import logging
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta

from bench import availability as base  # bench/availability.py: seeding helpers


def stats(name: str, samples: list[tuple[float, float]], target: float | None, extra: str = "") -> dict:
    """``samples`` are (wall, CPU) seconds; CPU time (this process only) is what other work
    on a busy machine cannot inflate much, so the verdict uses its median."""
    ms = sorted(w * 1000 for w, _ in samples)
    cpu = sorted(c * 1000 for _, c in samples)
    row = {
        "name": name,
        "n": len(ms),
        "min": ms[0],
        "p50": base.pct(ms, 50),
        "p95": base.pct(ms, 95),
        "cpu_p50": base.pct(cpu, 50),
        "target": target,
    }
    verdict = "" if target is None else ("  ok" if row["cpu_p50"] < target else f"  over the {target:g} ms target")
    print(
        f"  {name:<50} n={row['n']:<3} wall min={row['min']:6.1f} p50={row['p50']:6.1f} p95={row['p95']:6.1f}"
        f"  cpu p50={row['cpu_p50']:6.1f} ms{extra}{verdict}"
    )
    return row


def timed(fn, *args, **kwargs) -> tuple[tuple[float, float], object]:
    w0, c0 = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return (time.perf_counter() - w0, time.process_time() - c0), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", action="store_true", help="PostgreSQL at BENCH_DATABASE_URL instead of SQLite")
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--profile", action="store_true", help="print pyinstrument's tree of the business month")
    args = parser.parse_args()

    instance = tempfile.mkdtemp(prefix="jazyl-bench-slots-")
    if args.pg:
        db_url = base.recreate_database(os.environ.get("BENCH_DATABASE_URL", base.DB_URL))
    else:
        db_url = f"sqlite:///{instance}/bench.db"
    from flask_migrate import upgrade

    from app import create_app
    from app.core.tenancy import tenant_scope
    from app.extensions import db
    from app.scheduling import services as ss
    from app.scheduling.availability import compute_slots
    from app.tenants.models import Tenant

    app = create_app(
        "testing",
        DATABASE_URL=db_url,
        REDIS_URL=os.environ.get("BENCH_REDIS_URL") or None,
        INSTANCE_DIR=instance,
        RATELIMIT_ENABLED=False,
    )
    logging.getLogger().setLevel(logging.WARNING)
    today = datetime.now(base.ZONE).date()
    with app.app_context():
        upgrade()
        redis = app.extensions["redis"]
        redis.flushdb()
        world = base.seed(db, today, n_locations=5, per_location=10, clients=200)
        with tenant_scope(world["tenant_id"]):
            base.bulk_insert(db, base.booking_rows(world, today + timedelta(days=1), 36, (2, 5), ["confirmed"]))

    backend = "PostgreSQL" if args.pg else "SQLite"
    redis_kind = "Redis" if os.environ.get("BENCH_REDIS_URL") else "embedded Redis"
    print(f"{backend} + {redis_kind}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the start")
    # As gunicorn.conf.py's post_worker_init does in every worker: the app's objects leave the
    # garbage collector's sight, so a large answer does not pay for full heap walks.
    gc.collect()
    gc.freeze()
    svc_id = next(s[0] for s in world["services"] if s[1] == 60)
    cases = [
        ("location week: 10 masters x 7 days", {"days": 7, "location_id": world["locations"][0]}, 10.0),
        ("business month: 50 masters x 31 days", {"days": 31}, 100.0),
    ]
    day = today + timedelta(days=2)
    with app.app_context(), tenant_scope(world["tenant_id"]):
        tenant = db.session.get(Tenant, world["tenant_id"])
        for name, kwargs, target in cases:
            for _ in range(5):  # warm-up: connections, prepared statements, zoneinfo
                redis.flushdb()
                ss.get_availability(tenant, service_id=svc_id, date_from=day, **kwargs)
            samples, n = [], 0
            for _ in range(args.runs):
                redis.flushdb()
                sample, res = timed(ss.get_availability, tenant, service_id=svc_id, date_from=day, **kwargs)
                samples.append(sample)
                n = len(res["slots"])
            stats(f"get_availability, {name}", samples, target, f"  ({n} slots)")
            if args.profile and kwargs["days"] == 31:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.0005)
                for _ in range(10):
                    redis.flushdb()
                    profiler.start()
                    ss.get_availability(tenant, service_id=svc_id, date_from=day, **kwargs)
                    profiler.stop()
                print(profiler.output_text(unicode=True, color=False, show_all=False))

            rows = ss.q.bookable_masters(tenant.id, svc_id, location_id=kwargs.get("location_id"))
            cals = ss.load_calendars(tenant.id, [(r.id, r.timezone) for r in rows], day, kwargs["days"])
            samples = []
            rules = ss._rules(tenant)
            for _ in range(args.runs):
                sample, _res = timed(
                    compute_slots,
                    cals,
                    day_from=day,
                    days=kwargs["days"],
                    duration=timedelta(minutes=60),
                    buffer=timedelta(0),
                    now=datetime.now(UTC),
                    **rules,
                )
                samples.append(sample)
            stats(f"compute_slots only, {name}", samples, None)
        from app.scheduling.calendar import free_days

        month = (day + timedelta(days=31)).replace(day=1)  # a whole month ahead: no day cut by "now"
        for _ in range(3):
            redis.flushdb()
            free_days(tenant, service_id=svc_id, month=month)
        samples = []
        for _ in range(args.runs):
            redis.flushdb()
            sample, md = timed(free_days, tenant, service_id=svc_id, month=month)
            samples.append(sample)
        stats("free_days, business month: 50 masters", samples, 100.0, f"  ({len(md.free)} free days)")
        db.session.rollback()
    print(f"Load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
