"""Periodic work of the analytics package: the health check, the daily roll-up, old checks go."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from app.analytics.jobs import daily_rollup, health_check
from app.analytics.models import SystemCheck
from app.core.periodic import register_cleanup, register_task

CHECKS_KEPT = timedelta(days=30)


def register() -> None:
    register_task("health_check", health_check, minutes=1, queue="low")
    register_task("daily_rollup", daily_rollup, minutes=24 * 60, queue="low")
    register_cleanup("system_checks", lambda now: delete(SystemCheck).where(SystemCheck.created_at < now - CHECKS_KEPT))
