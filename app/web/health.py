"""``GET /health`` on every host: database and Redis (503 naming what failed), and the outbox.

Two kinds of "degraded", on purpose with different status codes:

- a dead dependency (database or Redis) answers **503**: this instance cannot serve, and a
  load balancer or ``docker compose`` health check should take it out of rotation;
- a notification problem answers **200** with ``"status": "degraded"``: too many outbox rows
  overdue (no worker sending) or failing (a provider down), or messages that used up their
  retries recently.  Pages and bookings still work, so pulling the instance would only add an
  outage; monitoring reads ``status`` and the ``outbox`` counts instead.

Thresholds (environment or app config): ``HEALTH_OUTBOX_OVERDUE_MINUTES`` (15),
``HEALTH_OUTBOX_MAX`` (20) and ``HEALTH_FAILED_WINDOW_HOURS`` (24).
"""

from __future__ import annotations

import os
from datetime import timedelta

from flask import Flask, current_app, jsonify
from sqlalchemy import text

from app.core.redis import get_redis
from app.extensions import db, limiter
from app.notifications.queries import outbox_counts


def _int_setting(name: str, default: int) -> int:
    value = current_app.config.get(name)
    if value in (None, ""):
        value = os.environ.get(name)
    try:
        return int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def check_health() -> tuple[bool, dict[str, str]]:
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        db.session.rollback()
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        get_redis().ping()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = f"error: {type(exc).__name__}"
    return all(v == "ok" for v in checks.values()), checks


def check_outbox() -> tuple[bool, dict[str, int]]:
    """The outbox counts and whether they are within the thresholds."""
    counts = outbox_counts(
        overdue_after=timedelta(minutes=_int_setting("HEALTH_OUTBOX_OVERDUE_MINUTES", 15)),
        failed_window=timedelta(hours=_int_setting("HEALTH_FAILED_WINDOW_HOURS", 24)),
    )
    limit = _int_setting("HEALTH_OUTBOX_MAX", 20)
    ok = counts["overdue"] <= limit and counts["retrying"] <= limit and counts["failed"] == 0
    return ok, counts


@limiter.exempt
def health(**_route_values):
    ok, checks = check_health()
    body: dict = {"status": "ok" if ok else "degraded", "checks": checks}
    if not ok:
        return jsonify(body), 503
    try:
        outbox_ok, body["outbox"] = check_outbox()
        checks["outbox"] = "ok" if outbox_ok else "degraded"
    except Exception as exc:
        db.session.rollback()
        outbox_ok, checks["outbox"] = False, f"error: {type(exc).__name__}"
    if not outbox_ok:
        body["status"] = "degraded"
    return jsonify(body), 200


def register(app: Flask) -> None:
    app.add_url_rule("/health", "health", health)
    app.add_url_rule("/health", "health_sub", health, subdomain="<sub:tenant>")
    app.add_url_rule("/health", "health_sub2", health, subdomain="<sub:area>.<sub:tenant>")
