"""Periodic trial handling lives in the billing package (app.billing.jobs); this name stays
because the periodic schedule (app.core.periodic) and deployed workers refer to it."""

from __future__ import annotations

from app.billing.jobs import sweep_trials
from app.billing.services import NOTICE_BEFORE, TRIAL_EXPIRED

__all__ = ["NOTICE_BEFORE", "TRIAL_EXPIRED", "sweep_trials"]
