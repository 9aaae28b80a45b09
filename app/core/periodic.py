"""Periodic jobs and the loop that schedules them (run by ``worker.py``).

Core knows no task of its own domain: each domain package declares its periodic work in
its ``periodic.py`` (:func:`register_task` for a job run every N minutes,
:func:`register_cleanup` for a statement deleting expired rows), and the app factory calls
those declarations once at setup.  Core owns the registry, the hourly ``cleanup`` task that
runs every registered cleanup, and the loop.

Every task has a period; time is cut into numbered slots of that length and a slot is
claimed in Redis with ``SET NX`` (key ``<RQ_QUEUE_PREFIX>periodic:<task>:<slot>``) before
its job is enqueued under the deterministic id ``<prefix>periodic-<task>-<slot>``.  However many
workers run the loop, each period's job is enqueued once.  The tasks themselves are
idempotent (outbox keys, replace-by-day roll-ups), so a slot that runs late is harmless.

``PERIODIC_MINUTE_SECONDS`` (default 60) sets how long a "minute" is, for tests and demos.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from flask import Flask, current_app
from sqlalchemy.sql import Executable

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
    run: Callable[[], Any]
    minutes: int
    queue: str = "default"


# The registry, filled at app setup.  TASKS keeps the order of registration (the loop
# enqueues in that order); registering a name again replaces it, so setting up a second
# app in one process (tests) registers nothing twice.
TASKS: list[Task] = []
_CLEANUPS: dict[str, Callable[[datetime], Executable]] = {}


def register_task(name: str, run: Callable[[], Any], *, minutes: int, queue: str = "default") -> None:
    """Run ``run()`` every ``minutes`` on ``queue`` (``default`` or ``low``) in the platform scope."""
    if queue not in ("default", "low"):
        raise ValueError(f"periodic task {name!r}: queue must be 'default' or 'low', not {queue!r}")
    task = Task(name, run, minutes, queue)
    for i, known in enumerate(TASKS):
        if known.name == name:
            TASKS[i] = task
            return
    TASKS.append(task)


def register_cleanup(label: str, statement: Callable[[datetime], Executable]) -> None:
    """Add a statement to the hourly cleanup: ``statement(now)`` deletes expired rows of every
    tenant, and the cleanup reports its row count under ``label``."""
    _CLEANUPS[label] = statement


def run_task(name: str):
    """Run one periodic task now.  The job runs in the platform scope; sweeps that touch
    tenant-owned rows handle each tenant in its own scope and commit (see each task)."""
    for task in TASKS:
        if task.name == name:
            return task.run()
    raise LookupError(f"no periodic task {name!r} is registered")


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


def cleanup() -> dict[str, int]:
    """Run every registered cleanup: one statement per table across every tenant, so it runs
    in the (audited) platform scope.  Returns the rows deleted per label."""
    now = utcnow()
    done = {}
    with unscoped("cleanup: expired rows of every tenant"):
        for label, statement in _CLEANUPS.items():
            stmt = statement(now).execution_options(synchronize_session=False)
            done[label] = db.session.execute(stmt).rowcount or 0
    return done


register_task("cleanup", cleanup, minutes=60, queue="low")


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
