"""Periodic jobs of the analytics package: the daily roll-up and the system health check."""

from __future__ import annotations

import time

from flask import current_app
from rq import Queue, Worker
from sqlalchemy import select

from app.analytics import services
from app.analytics.models import SystemCheck
from app.core.jobs import QUEUES, get_queue
from app.core.redis import get_redis
from app.core.types import utcnow
from app.extensions import db
from app.notifications.models import Notification


def daily_rollup() -> int:
    return services.roll_up()


def _queue_lag(q: Queue) -> float | None:
    """Seconds the oldest waiting job has been waiting (the worker lag)."""
    ids = q.get_job_ids(0, 1)
    if not ids:
        return 0.0
    job = q.fetch_job(ids[0])
    if job is None or job.enqueued_at is None:
        return None
    enq = job.enqueued_at if job.enqueued_at.tzinfo else job.enqueued_at.replace(tzinfo=utcnow().tzinfo)
    return max(0.0, (utcnow() - enq).total_seconds())


def health_check() -> SystemCheck:
    """Record database and Redis round trips, queue sizes, lag, workers and the outbox backlog."""
    details: dict = {}
    status = "ok"
    t0 = time.perf_counter()
    try:
        db.session.execute(select(1))
        details["database_ms"] = round((time.perf_counter() - t0) * 1000, 2)
        details["outbox_queued"] = db.session.scalar(
            select(db.func.count(Notification.id)).where(Notification.status.in_(("queued", "sending")))
        )
        details["outbox_failed"] = db.session.scalar(
            select(db.func.count(Notification.id)).where(Notification.status == "failed")
        )
    except Exception as exc:
        status, details["database_error"] = "down", str(exc)[:500]
        db.session.rollback()
    t0 = time.perf_counter()
    try:
        get_redis().ping()
        details["redis_ms"] = round((time.perf_counter() - t0) * 1000, 2)
        queues, lag = {}, {}
        for name in QUEUES:
            q = get_queue(name)
            queues[name] = q.count
            lag[name] = _queue_lag(q)
        details["queues"], details["lag_seconds"] = queues, lag
        details["workers"] = len(Worker.all(connection=get_redis()))
        if max((v or 0) for v in lag.values()) > int(current_app.config.get("HEALTH_MAX_LAG_SECONDS", 300)):
            status = "degraded" if status == "ok" else status
        if details["workers"] == 0:
            status = "degraded" if status == "ok" else status
    except Exception as exc:
        status = "down" if status == "down" else "degraded"
        details["redis_error"] = str(exc)[:500]
    check = SystemCheck(status=status, details=details, created_at=utcnow())
    db.session.add(check)
    db.session.flush()
    return check
