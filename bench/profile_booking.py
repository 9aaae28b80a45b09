# ruff: noqa: E402 -- the path fix below must run before the imports
"""Profile booking creation (``POST /api/v1/booking``) in one process with pyinstrument.

    .venv/bin/python bench/profile_booking.py [--count 300] [--batches 1] [--sqlite] [--html out.html]

Seeds the benchmark business (bench/availability.py) on PostgreSQL (``BENCH_DATABASE_URL``,
default postgresql://postgres@127.0.0.1:5432/jazyl_bench_profile, dropped and recreated) or
on SQLite, logs in as the owner and posts ``--count`` bookings for distinct free slots
through the Flask test client (the whole request: token check, validation, client upsert,
lock, version bump, availability check, insert, audit, outbox, commit), then prints the
statements per booking and pyinstrument's call tree.

``--batches N`` posts N batches of ``--count`` bookings without the profiler first and prints
each batch's CPU per booking, of this process and, on a local PostgreSQL, of the database's
backends and the Redis server (bench/profile_read.py's ``server_cpu``): on a shared machine
the lowest of several batches is
the steadier figure to compare a change with.
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
import logging
import os
import tempfile
import time
from datetime import datetime, timedelta
from datetime import time as dtime

from bench import availability as base
from bench.profile_read import server_cpu

HOST = "localhost:5000"


def booking_jobs(world: dict, today, count: int) -> list[dict]:
    """Distinct free 60-minute slots on days 20..60 (nothing is seeded there)."""
    svc = next(s for s in world["services"] if s[1] == 60 and s[2] == 0)
    jobs = []
    for d in range(20, 61):
        day = today + timedelta(days=d)
        if day.weekday() == 6:
            continue
        for m_id, _ in world["masters"]:
            for h in base.SLOT_HOURS:
                start = datetime.combine(day, dtime(h), base.ZONE).isoformat()
                jobs.append({"service_id": svc[0], "master_id": m_id, "start": start})
    base.rng.shuffle(jobs)
    jobs = jobs[:count]
    for i, job in enumerate(jobs):
        job["client"] = {"name": f"Bench client {i}", "phone": f"+7705{i:07d}"}
    return jobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--batches", type=int, default=1, help="batches of --count bookings without the profiler")
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    args = parser.parse_args()

    from pyinstrument import Profiler

    instance = tempfile.mkdtemp(prefix="jazyl-bench-prof-")
    if args.sqlite:
        db_url = f"sqlite:///{instance}/bench.db"
    else:
        db_url = base.recreate_database(
            os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/jazyl_bench_profile")
        )
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

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
        app.extensions["redis"].flushdb()
        world = base.seed(db, today, clients=200)
    client = app.test_client()
    r = client.post(
        "/api/v1/login", json={"email": base.OWNER_EMAIL, "password": base.OWNER_PASSWORD}, headers={"Host": HOST}
    )
    headers = {"Host": HOST, "Authorization": f"Bearer {r.get_json()['access_token']}"}
    jobs = booking_jobs(world, today, (args.batches + 1) * args.count + 21)
    for job in jobs[:20]:  # warm-up
        assert client.post("/api/v1/booking", json=job, headers=headers).status_code == 201

    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, *a):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    client.post("/api/v1/booking", json=jobs[20], headers=headers)
    sa.event.remove(engine, "before_cursor_execute", count)
    print(f"Statements for one booking ({len(statements)}):")
    for s in statements:
        print("   ", " ".join(s.split())[:140])

    done = 21
    for batch in range(args.batches):
        plain = jobs[done : done + args.count]
        done += len(plain)
        servers = None if args.sqlite else server_cpu(app)
        t0, c0 = time.perf_counter(), time.process_time()
        codes: dict[int, int] = {}
        for job in plain:
            code = client.post("/api/v1/booking", json=job, headers=headers).status_code
            codes[code] = codes.get(code, 0) + 1
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        server = ""
        if servers is not None:
            (pg0, redis0), (pg1, redis1) = servers, server_cpu(app)
            per = 1000 / len(plain)
            server = f", {(pg1 - pg0) * per:.2f} ms database CPU, {(redis1 - redis0) * per:.2f} ms Redis CPU"
        print(
            f"\nbatch {batch + 1}: {len(plain)} bookings {codes} without the profiler: "
            f"{wall / len(plain) * 1000:.2f} ms wall, {cpu / len(plain) * 1000:.2f} ms CPU per booking "
            f"(this process){server}; load average {os.getloadavg()[0]:.2f}"
        )

    profiler = Profiler(interval=0.0005)
    t0, c0 = time.perf_counter(), time.process_time()
    profiler.start()
    codes = {}
    for job in jobs[done:]:
        code = client.post("/api/v1/booking", json=job, headers=headers).status_code
        codes[code] = codes.get(code, 0) + 1
    profiler.stop()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    n = len(jobs) - done
    print(
        f"\n{n} bookings {codes}: {wall / n * 1000:.2f} ms wall, {cpu / n * 1000:.2f} ms CPU per booking "
        f"(under the profiler); load average {os.getloadavg()[0]:.2f}"
    )
    print(profiler.output_text(unicode=False, color=False, show_all=False))
    if args.html:
        Path(args.html).write_text(profiler.output_html())


if __name__ == "__main__":
    main()
