"""A small JSON cache on Redis that never takes the site down.

Values are JSON under a key the caller builds; invalidation is by *versioned keys*: the
key contains version numbers that every write affecting the answer bumps (in the same
database transaction, see ``app.scheduling.services``), so a stale entry is simply never
read again and expires on its TTL.  Every Redis failure (server down, timeout, bad data)
is logged and treated as a miss or a no-op: the caller computes the answer from the
database instead of failing the request.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import redis

log = logging.getLogger(__name__)

_ERRORS = (redis.RedisError, OSError, ValueError, TypeError)


def _client() -> redis.Redis | None:
    try:
        from app.core.redis import get_redis

        return get_redis()
    except (RuntimeError, KeyError):  # no app context, or Redis not configured
        return None


def get_json(key: str) -> Any | None:
    """The cached value, or ``None`` on a miss or any Redis problem."""
    r = _client()
    if r is None:
        return None
    try:
        raw = r.get(key)
        return None if raw is None else json.loads(raw)
    except _ERRORS:
        log.warning("cache read failed for %s", key, exc_info=True)
        return None


def set_json(key: str, value: Any, ttl: int) -> bool:
    r = _client()
    if r is None:
        return False
    try:
        r.set(key, json.dumps(value, separators=(",", ":")), ex=int(ttl))
        return True
    except _ERRORS:
        log.warning("cache write failed for %s", key, exc_info=True)
        return False


def delete(*keys: str) -> None:
    r = _client()
    if r is None or not keys:
        return
    try:
        r.delete(*keys)
    except _ERRORS:
        log.warning("cache delete failed", exc_info=True)
