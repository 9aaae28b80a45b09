# ruff: noqa: E402 -- the path fix below must run before the imports
"""Profile warm (cached) public reads in one process: Redis round trips, SQL, pyinstrument.

    .venv/bin/python bench/profile_read.py [--count 500] [--redis-url redis://127.0.0.1:6382/0]
                                           [--no-seed] [--profile NAME] [--uncached]

Seeds the benchmark business (bench/availability.py) on PostgreSQL (``BENCH_DATABASE_URL``,
default postgresql://postgres@127.0.0.1:5432/jazyl_bench_read, dropped and recreated; with
``--no-seed`` the existing one is used) and the given Redis, builds the app as bench/http.py's
gunicorn does (``APP_ENV=production``), warms each endpoint of bench/http.py once and then, for
each one, prints the Redis round trips (every packet sent to a Redis server: a pipeline or a
script call is one) with their commands, the SQL statements, and the in-process time per
request.  ``--profile NAME`` prints pyinstrument's tree for the endpoint whose name contains NAME.
``--uncached`` measures only the uncached master-day availability instead, as bench/http.py
drives it: every request a different master, service and date (each one computes the slots,
runs its SQL and fills the cache); its counts are those of the first such request.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse
import os
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timedelta

from bench import availability as base

SECRET = "benchmark-secret-key-0123456789-abcdefghij-xyz"


class RedisCounter:
    """Counts packets sent to Redis (one per command, pipeline or script call)."""

    def __init__(self) -> None:
        self.trips: list[str] = []
        self.active = False

    def install(self) -> None:
        import redis.connection

        original = redis.connection.AbstractConnection.send_packed_command
        counter = self

        def send_packed_command(conn, command, check_health=True):
            if counter.active:
                parts = command if isinstance(command, list) else [command]
                raw = b"".join(bytes(p) for p in parts)
                words = [w for w in raw.split(b"\r\n") if w and not w.startswith((b"*", b"$"))]
                counter.trips.append(" ".join(w.decode(errors="replace")[:40] for w in words[:6]))
            return original(conn, command, check_health)

        redis.connection.AbstractConnection.send_packed_command = send_packed_command


@contextmanager
def counting(app, counter: RedisCounter, sql: list):
    from sqlalchemy import event

    from app.extensions import db

    with app.app_context():
        engine = db.engine

    def before(conn, cursor, statement, *a):
        sql.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    counter.trips.clear()
    counter.active = True
    try:
        yield
    finally:
        counter.active = False
        event.remove(engine, "before_cursor_execute", before)


def server_cpu(app) -> tuple[float, float]:
    """CPU seconds used so far by this database's PostgreSQL backends (from /proc, so the
    server must run on this machine) and by the Redis server (INFO cpu)."""
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        pids = db.session.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).scalars()
        pg = 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pg += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        db.session.remove()
        info = app.extensions["redis"].info("cpu")
    return pg, float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6382/0"))
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--profile", help="print pyinstrument's tree for this endpoint (substring of its name)")
    parser.add_argument(
        "--uncached", action="store_true", help="only the uncached master-day availability (distinct combos)"
    )
    args = parser.parse_args()

    db_url = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/jazyl_bench_read")
    instance = tempfile.mkdtemp(prefix="jazyl-bench-read-")
    os.environ.update(
        {
            "SECRET_KEY": SECRET,
            "SERVER_NAME": "localhost",
            "DATABASE_URL": db_url,  # app.config reads these on import
            "REDIS_URL": args.redis_url,
            "LOG_LEVEL": "warning",
            "RATELIMIT_DEFAULT": "1000000 per minute",
            "RATELIMIT_STAFF": "1000000 per minute",
        }
    )
    import json

    world_file = Path(tempfile.gettempdir()) / "jazyl-bench-read-world.json"
    if args.no_seed and world_file.exists():
        world = json.loads(world_file.read_text())
    else:
        from bench.http import seed_database

        db_url = base.recreate_database(db_url)
        world, _ = seed_database(db_url, args.redis_url, instance)
        world_file.write_text(
            json.dumps({k: world[k] for k in ("services", "masters", "locations", "tenant_id")}, default=str)
        )

    from app import create_app

    app = create_app("production", INSTANCE_DIR=instance)
    counter = RedisCounter()
    counter.install()
    import gc

    gc.freeze()

    svc_id = next(s[0] for s in world["services"] if s[1] == 60)
    master, master_loc = world["masters"][0]
    loc = world["locations"][0]
    day = datetime.now(base.ZONE).date() + timedelta(days=3)
    api = "/api/v1/public/business/bench"
    # the calendar step: location, service and master chosen (without the location the page asks "Where?")
    calendar_step = f"/book?location_id={master_loc}&service_id={svc_id}&master_id={master}&date={day}"
    endpoints = [
        (
            "availability, master-day, cached",
            "localhost",
            f"{api}/availability?service_id={svc_id}&date={day}&master_id={master}",
        ),
        (
            "availability, location-week, cached",
            "localhost",
            f"{api}/availability?service_id={svc_id}&date={day}&days=7&location_id={loc}",
        ),
        ("services list, cached", "localhost", f"{api}/services"),
        ("business information, cached", "localhost", api),
        ("public booking page (HTML)", "bench.localhost", calendar_step),
    ]
    client = app.test_client(use_cookies=False)  # as wrk asks: no cookie, every visitor a new one
    headers = {"X-Forwarded-Proto": "https"}
    if args.uncached:
        # As in bench/http.py after its warm-up: which masters take which service is cached
        # (one request per pair, on a date the measured paths never ask for), the answers are not.
        today = datetime.now(base.ZONE).date()
        for m, _ in world["masters"]:
            for s in world["services"]:
                path = f"{api}/availability?service_id={s[0]}&date={today}&master_id={m}"
                resp = client.get(path, base_url="https://localhost", headers=headers)
                assert resp.status_code == 200, (resp.status_code, resp.data[:300])
        combos = [
            f"{api}/availability?service_id={s[0]}&date={today + timedelta(days=d)}&master_id={m}"
            for d in range(1, 60)
            for m, _ in world["masters"]
            for s in world["services"]
        ]
        base.rng.shuffle(combos)
        redis = app.extensions["redis"]
        for pattern in ("jz:http:*", "avail:*"):  # earlier runs' answers (the same paths)
            for k in redis.scan_iter(pattern, count=1000):
                redis.delete(k)
        paths = iter(combos)
        for _ in range(20):  # warm the process (first statements, PREPAREs); not counted
            resp = client.get(next(paths), base_url="https://localhost", headers=headers)
            assert resp.status_code == 200, (resp.status_code, resp.data[:300])
        endpoints = [("availability, master-day, uncached", "localhost", paths)]
    for name, host, path in endpoints:
        fresh = not isinstance(path, str)

        def target(path=path, fresh=fresh) -> str:
            return next(path) if fresh else path

        if not fresh:
            for _ in range(3):
                resp = client.get(path, base_url=f"https://{host}", headers=headers)
                assert resp.status_code == 200, (name, resp.status_code, resp.data[:300])
        sql: list = []
        with counting(app, counter, sql):
            resp = client.get(target(), base_url=f"https://{host}", headers=headers)
        assert resp.status_code == 200, (name, resp.status_code, resp.data[:300])
        if fresh:  # distinct requests may differ: the mean over 50 of them, then one listed below
            more: list = []
            with counting(app, counter, more):
                for _ in range(50):
                    client.get(target(), base_url=f"https://{host}", headers=headers)
            mean = f"{len(counter.trips) / 50:.2f} Redis round trips, {len(more) / 50:.2f} SQL statements"
            print(f"\n== {name}: per request over 50 distinct requests {mean}")
            sql = []
            with counting(app, counter, sql):
                client.get(target(), base_url=f"https://{host}", headers=headers)
        print(f"\n== {name}: {len(counter.trips)} Redis round trips, {len(sql)} SQL statements")
        for t in counter.trips:
            print(f"   redis: {t}")
        for s in sql:
            print(f"   sql: {' '.join(s.split())[:140]}")
        profiler = None
        if args.profile and args.profile in name:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0002)
            profiler.start()
        servers = server_cpu(app) if fresh else None
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(args.count):
            client.get(target(), base_url=f"https://{host}", headers=headers)
        wall = (time.perf_counter() - t0) / args.count * 1000
        cpu = (time.process_time() - c0) / args.count * 1000
        if profiler is not None:
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        print(f"   {wall:.2f} ms wall, {cpu:.2f} ms CPU per request ({args.count} requests)")
        if servers is not None:
            pg, rd = (b - a for a, b in zip(servers, server_cpu(app), strict=True))
            print(
                f"   servers: PostgreSQL backends {pg / args.count * 1000:.2f} ms CPU, Redis "
                f"{rd / args.count * 1000:.2f} ms CPU per request (both on this machine; /proc and INFO cpu)"
            )
    t0 = time.perf_counter()
    hello_app = __import__("bench.hello_app", fromlist=["app"]).app.test_client()
    for _ in range(args.count):
        hello_app.get("/")
    print(f"\nhello (test client): {(time.perf_counter() - t0) / args.count * 1000:.2f} ms per request")
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
