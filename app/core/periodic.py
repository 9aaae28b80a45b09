"""Periodic jobs and the loop that schedules them (run by ``worker.py``).

Every task has a period; time is cut into numbered slots of that length and a slot is
claimed in Redis with ``SET NX`` (key ``<RQ_QUEUE_PREFIX>periodic:<task>:<slot>``) before
its job is enqueued under the deterministic id ``<prefix>periodic-<task>-<slot>``.  However many
workers run the loop, each period's job is enqueued once.  The tasks themselves are
idempotent (outbox keys, replace-by-day roll-ups), so a slot that runs late is harmless.

``PERIODIC_MINUTE_SECONDS`` (default 60) sets how long a "minute" is, for tests and demos.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from flask import Flask, current_app
from sqlalchemy import delete, or_

from app.core.jobs import job
from app.core.redis import get_redis
from app.core.tenancy import tenant_scope, unscoped
from app.core.types import utcnow
from app.extensions import db

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Task:
    name: str
    target: str  # "module:function"
    minutes: int
    queue: str = "default"


TASKS = (
    Task("outbox_sweep", "app.notifications.jobs:sweep_outbox", 1),
    Task("reminder_sweep", "app.notifications.reminders:sweep_reminders", 1),
    Task("health_check", "app.analytics.jobs:health_check", 1, "low"),
    Task("trial_sweep", "app.tenants.jobs:sweep_trials", 60, "low"),
    Task("cleanup", "app.core.periodic:cleanup", 60, "low"),
    Task("daily_rollup", "app.analytics.jobs:daily_rollup", 24 * 60, "low"),
)
TASKS_BY_NAME = {t.name: t for t in TASKS}


def _resolve(target: str) -> Callable:
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


def run_task(name: str):
    """Run one periodic task now.  The job runs in the platform scope; sweeps that touch
    tenant-owned rows handle each tenant in its own scope and commit (see each task)."""
    return _resolve(TASKS_BY_NAME[name].target)()


@job("default", timeout=600, platform=True)
def run_periodic(name: str):
    return run_task(name)


@job("low", timeout=1800, platform=True)
def run_periodic_low(name: str):
    return run_task(name)


def each_tenant(tenant_ids: Iterable[int], work: Callable[[int], T], what: str) -> dict[int, T]:
    """Run ``work(tenant_id)`` for each tenant in its own scope and unit of work.

    Each tenant's changes are committed on their own; a tenant whose work fails is rolled
    back and logged, the remaining tenants still run, and the first error is raised at the
    end so the job is reported failed."""
    results: dict[int, T] = {}
    first_error: Exception | None = None
    for tenant_id in sorted(set(tenant_ids)):
        try:
            with tenant_scope(tenant_id):
                results[tenant_id] = work(tenant_id)
                db.session.commit()
        except Exception as exc:
            db.session.rollback()
            log.exception("%s failed for tenant %s", what, tenant_id)
            first_error = first_error or exc
    if first_error is not None:
        raise first_error
    return results


def cleanup() -> dict:
    """Delete expired client sessions, refresh tokens, idempotency keys, codes and old checks.

    One statement per table across every tenant, so it runs in the (audited) platform scope."""
    from app.accounts.models import ClientSession, ClientVerification, RefreshToken
    from app.analytics.models import SystemCheck
    from app.bookings.models import IdempotencyKey

    now = utcnow()
    day_ago = now - timedelta(days=1)
    done = {}
    with unscoped("cleanup: expired rows of every tenant"):
        for label, stmt in (
            (
                "client_sessions",
                delete(ClientSession).where(or_(ClientSession.expires_at < now, ClientSession.revoked_at < day_ago)),
            ),
            ("refresh_tokens", delete(RefreshToken).where(RefreshToken.expires_at < now)),
            ("idempotency_keys", delete(IdempotencyKey).where(IdempotencyKey.expires_at < now)),
            ("client_verifications", delete(ClientVerification).where(ClientVerification.expires_at < day_ago)),
            ("system_checks", delete(SystemCheck).where(SystemCheck.created_at < now - timedelta(days=30))),
        ):
            done[label] = db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount or 0
    return done


# ---------------------------------------------------------------- the scheduling loop


def minute_seconds() -> float:
    return float(os.environ.get("PERIODIC_MINUTE_SECONDS") or 60)


def tick(app: Flask, last: dict[str, int], now: float | None = None) -> list[str]:
    """Enqueue every task whose slot started since the last tick; returns the job ids enqueued."""
    now = time.time() if now is None else now
    enqueued = []
    with app.app_context():
        prefix = current_app.config.get("RQ_QUEUE_PREFIX") or ""
        redis = get_redis()
        for task in TASKS:
            period = max(1.0, task.minutes * minute_seconds())
            slot = int(now // period)
            if last.get(task.name) == slot:
                continue
            last[task.name] = slot
            if not redis.set(f"{prefix}periodic:{task.name}:{slot}", "1", nx=True, ex=int(period) + 60):
                continue  # another worker has this period
            runner = run_periodic_low if task.queue == "low" else run_periodic
            job_id = re.sub(r"[^A-Za-z0-9_-]", "_", f"{prefix}periodic-{task.name}-{slot}")
            runner.enqueue_now(task.name, job_id=job_id)
            enqueued.append(job_id)
    return enqueued


class PeriodicLoop(threading.Thread):
    """Background thread of the worker's main process; ``stop()`` ends it within a second."""

    def __init__(self, app: Flask, interval: float = 1.0):
        super().__init__(name="periodic", daemon=True)
        self.app = app
        self.interval = interval
        self._stop_event = threading.Event()
        self.last: dict[str, int] = {}

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                tick(self.app, self.last)
            except Exception as exc:
                log.warning("periodic tick failed: %s", exc)
                self.last.clear()
            self._stop_event.wait(self.interval)
