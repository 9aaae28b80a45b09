"""The cache's Redis client, JSON values under a key, and what is cached for how long.

Every Redis failure (server down, timeout, bad data) is logged and treated as a miss or a
no-op: the caller computes the answer from the database instead of failing the request.
After a connection failure the client is left alone for a few seconds.
"""

from __future__ import annotations

import json
import logging
from time import monotonic
from typing import Any

import redis

from app.core.redis import get_redis

log = logging.getLogger(__name__)

ERRORS = (redis.RedisError, OSError, ValueError, TypeError)


_PAUSE = 5.0  # seconds without Redis after a connection failure (no 2 s connect timeout per call)


def client() -> redis.Redis | None:
    try:
        r = get_redis()
    except (RuntimeError, KeyError):  # no app context, or Redis not configured
        return None
    if getattr(r, "__dict__", {}).get("_jz_down_until", 0.0) > monotonic():
        return None
    return r


def failed(r: redis.Redis | None, exc: BaseException) -> None:
    """After a connection failure, leave this client alone for a few seconds."""
    if isinstance(exc, redis.ConnectionError | redis.TimeoutError | OSError) and hasattr(r, "__dict__"):
        r.__dict__["_jz_down_until"] = monotonic() + _PAUSE


def get_json(key: str) -> Any | None:
    """The cached value, or ``None`` on a miss or any Redis problem."""
    r = client()
    if r is None:
        return None
    try:
        raw = r.get(key)
        return None if raw is None else json.loads(raw)
    except ERRORS as exc:
        failed(r, exc)
        log.warning("cache read failed for %s", key, exc_info=True)
        return None


def set_json(key: str, value: Any, ttl: int) -> bool:
    r = client()
    if r is None:
        return False
    try:
        r.set(key, json.dumps(value, separators=(",", ":")), ex=int(ttl))
        return True
    except ERRORS as exc:
        failed(r, exc)
        log.warning("cache write failed for %s", key, exc_info=True)
        return False


def delete(*keys: str) -> None:
    r = client()
    if r is None or not keys:
        return
    try:
        r.delete(*keys)
    except ERRORS as exc:
        failed(r, exc)
        log.warning("cache delete failed", exc_info=True)


# ---------------------------------------------------------------- what is cached, for how long
#
# The one table of lifetimes (seconds).  Entries are also invalidated at once by their
# versioned keys; the lifetime only bounds how long an entry nobody reads again stays.
TTL = {
    "availability": 300,  # computed slots (the "now" bucket is part of the key as well)
    "schedules": 1800,  # which masters take a service, with their zone and the service's length
    "services": 3600,
    "masters": 3600,
    "locations": 3600,
    "business": 3600,
    "tenant": 3600,  # the tenant row a host or subdomain resolves to
    "subdomain": 86400,  # subdomain -> tenant id (checked against the versioned tenant entry)
    "page": 60,  # the booking page's HTML (app.web.public.fragments): its key holds the minute
}
VERSION_TTL = 7 * 86400  # a version that expires is simply replaced by a fresh one: every entry misses

# How long a browser or CDN may keep a public API answer (``Cache-Control: public, max-age``).
HTTP_MAX_AGE = {"availability": 30, "masters": 120, "services": 300, "business": 300}
