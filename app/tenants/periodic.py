"""Periodic work of the tenants package: the trial notices, ends and suspensions."""

from __future__ import annotations

from app.core.periodic import register_task
from app.tenants.jobs import sweep_trials


def register() -> None:
    register_task("trial_sweep", sweep_trials, minutes=60, queue="low")
