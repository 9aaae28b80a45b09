# ruff: noqa: E402 -- the path fix below must run before the imports
"""Availability and booking benchmark on PostgreSQL (see docs/performance.md).

    .venv/bin/python bench/availability.py [--quick]

Recreates the database at ``BENCH_DATABASE_URL`` (default
postgresql://postgres@127.0.0.1:5432/jazyl_bench), migrates it, seeds one business with
3 locations, 30 masters, 20 services and 90 days of history (~20,000 bookings, bulk
inserted) plus two weeks of upcoming bookings, then measures p50/p95 of

1. one master-day of availability in the service layer, uncached;
2. one location (10 masters) over 7 days in the service layer, uncached;
3. the public availability HTTP request (Flask test client, cache on and off);
4. booking creation throughput through the JSON API (``POST /api/v1/booking`` as the owner,
   booking for a client) against ``gunicorn wsgi:app`` (4 sync workers);

then doubles the history (another 90 days further back) and measures 1 and 2 again.
Redis: ``BENCH_REDIS_URL`` or the embedded server.
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
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/jazyl_bench")
TZ = "Asia/Almaty"
ZONE = ZoneInfo(TZ)
rng = random.Random(20261124)
OWNER_EMAIL, OWNER_PASSWORD = "owner@bench.example", "benchmark1"


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def summary(name: str, samples_ms: list[float]) -> dict:
    row = {
        "name": name,
        "n": len(samples_ms),
        "p50": pct(samples_ms, 50),
        "p95": pct(samples_ms, 95),
        "mean": statistics.fmean(samples_ms),
    }
    print(f"  {name:<58} n={row['n']:<5} p50={row['p50']:7.2f} ms  p95={row['p95']:7.2f} ms")
    return row


def recreate_database(url: str) -> str:
    from app.config import normalize_db_url

    u = sa.engine.make_url(normalize_db_url(url))
    admin = sa.create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
            ),
            {"n": u.database},
        )
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{u.database}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{u.database}"'))
    admin.dispose()
    return u.render_as_string(hide_password=False)


# ------------------------------------------------------------------------------ seeding

HOURS = ((dtime(9), dtime(13)), (dtime(14), dtime(20)))
SLOT_HOURS = (9, 10, 11, 12, 14, 15, 16, 17, 18, 19)


def seed(db, today: date, n_locations: int = 3, per_location: int = 10, clients: int = 2000) -> dict:
    from app.accounts.models import Client, User
    from app.catalog.models import Master, MasterService, Service, ServiceLocation
    from app.core.auth import hash_password
    from app.core.tenancy import tenant_scope
    from app.scheduling.models import WorkingHours
    from app.tenants.models import Location, Tenant

    tenant = Tenant(
        name="Bench Salon",
        subdomain="bench",
        status="active",
        timezone=TZ,
        currency="KZT",
        min_notice_minutes=60,
        horizon_days=90,
        slot_step_minutes=15,
    )
    db.session.add(tenant)
    db.session.flush()
    with tenant_scope(tenant.id):
        locations = [Location(name=f"Branch {i + 1}", timezone=TZ) for i in range(n_locations)]
        db.session.add_all(locations)
        db.session.flush()
        services = [
            Service(
                name=f"Service {i + 1}",
                duration_minutes=rng.choice((30, 45, 60, 60, 90)),
                buffer_minutes=rng.choice((0, 0, 10, 15)),
                price=Decimal(3000 + 500 * i),
                currency="KZT",
            )
            for i in range(20)
        ]
        db.session.add_all(services)
        db.session.flush()
        for svc in services:
            for loc in locations:
                db.session.add(ServiceLocation(service_id=svc.id, location_id=loc.id))
        masters = [
            Master(name=f"Master {i + 1}", location_id=locations[i // per_location].id)
            for i in range(len(locations) * per_location)
        ]
        db.session.add_all(masters)
        db.session.flush()
        tid = tenant.id
        db.session.execute(
            sa.insert(MasterService.__table__),
            [{"tenant_id": tid, "master_id": m.id, "service_id": svc.id} for m in masters for svc in services],
        )
        db.session.execute(
            sa.insert(WorkingHours.__table__),
            [
                {"tenant_id": tid, "master_id": m.id, "weekday": wd, "start_time": s, "end_time": e}
                for m in masters
                for wd in range(6)
                for s, e in HOURS
            ],
        )
        db.session.execute(
            sa.insert(Client.__table__),
            [
                {
                    "tenant_id": tid,
                    "phone": f"+7701{i:07d}",
                    "name": f"Client {i}",
                    "language": "ru",
                    "created_at": datetime.now(UTC),
                }
                for i in range(clients)
            ],
        )
        client_ids = list(db.session.scalars(sa.select(Client.id).order_by(Client.id)))
        owner = User(
            email=OWNER_EMAIL,
            name="Owner",
            role="owner",
            tenant_id=tenant.id,
            password_hash=hash_password(OWNER_PASSWORD),
        )
        db.session.add(owner)
        db.session.commit()
        return {
            "tenant_id": tenant.id,
            "locations": [loc.id for loc in locations],
            "masters": [(m.id, m.location_id) for m in masters],
            "services": [(s.id, s.duration_minutes, s.buffer_minutes, s.price) for s in services],
            "clients": client_ids,
        }


def booking_rows(
    world: dict, first_day: date, days: int, per_day: tuple[int, int], statuses: list[str], weekdays_only: bool = True
) -> list[dict]:
    """Non-overlapping bookings (60-minute grid) for every master and day in the range."""
    rows = []
    for m_id, loc_id in world["masters"]:
        for d in range(days):
            day = first_day + timedelta(days=d)
            if weekdays_only and day.weekday() == 6:
                continue
            hours = rng.sample(SLOT_HOURS, rng.randint(*per_day))
            for h in hours:
                sid, dur, _buf, price = rng.choice([s for s in world["services"] if s[1] <= 60])
                local = datetime.combine(day, dtime(h))
                start = local.replace(tzinfo=ZONE).astimezone(UTC)
                end = start + timedelta(minutes=dur)
                rows.append(
                    {
                        "tenant_id": world["tenant_id"],
                        "location_id": loc_id,
                        "master_id": m_id,
                        "service_id": sid,
                        "client_id": rng.choice(world["clients"]),
                        "status": rng.choice(statuses),
                        "start_at": start,
                        "end_at": end,
                        "block_end_at": end,
                        "local_start": local,
                        "timezone": TZ,
                        "duration_minutes": dur,
                        "buffer_minutes": 0,
                        "price": price,
                        "currency": "KZT",
                        "notes": "",
                        "source": "bench",
                        "version": 1,
                        "created_at": start - timedelta(days=3),
                        "updated_at": start,
                    }
                )
    return rows


def bulk_insert(db, rows: list[dict]) -> None:
    from app.bookings.models import Booking
    from app.core.tenancy import tenant_scope

    if not rows:
        return
    with tenant_scope(rows[0]["tenant_id"]):  # the tenancy guard refuses unscoped writes
        for i in range(0, len(rows), 5000):
            db.session.execute(sa.insert(Booking.__table__), rows[i : i + 5000])
        db.session.commit()
    db.session.execute(sa.text("ANALYZE bookings"))
    db.session.commit()


def count_bookings(db) -> int:
    return db.session.execute(sa.text("SELECT count(*) FROM bookings")).scalar()


# ------------------------------------------------------------------------------ measurements


def measure_service_layer(app, db, world: dict, today: date, runs: int) -> list[dict]:
    from app.core import cache
    from app.core.tenancy import tenant_scope
    from app.scheduling.services import get_availability
    from app.tenants.models import Tenant

    real_get, real_set = cache.get_json, cache.set_json
    cache.get_json, cache.set_json = (lambda key: None), (lambda key, value, ttl: False)
    out = []
    try:
        with app.app_context(), tenant_scope(world["tenant_id"]):
            tenant = db.session.get(Tenant, world["tenant_id"])
            services = [s[0] for s in world["services"]]
            # warm up: connection pool, statement caches, zoneinfo
            for _ in range(50):
                get_availability(
                    tenant,
                    service_id=services[0],
                    date_from=today + timedelta(days=1),
                    master_id=world["masters"][0][0],
                )
            samples, slots = [], 0
            for _ in range(runs):
                m_id, _loc = rng.choice(world["masters"])
                day = today + timedelta(days=rng.randint(1, 13))
                t0 = time.perf_counter()
                res = get_availability(tenant, service_id=rng.choice(services), date_from=day, master_id=m_id)
                samples.append((time.perf_counter() - t0) * 1000)
                slots += len(res["slots"])
            out.append(summary(f"service layer, 1 master x 1 day, uncached (avg {slots // runs} slots)", samples))
            samples, slots = [], 0
            for _ in range(max(runs // 3, 50)):
                loc = rng.choice(world["locations"])
                day = today + timedelta(days=rng.randint(1, 7))
                t0 = time.perf_counter()
                res = get_availability(tenant, service_id=rng.choice(services), date_from=day, days=7, location_id=loc)
                samples.append((time.perf_counter() - t0) * 1000)
                slots += len(res["slots"])
            n = max(runs // 3, 50)
            out.append(summary(f"service layer, 10 masters x 7 days, uncached (avg {slots // n} slots)", samples))
            db.session.rollback()
    finally:
        cache.get_json, cache.set_json = real_get, real_set
    return out


def explain_calendar(app, db, world: dict, today: date) -> dict:
    """Deterministic evidence that history does not matter: the buffers PostgreSQL touches for the
    calendar query of one location over 7 days (timings vary with load, buffer counts do not)."""
    from app.core import prepared
    from app.scheduling import queries as q

    with app.app_context():
        ids = [m for m, loc in world["masters"] if loc == world["locations"][0]]
        day_from, day_to = today, today + timedelta(days=8)
        start = datetime.combine(day_from, dtime(0), UTC)
        end = datetime.combine(day_to + timedelta(days=1), dtime(0), UTC)
        q.calendar_rows(world["tenant_id"], ids, day_from, day_to, start, end)  # PREPAREs on this connection
        conn = db.session.connection()
        form = prepared.form(q.CALENDAR_PREPARED, q.calendar_statement(True), conn.dialect)
        params = {"tenant_id": world["tenant_id"], "master_ids": ids, "day_from": day_from, "day_to": day_to}
        params.update(range_start=start, range_end=end, busy_floor=start - q.MAX_BLOCK, exclude_id=0)
        plan = conn.exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + form.execute, tuple(params[n] for n in form.names)
        ).scalar()
        db.session.rollback()
    top = plan[0]["Plan"]
    info = {
        "rows": top.get("Actual Rows"),
        "buffers": top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0),
        "execution_ms": plan[0].get("Execution Time"),
    }
    print(
        f"  {'calendar query, 10 masters x 9 days (EXPLAIN ANALYZE)':<58} rows={info['rows']} "
        f"buffers={info['buffers']} execution={info['execution_ms']:.3f} ms"
    )
    return info


def measure_http_availability(app, world: dict, today: date, runs: int) -> list[dict]:
    from app.core import cache

    client = app.test_client()
    services = [s[0] for s in world["services"]]
    out = []

    def one(params: str) -> float:
        t0 = time.perf_counter()
        resp = client.get(f"/api/v1/public/business/bench/availability?{params}", headers={"Host": "localhost:5000"})
        elapsed = (time.perf_counter() - t0) * 1000
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        return elapsed

    for _ in range(20):
        one(f"service_id={services[0]}&date={today + timedelta(days=1)}")
    real_get, real_set = cache.get_json, cache.set_json
    cache.get_json, cache.set_json = (lambda key: None), (lambda key, value, ttl: False)
    try:
        samples = [
            one(
                f"service_id={rng.choice(services)}&date={today + timedelta(days=rng.randint(1, 13))}"
                f"&master_id={rng.choice(world['masters'])[0]}"
            )
            for _ in range(runs)
        ]
        out.append(summary("HTTP GET availability, 1 master x 1 day, uncached", samples))
        samples = [
            one(
                f"service_id={rng.choice(services)}&date={today + timedelta(days=rng.randint(1, 7))}"
                f"&location_id={rng.choice(world['locations'])}&days=7"
            )
            for _ in range(max(runs // 3, 50))
        ]
        out.append(summary("HTTP GET availability, location (10 masters) x 7 days, uncached", samples))
    finally:
        cache.get_json, cache.set_json = real_get, real_set
    params = [
        f"service_id={services[i % 5]}&date={today + timedelta(days=1 + i % 3)}&location_id="
        f"{world['locations'][0]}&days=7"
        for i in range(15)
    ]
    for p in params:
        one(p)  # fill the cache
    samples = [one(rng.choice(params)) for _ in range(runs)]
    out.append(summary("HTTP GET availability, location x 7 days, cached (Redis)", samples))
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure_booking_throughput(
    app, db_url: str, redis_url: str, instance: str, world: dict, today: date, total: int, concurrency: int
) -> list[dict]:
    port = _free_port()
    conf = Path(instance) / "gunicorn_bench.conf.py"
    conf.write_text("accesslog = None\nloglevel = 'warning'\n")
    # The production entry point, configured only through the environment.
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "INSTANCE_PATH": instance,
        "SECRET_KEY": "benchmark-secret-key-0123456789-abcdefghij",
        "SERVER_NAME": "localhost:5000",
        "RATELIMIT_ENABLED": "false",
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            str(conf),
            "-w",
            "4",
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/health", headers={"Host": "localhost:5000"})
                conn.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request(
            "POST",
            "/api/v1/login",
            body=json.dumps({"email": OWNER_EMAIL, "password": OWNER_PASSWORD}),
            headers={"Host": "localhost:5000", "Content-Type": "application/json"},
        )
        resp = conn.getresponse()
        login = json.loads(resp.read())
        conn.close()
        assert resp.status == 200, login
        auth = {
            "Host": "localhost:5000",
            "Content-Type": "application/json",
            "Authorization": f"Bearer {login['access_token']}",
        }
        # Distinct free slots: future days 20..60 (no seeded bookings there), 60-min service.
        svc = next(s for s in world["services"] if s[1] == 60 and s[2] == 0)
        jobs = []
        for d in range(20, 61):
            day = today + timedelta(days=d)
            if day.weekday() == 6:
                continue
            for m_id, _ in world["masters"]:
                for h in SLOT_HOURS:
                    start = datetime.combine(day, dtime(h), ZONE).isoformat()
                    jobs.append({"service_id": svc[0], "master_id": m_id, "start": start})
        rng.shuffle(jobs)
        jobs = jobs[:total]
        for i, job in enumerate(jobs):
            job["client"] = {"name": f"Bench client {i}", "phone": f"+7705{i:07d}"}
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        errors: list[str] = []
        lock = threading.Lock()
        it = iter(jobs)

        def worker() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            while True:
                with lock:
                    job = next(it, None)
                if job is None:
                    break
                t0 = time.perf_counter()
                conn.request("POST", "/api/v1/booking", body=json.dumps(job), headers=auth)
                resp = conn.getresponse()
                payload = resp.read()
                with lock:
                    latencies.append((time.perf_counter() - t0) * 1000)
                    statuses[resp.status] = statuses.get(resp.status, 0) + 1
                    if resp.status != 201 and len(errors) < 3:
                        errors.append(payload.decode(errors="replace")[:300])
            conn.close()

        threads = [threading.Thread(target=worker) for _ in range(concurrency)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        row = summary(f"HTTP POST booking via gunicorn (4 workers, {concurrency} clients)", latencies)
        row["throughput"] = len(latencies) / wall
        row["statuses"] = statuses
        print(f"  {'':<58} throughput={row['throughput']:.0f} bookings/s statuses={statuses}")
        for err in errors:
            print(f"  {'':<58} error: {err}")
        return [row]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (smoke test)")
    args = parser.parse_args()
    runs = 100 if args.quick else 1000

    instance = tempfile.mkdtemp(prefix="jazyl-bench-")
    db_url = recreate_database(DB_URL)
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
    import logging

    logging.getLogger().setLevel(logging.WARNING)
    results: dict[str, list] = {}
    today = datetime.now(ZONE).date()
    with app.app_context():
        upgrade()
        app.extensions["redis"].flushdb()
        t0 = time.perf_counter()
        world = seed(db, today)
        history = booking_rows(
            world, today - timedelta(days=90), 90, (6, 9), ["completed"] * 8 + ["cancelled", "no_show"]
        )
        upcoming = booking_rows(world, today + timedelta(days=1), 14, (2, 5), ["confirmed"])
        bulk_insert(db, history + upcoming)
        n = count_bookings(db)
        print(
            f"Seeded 3 locations, 30 masters, 20 services, {n} bookings "
            f"({len(history)} in the last 90 days, {len(upcoming)} upcoming) in {time.perf_counter() - t0:.1f} s"
        )
    print(
        f"\nMachine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (other work on the box inflates "
        "every number below)"
    )
    print("\n== 90 days of history")
    results["base"] = measure_service_layer(app, db, world, today, runs)
    results["explain_base"] = explain_calendar(app, db, world, today)
    results["http"] = measure_http_availability(app, world, today, runs // 2)
    results["booking"] = measure_booking_throughput(
        app, db_url, app.config["REDIS_URL"], instance, world, today, total=200 if args.quick else 600, concurrency=8
    )
    with app.app_context():
        older = booking_rows(
            world, today - timedelta(days=180), 90, (6, 9), ["completed"] * 8 + ["cancelled", "no_show"]
        )
        bulk_insert(db, older)
        n2 = count_bookings(db)
    print(f"\n== history doubled: {n2} bookings")
    results["doubled"] = measure_service_layer(app, db, world, today, runs)
    results["explain_doubled"] = explain_calendar(app, db, world, today)
    print(f"\nLoad average at the end: {os.getloadavg()[0]:.1f}")
    out = Path(instance) / "results.json"
    out.write_text(json.dumps({"bookings": [n, n2], **results}, indent=2, default=str))
    print(f"\nResults: {out}")


if __name__ == "__main__":
    main()
