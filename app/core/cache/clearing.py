"""Clearing a tenant's (or every tenant's) cached entries: the operator's tool."""

from __future__ import annotations

import redis

from app.core.cache.store import client
from app.core.cache.versions import forget_memo

# ---------------------------------------------------------------- clearing
#
# An operator's tool (admin panel, ``flask cache-clear``): new version tokens make every
# entry of a tenant unreachable at once, and the entries themselves are deleted too, so
# memory is freed now rather than at their TTL.  Rate-limit windows, sign-in handoffs,
# client sessions and queued jobs live under other prefixes and are not touched.

_CLEAR_ALL = ("jz:*", "avail:*", "freedays:*")


def _clear_patterns(tenant_id: int) -> tuple[str, ...]:
    t = int(tenant_id)
    return (f"jz:ver:*:{t}", f"jz:*:{t}:*", f"avail:{t}:*", f"freedays:avail:{t}:*")


def clear(tenant_id: int | None = None) -> int:
    """Drop one tenant's cached answers (or every tenant's); returns the number of keys
    deleted.  Raises ``redis.RedisError`` when Redis cannot be reached, so the caller can
    say the cache was not cleared."""
    r = client()
    if r is None:
        raise redis.ConnectionError("Redis is not reachable")
    patterns = _CLEAR_ALL if tenant_id is None else _clear_patterns(tenant_id)
    deleted = 0
    for pattern in patterns:
        batch = []
        for key in r.scan_iter(match=pattern, count=500):
            batch.append(key)
            if len(batch) >= 500:
                deleted += r.delete(*batch)
                batch = []
        if batch:
            deleted += r.delete(*batch)
    forget_memo()
    return deleted
