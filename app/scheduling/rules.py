"""Field rules of schedules and time off (see app.core.fields)."""

from __future__ import annotations

from app.core.fields import rule

TIME_OFF_REASON = rule("scheduling.time_off_reason", max_length=200)
