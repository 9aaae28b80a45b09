"""Prometheus metrics: the instruments, the cross-process job counters, the exposition.

Two kinds of numbers, kept where each process can add to them:

- **web** numbers (requests, latency, bookings created) are ``prometheus_client`` metrics.
  Under gunicorn with several workers set ``PROMETHEUS_MULTIPROC_DIR`` (``gunicorn.conf.py``
  does) and every worker writes its own files, which the exposition sums;
- **worker** numbers (jobs per queue and outcome, job durations, notifications sent and
  failed) are counted in Redis hashes, because RQ runs every job in a forked process that
  exits after it; the exposition reads the hashes, so any web process reports them.

Scrape-time gauges (queue depth, outbox backlog) are added by the caller's collector
(:mod:`app.web.metrics`), since they read domain data.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable

from flask import current_app
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from app.core.redis import get_redis

log = logging.getLogger(__name__)
disable_created_metrics()  # the ``*_created`` series double the output and no dashboard reads them

REGISTRY = CollectorRegistry(auto_describe=True)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
JOB_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)

HTTP_REQUESTS = Counter(
    "jazyl_http_requests_total", "HTTP requests answered", ["method", "endpoint", "status"], registry=REGISTRY
)
HTTP_LATENCY = Histogram(
    "jazyl_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "endpoint"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
BOOKINGS_CREATED = Counter("jazyl_bookings_created_total", "Bookings created (committed)", registry=REGISTRY)


def observe_request(method: str, endpoint: str, status: int, duration: float | None) -> None:
    """Count one answered request and, when known, its duration."""
    HTTP_REQUESTS.labels(method, endpoint, str(status)).inc()
    if duration is not None:
        HTTP_LATENCY.labels(method, endpoint).observe(duration)


_JOBS_KEY = "jazyl:metrics:jobs"
_NOTIFY_KEY = "jazyl:metrics:notifications"


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def _redis_call(fn: Callable) -> None:
    try:
        fn(get_redis(), current_app.config.get("RQ_QUEUE_PREFIX") or "")
    except Exception as exc:  # metrics never fail the work they count
        log.debug("metrics: redis unavailable (%s)", exc)


def count_job(queue: str, outcome: str, seconds: float) -> None:
    """One finished job attempt: ``outcome`` is ``ok``, ``retry`` or ``failed``."""

    def write(r, prefix: str) -> None:
        key = prefix + _JOBS_KEY
        pipe = r.pipeline(transaction=False)
        pipe.hincrby(key, f"{queue}|count|{outcome}", 1)
        pipe.hincrbyfloat(key, f"{queue}|sum", seconds)
        pipe.hincrby(key, f"{queue}|n", 1)
        for bound in JOB_BUCKETS:
            if seconds <= bound:
                pipe.hincrby(key, f"{queue}|le|{bound}", 1)
        pipe.execute()

    _redis_call(write)


def count_notification(channel: str, outcome: str) -> None:
    """A notification ``sent`` or ``failed`` (one provider attempt that did not deliver)."""
    _redis_call(lambda r, prefix: r.hincrby(prefix + _NOTIFY_KEY, f"{channel}|{outcome}", 1))


def count_booking() -> None:
    """A booking was committed (call as an after-commit hook)."""
    BOOKINGS_CREATED.inc()


def redis_families(r, prefix: str) -> Iterable:
    """The worker numbers, read from Redis, as metric families."""
    jobs = {k.decode() if isinstance(k, bytes) else k: v for k, v in r.hgetall(prefix + _JOBS_KEY).items()}
    counts = CounterMetricFamily(
        "jazyl_jobs", "Background job attempts by queue and outcome", labels=["queue", "outcome"]
    )
    queues = set()
    for field, value in sorted(jobs.items()):
        queue, kind, *rest = field.split("|")
        queues.add(queue)
        if kind == "count":
            counts.add_metric([queue, rest[0]], float(value))
    yield counts
    durations = HistogramMetricFamily("jazyl_job_duration_seconds", "Time a job attempt ran", labels=["queue"])
    for queue in sorted(queues):
        buckets = [(str(b), float(jobs.get(f"{queue}|le|{b}", 0))) for b in JOB_BUCKETS]
        buckets.append(("+Inf", float(jobs.get(f"{queue}|n", 0))))
        durations.add_metric([queue], buckets, float(jobs.get(f"{queue}|sum", 0)))
    yield durations
    sent = CounterMetricFamily(
        "jazyl_notifications", "Notification deliveries by channel and outcome", labels=["channel", "outcome"]
    )
    for field, value in sorted(r.hgetall(prefix + _NOTIFY_KEY).items()):
        field = field.decode() if isinstance(field, bytes) else field
        channel, outcome = field.split("|", 1)
        sent.add_metric([channel, outcome], float(value))
    yield sent


def exposition(extra: object | None = None) -> bytes:
    """The text format of every metric: this process's (or all workers') plus ``extra``'s."""
    registry = CollectorRegistry()
    if multiprocess_dir():
        MultiProcessCollector(registry)
    else:
        registry.register(_Local())
    if extra is not None:
        registry.register(extra)
    return generate_latest(registry)


class _Local:
    """This process's instruments (the single-process case)."""

    def collect(self):
        yield from REGISTRY.collect()


def mark_process_dead(pid: int) -> None:
    """gunicorn's ``child_exit``: drop a dead worker's live gauges (its counters stay summed)."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid)
