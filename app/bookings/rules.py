"""Field rules of bookings (see app.core.fields)."""

from __future__ import annotations

from app.core.fields import rule

NOTES = rule("booking.notes", max_length=2000)
CANCEL_REASON = rule("booking.cancel_reason", max_length=500)
IDEMPOTENCY_KEY = rule("booking.idempotency_key", required=True, max_length=200)
