"""``GET /health`` on every host: database and Redis, 503 naming what failed."""

from __future__ import annotations

from flask import Flask, jsonify
from sqlalchemy import text

from app.core.redis import get_redis
from app.extensions import db, limiter


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


@limiter.exempt
def health(**_route_values):
    ok, checks = check_health()
    body = {"status": "ok" if ok else "degraded", "checks": checks}
    return jsonify(body), 200 if ok else 503


def register(app: Flask) -> None:
    app.add_url_rule("/health", "health", health)
    app.add_url_rule("/health", "health_sub", health, subdomain="<sub:tenant>")
    app.add_url_rule("/health", "health_sub2", health, subdomain="<sub:area>.<sub:tenant>")
