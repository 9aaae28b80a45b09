"""The ``@job`` wrapper: background work that runs like a small request.

A job function is declared with ``@job("notifications")`` and takes ids and primitives
only.  ``fn.delay(*args, tenant_id=..., locale=...)`` registers the enqueue as an
after-commit hook, so the worker never sees a job for data that is not committed yet.
In the worker the wrapper pushes an app context, enters the tenant scope and the
recipient's locale, commits once at the end (or rolls back), and removes the session,
so every job gets a fresh session bound to one tenant.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, has_app_context
from rq import Queue, Retry

from app.core import tenancy
from app.core.db import after_commit, clear_write_intent, declare_write_intent
from app.core.i18n import in_locale
from app.core.redis import get_redis
from app.extensions import db

log = logging.getLogger(__name__)
QUEUES = ("notifications", "default", "low")
_worker_app: Flask | None = None


def set_worker_app(app: Flask) -> None:
    global _worker_app
    _worker_app = app


def get_queue(name: str = "default") -> Queue:
    prefix = current_app.config.get("RQ_QUEUE_PREFIX") or ""
    kwargs = {"connection": get_redis(), "is_async": not current_app.config.get("RQ_SYNC", False)}
    return Queue(prefix + name, **kwargs)


def _run(fn: Callable, args: tuple, kwargs: dict, tenant_id: int | None, locale: str | None) -> Any:
    scope = tenancy.tenant_scope(tenant_id) if tenant_id is not None else tenancy.unscoped()
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


def job(queue: str = "default", *, retry: Retry | Callable[[], Retry] | None = None, timeout: int = 300) -> Callable:
    """Declare a background job on ``queue``; see the module docstring.

    ``retry`` may be a function returning the ``Retry``, called at enqueue time (so its
    intervals can come from the app's configuration)."""

    def decorator(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def runner(*args: Any, _tenant_id: int | None = None, _locale: str | None = None, **kwargs: Any):
            if has_app_context():
                return _run(fn, args, kwargs, _tenant_id, _locale)
            app = _worker_app
            if app is None:
                from app import create_app

                app = create_app()
                set_worker_app(app)
            with app.app_context():
                return _run(fn, args, kwargs, _tenant_id, _locale)

        def enqueue_now(
            *args: Any,
            tenant_id: int | None = None,
            locale: str | None = None,
            job_id: str | None = None,
            **kwargs: Any,
        ):
            q = get_queue(queue)
            return q.enqueue(
                runner,
                *args,
                _tenant_id=tenant_id,
                _locale=locale,
                **kwargs,
                job_id=job_id,
                retry=retry() if callable(retry) else retry,
                job_timeout=timeout,
                result_ttl=3600,
                failure_ttl=7 * 86400,
            )

        def delay(*args: Any, **kwargs: Any) -> None:
            after_commit(_safe_enqueue, enqueue_now, args, kwargs)

        runner.enqueue_now = enqueue_now
        runner.delay = delay
        runner.queue_name = queue
        runner.original = fn
        return runner

    return decorator


def _safe_enqueue(enqueue_now: Callable, args: tuple, kwargs: dict) -> None:
    """Redis being down must not fail a committed request: the outbox sweep catches up."""
    try:
        enqueue_now(*args, **kwargs)
    except Exception as exc:
        log.warning("enqueue failed (%s); the periodic sweep will retry", exc)
