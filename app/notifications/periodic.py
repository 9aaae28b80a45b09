"""Periodic work of the notifications package: the outbox sweep and the reminder sweep."""

from __future__ import annotations

from app.core.periodic import register_task
from app.notifications.jobs import sweep_outbox
from app.notifications.reminders import sweep_reminders


def register() -> None:
    register_task("outbox_sweep", sweep_outbox, minutes=1)
    register_task("reminder_sweep", sweep_reminders, minutes=1)
