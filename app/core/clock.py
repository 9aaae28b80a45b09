"""The one source of "now", so tests can drive time without sleeping.

``clock.freeze(dt)`` pins now; ``clock.travel(delta)`` shifts it; ``clock.reset()`` goes
back to the real clock.  A worker process can be started with ``JAZYL_FAKE_NOW`` (an ISO
instant) to run periodic sweeps at a chosen moment.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

_frozen: datetime | None = None
_offset = timedelta(0)


def now() -> datetime:
    if _frozen is not None:
        return _frozen
    fake = os.environ.get("JAZYL_FAKE_NOW")
    if fake:
        return datetime.fromisoformat(fake).astimezone(UTC)
    return datetime.now(UTC) + _offset


def freeze(at: datetime) -> None:
    global _frozen
    if at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at.astimezone(UTC)


def travel(delta: timedelta) -> None:
    global _frozen, _offset
    if _frozen is not None:
        _frozen = _frozen + delta
    else:
        _offset += delta


def reset() -> None:
    global _frozen, _offset
    _frozen = None
    _offset = timedelta(0)
