"""Domain events -> outbox rows. Filled in by the notifications package."""
from __future__ import annotations

from typing import Any


def tenant_event(event: str, tenant: Any, owner: Any = None, **extra: Any) -> None:
    return None
