"""Gunicorn settings for production (``gunicorn --config gunicorn.conf.py wsgi:app``).

Everything is read from the environment so that one image serves every deployment:

``PORT``                 port to listen on, on all interfaces (default 8000)
``GUNICORN_WORKER_CLASS`` ``sync`` (default) or ``gthread``
``WEB_CONCURRENCY``      worker processes (default CPUs + 1, at most 8)
``GUNICORN_THREADS``     threads per gthread worker (default 2; sync workers have 1)
``GUNICORN_TIMEOUT``     seconds a request may run before its worker is restarted (default 30)
``GUNICORN_MAX_REQUESTS`` recycle a worker after this many requests (default 1000, 0 = never)
``FORWARDED_ALLOW_IPS``  proxies whose X-Forwarded-Proto gunicorn trusts (default loopback
                         only; docker-compose sets ``*`` because the web container is
                         reachable from the internal network only, i.e. through nginx)
``LOG_LEVEL``            gunicorn's error-log level (default info; the app's level too)
``GUNICORN_ACCESS_LOG``  ``true`` adds gunicorn's own text access log (default off: the app
                         logs one JSON access line per request)
``PROMETHEUS_MULTIPROC_DIR`` where the workers keep their metrics (default: a fresh temporary
                         directory per start; docs/operations.md)

Every public top-level value below is a gunicorn setting (the tests check that, so a
typo cannot be silently ignored by gunicorn's config loader).

Why sync workers, CPUs + 1 of them: measured against gthread (3 x 4 and 5 x 2 threads)
with ``make bench-http`` (bench/http.py ``--servers sync:5,gthread:3x4,gthread:5x2``),
sync processes were level or ahead on every endpoint on a quiet machine (fewer processes
with more threads lost clearly on the booking page), and no threaded setting won
consistently on a loaded one. Then against each other (``--servers sync:3,sync:4,sync:5``,
2026-12-04): on 2 CPUs shared with PostgreSQL and Redis, 3 workers led 5 and 4 on the
booking page by 8 and 11 points of the hello app, the rest within the noise (docs/performance.md).
``GUNICORN_WORKER_CLASS=gthread`` switches when the database or Redis are remote and their
waits grow. The Dockerfile and docker-compose.yml repeat these defaults (a test keeps them in step).
"""

import gc
import os


def _env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SystemExit(f"gunicorn.conf.py: {name} must be an integer, got {raw!r}") from exc
    if value < minimum:
        raise SystemExit(f"gunicorn.conf.py: {name} must be >= {minimum}, got {value}")
    return value


def _cpu_count() -> int:
    # CPUs this process may run on (respects container cpusets), not the host's total.
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


_DEFAULT_WORKER_CLASS = "sync"
_DEFAULT_THREADS = 2
_WORKER_CLASSES = ("gthread", "sync")


def _default_workers(cpus: int | None = None) -> int:
    cpus = _cpu_count() if cpus is None else cpus
    return min(cpus + 1, 8)


def _worker_class() -> str:
    raw = os.environ.get("GUNICORN_WORKER_CLASS", "").strip() or _DEFAULT_WORKER_CLASS
    if raw not in _WORKER_CLASSES:
        raise SystemExit(f"gunicorn.conf.py: GUNICORN_WORKER_CLASS must be one of {_WORKER_CLASSES}, got {raw!r}")
    return raw


bind = f"0.0.0.0:{_env_int('PORT', 8000, minimum=1)}"
worker_class = _worker_class()
workers = _env_int("WEB_CONCURRENCY", _default_workers(), minimum=1)
# A sync worker serves one request at a time (gunicorn would silently switch it to gthread
# if given more threads), so its thread count is 1 whatever GUNICORN_THREADS says.
threads = _env_int("GUNICORN_THREADS", _DEFAULT_THREADS, minimum=1) if worker_class == "gthread" else 1

# The master imports the app once and forks its workers from it: a worker starts (and is
# recycled after max_requests) in milliseconds instead of re-importing the app for about a
# second of CPU, which at a few hundred requests a second took a large share of the CPU
# (docs/performance.md). Inherited database connections are dropped in each child
# (app/core/db.py) and the embedded Redis stays the master's (app/core/redis.py).
preload_app = True


def _metrics_dir() -> str:
    """Prometheus multiprocess mode: every worker writes its numbers under one directory, which
    /metrics sums (app/core/metrics.py). prometheus_client reads the variable on import, so it
    is set here, before the app is preloaded."""
    import tempfile

    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    if not path:
        path = tempfile.mkdtemp(prefix="jazyl-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    os.makedirs(path, exist_ok=True)
    return path


_METRICS_DIR = _metrics_dir()

timeout = _env_int("GUNICORN_TIMEOUT", 30, minimum=1)
graceful_timeout = 30
keepalive = 5
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max_requests // 10

# Request line (method, address, version) up to 8190 bytes, gunicorn's maximum. The app answers
# addresses longer than app.core.hardening.MAX_URL_LENGTH (4096) itself, with 414 in the API's
# JSON error format; only beyond 8190 does gunicorn's own plain 414 page show (and nginx's
# large_client_header_buffers, 8k by default, stops such a request before gunicorn anyway).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# Heartbeat files on tmpfs: on a disk-backed /tmp (common in containers) the workers'
# fchmod heartbeat can stall and get healthy workers killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 -- tmpfs, not a temp file

# X-Forwarded-Proto (and friends) are honoured only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "").strip() or "127.0.0.1,::1"

# Logs go to the container's stdout/stderr. The app writes its own access line per request
# (JSON with the request id, tenant, user and duration: app/core/logs.py), so gunicorn's
# text access log is off unless GUNICORN_ACCESS_LOG=true asks for it as well.
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "").strip().lower() == "true" else None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = (
    '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms host=%({host}i)s rid=%({x-request-id}i)s "%(a)s"'
)

proc_name = "jazyl-web"


def post_worker_init(worker) -> None:
    """Move everything the worker has built so far (the app, SQLAlchemy's mappers, templates,
    translations) out of the garbage collector's sight: a request that creates tens of
    thousands of objects (a month of slots) otherwise triggers full collections that walk
    the whole heap. Halved an uncached 50-master month in bench/slots.py."""
    gc.collect()
    gc.freeze()


def on_starting(server) -> None:
    """Drop the numbers of a previous start from the metrics directory."""
    import glob

    for stale in glob.glob(os.path.join(_METRICS_DIR, "*.db")):
        os.remove(stale)


def child_exit(server, worker) -> None:
    """A worker ended: drop its live gauges (its counters stay in the sums)."""
    from app.core.metrics import mark_process_dead

    mark_process_dead(worker.pid)
