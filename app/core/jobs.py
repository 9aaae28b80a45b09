"""The ``@job`` wrapper: background work that runs like a small request.

A job function is declared with ``@job("notifications")`` and takes ids and primitives
only.  ``fn.delay(*args, tenant_id=..., locale=...)`` registers the enqueue as an
after-commit hook, so the worker never sees a job for data that is not committed yet.
In the worker the wrapper pushes an app context, enters the job's scope and the
recipient's locale, commits once at the end (or rolls back), and removes the session,
so every job gets a fresh session.

A job names its scope explicitly: a tenant job gets ``tenant_id=`` at enqueue time; a
platform job is declared ``@job(..., platform=True)`` and runs in :func:`unscoped` (logged
with the job's name).  Enqueueing a tenant job without a tenant id raises
:class:`~app.core.tenancy.TenantScopeError` at the call site, and the runner refuses a
job that arrives without either, so nothing runs unscoped by default.

Outside a request the wrapper needs an app: ``worker.py`` hands it the one it built
(:func:`set_worker_app`); any other process that runs a job (an ``rq worker`` started by
hand) builds one with the factory registered by :func:`set_app_factory` (the app package
registers ``create_app`` when it is imported, so core never imports the factory).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, has_app_context
from rq import Queue, Retry, get_current_job

from app.core import metrics, tenancy
from app.core.db import after_commit, clear_write_intent, declare_write_intent
from app.core.i18n import in_locale
from app.core.logs import REQUEST_ID
from app.core.redis import get_redis
from app.extensions import db

log = logging.getLogger(__name__)
QUEUES = ("notifications", "default", "low")
_worker_app: Flask | None = None
_app_factory: Callable[[], Flask] | None = None


def set_worker_app(app: Flask) -> None:
    global _worker_app
    _worker_app = app


def set_app_factory(factory: Callable[[], Flask]) -> None:
    global _app_factory
    _app_factory = factory


def _app_for_job() -> Flask:
    if _worker_app is None:
        if _app_factory is None:
            raise RuntimeError("a job ran outside an app context and no app factory is registered (set_app_factory)")
        set_worker_app(_app_factory())
    return _worker_app


def get_queue(name: str = "default") -> Queue:
    prefix = current_app.config.get("RQ_QUEUE_PREFIX") or ""
    return Queue(prefix + name, connection=get_redis())


def _scope_for(fn: Callable, tenant_id: int | None, platform: bool):
    if tenant_id is not None:
        return tenancy.tenant_scope(tenant_id)
    if platform:
        return tenancy.unscoped(f"job {fn.__module__}.{fn.__qualname__}")
    raise tenancy.TenantScopeError(f"job {fn.__qualname__} needs tenant_id= (or is declared platform=True)")


def _run(fn: Callable, args: tuple, kwargs: dict, tenant_id: int | None, locale: str | None, platform: bool) -> Any:
    scope = _scope_for(fn, tenant_id, platform)
    token = declare_write_intent()
    with scope, in_locale(locale):
        try:
            result = fn(*args, **kwargs)
            db.session.commit()
            return result
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()
            clear_write_intent(token)


def _attempt() -> tuple[str | None, int]:
    """(RQ job id, attempt number) of the job this process runs; counted in the job's meta."""
    current = get_current_job()
    if current is None:
        return None, 1
    attempt = int(current.meta.get("attempt", 0)) + 1
    current.meta["attempt"] = attempt
    try:
        current.save_meta()
    except Exception:  # the count is informational; the job still runs
        log.debug("could not save the attempt count of job %s", current.id)
    return current.id, attempt


def _run_logged(fn: Callable, queue: str, args: tuple, kwargs: dict, scope: tuple) -> Any:
    """Run in the worker: the request id of the enqueuing request, one log line, the metrics."""
    tenant_id, locale, platform, request_id = scope
    job_id, attempt = _attempt()
    rid_token = REQUEST_ID.set(request_id or (f"job-{job_id}" if job_id else None))
    started, outcome = time.perf_counter(), "ok"
    try:
        return _run(fn, args, kwargs, tenant_id, locale, platform)
    except Exception as exc:
        outcome = "retry" if _will_retry() else "failed"
        log.warning(
            "job %s %s: %s",
            fn.__qualname__,
            outcome,
            type(exc).__name__,
            extra={"job_id": job_id, "queue": queue, "attempt": attempt, "outcome": outcome, "tenant_id": tenant_id},
        )
        raise
    finally:
        seconds = time.perf_counter() - started
        metrics.count_job(queue, outcome, seconds)
        if outcome == "ok":
            log.info(
                "job %s ok",
                fn.__qualname__,
                extra={
                    "job_id": job_id,
                    "queue": queue,
                    "attempt": attempt,
                    "outcome": outcome,
                    "duration_ms": round(seconds * 1000, 2),
                    "tenant_id": tenant_id,
                },
            )
        REQUEST_ID.reset(rid_token)


def _will_retry() -> bool:
    current = get_current_job()
    return bool(current is not None and (current.retries_left or 0) > 0)


def job(
    queue: str = "default",
    *,
    retry: Retry | Callable[[], Retry] | None = None,
    timeout: int = 300,
    platform: bool = False,
) -> Callable:
    """Declare a background job on ``queue``; see the module docstring.

    ``retry`` may be a function returning the ``Retry``, called at enqueue time (so its
    intervals can come from the app's configuration).  ``platform=True`` declares a
    platform-wide job (it runs in the audited :func:`~app.core.tenancy.unscoped` path)."""

    def decorator(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def runner(
            *args: Any,
            _tenant_id: int | None = None,
            _locale: str | None = None,
            _request_id: str | None = None,
            **kwargs: Any,
        ):
            if has_app_context():
                return _run(fn, args, kwargs, _tenant_id, _locale, platform)
            with _app_for_job().app_context():
                return _run_logged(fn, queue, args, kwargs, (_tenant_id, _locale, platform, _request_id))

        def enqueue_now(
            *args: Any,
            tenant_id: int | None = None,
            locale: str | None = None,
            job_id: str | None = None,
            **kwargs: Any,
        ):
            _check_scope(fn, tenant_id, platform)
            q = get_queue(queue)
            # One round trip: RQ's own enqueue registers the queue and then stores and pushes
            # the job in two MULTI/EXEC blocks; given a pipeline it queues both on it.
            pipe = q.connection.pipeline()
            job = q.enqueue(
                runner,
                *args,
                _tenant_id=tenant_id,
                _locale=locale,
                _request_id=REQUEST_ID.get(),
                **kwargs,
                job_id=job_id,
                retry=retry() if callable(retry) else retry,
                job_timeout=timeout,
                result_ttl=3600,
                failure_ttl=7 * 86400,
                pipeline=pipe,
            )
            pipe.execute()
            return job

        def delay(*args: Any, **kwargs: Any) -> None:
            _check_scope(fn, kwargs.get("tenant_id"), platform)
            after_commit(_safe_enqueue, enqueue_now, args, kwargs)

        runner.enqueue_now = enqueue_now
        runner.delay = delay
        runner.queue_name = queue
        runner.platform = platform
        runner.original = fn
        return runner

    return decorator


def _check_scope(fn: Callable, tenant_id: int | None, platform: bool) -> None:
    if tenant_id is None and not platform:
        raise tenancy.TenantScopeError(f"job {fn.__qualname__} needs tenant_id= (or is declared platform=True)")


def _safe_enqueue(enqueue_now: Callable, args: tuple, kwargs: dict) -> None:
    """Redis being down must not fail a committed request: the outbox sweep catches up."""
    try:
        enqueue_now(*args, **kwargs)
    except Exception as exc:
        log.warning("enqueue failed (%s); the periodic sweep will retry", exc)
