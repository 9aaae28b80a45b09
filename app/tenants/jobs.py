"""Periodic trial handling lives in the billing package (app.billing.jobs); this name stays
because the periodic schedule (app.tenants.periodic) and deployed workers refer to it."""

from __future__ import annotations

from app.billing.jobs import sweep_trials

__all__ = ["sweep_trials"]
