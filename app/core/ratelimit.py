"""Rate limits (Flask-Limiter on the Redis storage set up in create_app).

- every API route: ``RATELIMIT_DEFAULT`` per client IP, or ``RATELIMIT_STAFF`` per user
  for requests carrying a valid staff access token (staff apps poll calendars);
- login, API and dashboard alike: ``RATELIMIT_LOGIN`` per IP and ``RATELIMIT_LOGIN_EMAIL`` per
  account (the email, from the JSON body or the form), one budget shared by both doors;
- phone verification: ``RATELIMIT_VERIFY_PHONE`` per phone and ``RATELIMIT_VERIFY_IP`` per IP;
- registration and password reset: ``RATELIMIT_REGISTER`` per IP.

A breach is ``429 rate_limited`` with ``Retry-After`` (rendered by app.core.handlers).
When Redis cannot be reached the limits keep applying from an in-process memory store
(``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``, counted per worker process, from zero) until
Redis answers again.  ``RATELIMIT_ENABLED=false`` turns all of it off.

Cost: one Redis round trip per limit checked.  The strategy is :data:`STRATEGY` (a fixed
window whose increment script also returns the window's remaining time), so the
``X-RateLimit-*`` headers need no further look-up; a public read checks one limit.

Core imports no domain package: how a bearer token names its staff user is registered at
app setup (:func:`set_token_subject`, wired in ``app/__init__.py``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from flask import current_app, g, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from limits import parse_many
from limits.strategies import STRATEGIES, FixedWindowRateLimiter
from limits.util import WindowStats

from app.core import cache
from app.core.errors import DomainError
from app.core.phones import normalize_phone
from app.extensions import limiter

DEFAULTS = {
    "RATELIMIT_STAFF": "1000 per minute",
    "RATELIMIT_LOGIN": "10 per minute",
    "RATELIMIT_LOGIN_EMAIL": "5 per minute",
    "RATELIMIT_VERIFY_PHONE": "5 per 10 minutes",
    "RATELIMIT_VERIFY_IP": "20 per 10 minutes",
    "RATELIMIT_REGISTER": "5 per hour",
}


class RateLimited(DomainError):
    """Raised by services for their own cooldowns (e.g. SMS resend)."""

    status = 429
    code = "rate_limited"
    default_message = _l("Too many requests. Please wait a moment and try again.")

    def __init__(self, retry_after: int, message=None):
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


def _conf(name: str) -> str:
    return current_app.config.get(name) or DEFAULTS[name]


def _body_value(field: str) -> str:
    """``field`` from a JSON body (API) or a form (web pages), normalised."""
    if request.is_json:
        body = request.get_json(silent=True)
        value = body.get(field) if isinstance(body, dict) else None
    else:
        value = request.form.get(field)
    return str(value).strip().lower() if value is not None else ""


# ---------------------------------------------------------------- one round trip per limit

STRATEGY = "fixed-window-one-trip"
_WINDOWS = "jazyl.ratelimit_windows"

# INCRBY (+ EXPIRE on the window's first hit) and the remaining time, in one script call.
_INCR_TTL = """
local amount = tonumber(ARGV[2])
local current = redis.call("incrby", KEYS[1], amount)
if tonumber(current) == amount then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {current, redis.call("ttl", KEYS[1])}
"""


# The same, then the cache's look-up for the request (app.core.cache.lookup), in one call.
_INCR_TTL_LOOKUP = (
    """
local amount = tonumber(ARGV[2])
local current = redis.call("incrby", KEYS[1], amount)
if tonumber(current) == amount then
    redis.call("expire", KEYS[1], ARGV[1])
end
local ttl = redis.call("ttl", KEYS[1])
"""
    + cache.lookup_lua(3)
    + """
return {current, ttl, found[1], found[2], found[3], found[4], found[5], found[6]}
"""
)
_PREFETCHED = "jazyl.ratelimit_prefetched"


class OneTripFixedWindow(FixedWindowRateLimiter):
    """Flask-Limiter's ``fixed-window`` with the window statistics of each hit kept for the
    request: on Redis a hit is one script call that also returns the window's remaining
    time, so the ``X-RateLimit-*`` headers cost no further ``GET`` and ``TTL``.  Any other
    storage (the in-memory fallback) behaves exactly as ``fixed-window``.

    When the request is a cached public read (:func:`set_prefetch`) and the limiter's Redis
    is the cache's, the same call also runs the cache's look-up for it
    (``app.core.cache.lookup``), so the whole warm read is one round trip."""

    def __init__(self, storage):
        super().__init__(storage)
        self._script = self._combined = None
        self._shares: dict[int, bool] = {}
        if hasattr(storage, "get_connection") and hasattr(storage, "prefixed_key"):
            self._script = storage.get_connection().register_script(_INCR_TTL)
            self._combined = storage.get_connection().register_script(_INCR_TTL_LOOKUP)

    def _prefetch(self) -> tuple[str, str] | None:
        if not has_request_context() or request.environ.get(_PREFETCHED):
            return None
        wanted = next((w for fn in _prefetch_for if (w := fn()) is not None), None)
        if wanted is None and g.get("tenant_subdomain"):  # a business's own host (app.core.hosts)
            wanted = (str(g.tenant_subdomain).lower(), "")
        if wanted is None:
            return None
        return wanted if self.shares_cache() else None

    def shares_cache(self) -> bool:
        """Whether this storage's Redis is the cache's, so one script call can serve both."""
        client = cache.client()
        if client is None or self._combined is None:
            return False
        shares = self._shares.get(id(client))
        if shares is None:
            shares = self._shares[id(client)] = cache.shares_server(self.storage.get_connection())
        return shares

    def hit(self, item, *identifiers: str, cost: int = 1) -> bool:
        if self._script is None:
            return super().hit(item, *identifiers, cost=cost)
        key = item.key_for(*identifiers)
        counted = _take_counted(self.storage.prefixed_key(key)) if cost == 1 else None
        if counted is not None:  # the fast path's call counted this hit already
            count, ttl = counted.count, counted.ttl
            if counted.wanted is not None and not request.environ.get(_PREFETCHED):
                request.environ[_PREFETCHED] = True
                cache.prefetched(counted.wanted[0], counted.wanted[1], counted.found, *counted.wanted[2:])
        elif (wanted := self._prefetch()) is None:
            count, ttl = self._script([self.storage.prefixed_key(key)], [item.get_expiry(), cost])
        else:
            request.environ[_PREFETCHED] = True
            count, ttl, *found = self._combined([self.storage.prefixed_key(key)], [item.get_expiry(), cost, *wanted])
            cache.prefetched(wanted[0], wanted[1], found)
        windows = _windows()
        if windows is not None:
            windows[(id(self), key)] = WindowStats(time.time() + max(int(ttl), 0), max(0, item.amount - int(count)))
        return int(count) <= item.amount

    def get_window_stats(self, item, *identifiers: str) -> WindowStats:
        windows = _windows()
        found = windows.get((id(self), item.key_for(*identifiers))) if windows is not None else None
        return found if found is not None else super().get_window_stats(item, *identifiers)


def _windows() -> dict | None:
    """This request's window statistics (kept in its WSGI environ: strictly per request)."""
    if not has_request_context():
        return None
    return request.environ.setdefault(_WINDOWS, {})


STRATEGIES.setdefault(STRATEGY, OneTripFixedWindow)  # RATELIMIT_STRATEGY (set in create_app)


# ---------------------------------------------------------------- a public read before Flask runs

API_SCOPE = "api"  # the scope of every API route's limit (default_api below)
_COUNTED = "jazyl.ratelimit_counted"


class Counted(NamedTuple):
    """One hit of the anonymous API limit, counted with the cache's look-up in the same call."""

    key: str  # the storage key Flask-Limiter uses for this limit, caller and endpoint
    amount: int
    count: int
    ttl: int
    wanted: tuple[str, ...] | None  # the look-up asked for: (subdomain, answer key[, schedules entry])
    found: list  # the look-up's raw results (app.core.cache.prefetched)

    @property
    def allowed(self) -> bool:
        return self.count <= self.amount

    def headers(self, now: float) -> list[tuple[str, str]]:
        """The ``X-RateLimit-*`` and ``Retry-After`` headers Flask-Limiter adds for this hit."""
        reset_at = int(now + max(self.ttl, 0) + 1)
        return [
            ("X-RateLimit-Limit", str(self.amount)),
            ("X-RateLimit-Remaining", str(max(0, self.amount - self.count))),
            ("X-RateLimit-Reset", str(reset_at)),
            ("Retry-After", str(int(reset_at - now))),
        ]


@lru_cache(maxsize=8)
def _single_limit(text: str):
    items = parse_many(text)
    return items[0] if len(items) == 1 else None


def count_public_read(endpoint: str, remote: str, wanted: tuple[str, ...]) -> Counted | None:
    """Hit the anonymous API limit of ``endpoint`` (:data:`default_api`) for the client
    address ``remote`` on the very key Flask-Limiter uses, and run the cache's look-up
    ``wanted`` in the same script call, for the API's fast path (app.api.v1.fastpath).

    ``None`` when it cannot be done that way: the limiter is off or counting in memory
    (Redis was down), ``RATELIMIT_DEFAULT`` names more than one limit, the limiter's Redis
    is not the cache's, or the call fails.  Hand the result to :func:`keep_counted` before
    letting Flask answer the request, so the limiter does not count it twice."""
    return _count_with_lookup([ip_key(remote), f"{endpoint}:{API_SCOPE}"], wanted)


def count_page_view(endpoint: str, remote: str, wanted: tuple[str, ...]) -> Counted | None:
    """As :func:`count_public_read`, for a page under the default limit (``RATELIMIT_DEFAULT``
    per client address and endpoint, Flask-Limiter's key for it): the booking page's layer
    (app.web.public.fastpage)."""
    return _count_with_lookup([remote, endpoint], wanted)


def _count_with_lookup(identifiers: list[str], wanted: tuple[str, ...]) -> Counted | None:
    config = current_app.config
    strategy = limiter.limiter if limiter.enabled else None
    item = _single_limit(config.get("RATELIMIT_DEFAULT", "100 per minute"))
    if item is None or not isinstance(strategy, OneTripFixedWindow) or not strategy.shares_cache():
        return None
    if config.get("RATELIMIT_KEY_PREFIX"):
        identifiers.insert(0, config["RATELIMIT_KEY_PREFIX"])
    key = strategy.storage.prefixed_key(item.key_for(*identifiers))
    try:
        count, ttl, *found = strategy._combined([key], [item.get_expiry(), 1, *wanted])
    except cache.ERRORS:
        return None
    return Counted(key, item.amount, int(count), int(ttl), wanted, found)


def keep_counted(environ: dict, counted: Counted) -> None:
    """Let the limiter take ``counted`` as this request's hit on its key (and the look-up
    it carried) instead of counting again, when Flask answers the request after all."""
    environ.setdefault(_COUNTED, {})[counted.key] = counted


def _take_counted(key: str) -> Counted | None:
    if not has_request_context():
        return None
    return request.environ.get(_COUNTED, {}).pop(key, None)


_prefetch_for: list[Callable[[], tuple[str, str] | None]] = []


def set_prefetch(fn: Callable[[], tuple[str, str] | None]) -> None:
    """Register what the current request will look up in the cache (``(subdomain, answer
    key)`` for a cached public read, else ``None``): the limiter fetches it with its own hit
    (the first function that names one wins).  The API's HTTP caching (app/api/v1/caching.py)
    and the booking page (app/web/public/flow.py) provide one each."""
    if fn not in _prefetch_for:
        _prefetch_for.append(fn)


# ---------------------------------------------------------------- keys and limits

_token_subject: Callable[[str], str] | None = None


def set_token_subject(fn: Callable[[str], str]) -> None:
    """Register how a bearer token names its user (raises ``DomainError`` when it is not a
    valid staff access token); the accounts package provides it at app setup."""
    global _token_subject
    _token_subject = fn


def _staff_subject() -> str | None:
    """The user id of a valid (signature and expiry) staff access token, cached per request."""
    if "ratelimit_staff" in g:
        return g.ratelimit_staff
    subject = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer ") and header.count(".") == 2 and _token_subject is not None:
        try:
            subject = _token_subject(header[7:].strip())
        except DomainError:
            subject = None
    g.ratelimit_staff = subject
    return subject


def api_limit() -> str:
    return (
        _conf("RATELIMIT_STAFF") if _staff_subject() else current_app.config.get("RATELIMIT_DEFAULT", "100 per minute")
    )


def ip_key(remote: str) -> str:
    return f"ip:{remote}"


def api_key() -> str:
    subject = _staff_subject()
    return f"user:{subject}" if subject else ip_key(get_remote_address())


def _hashed(prefix: str, value: str) -> str:
    return f"{prefix}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def email_key() -> str:
    return _hashed("email", _body_value("email"))


def phone_key() -> str:
    raw = _body_value("phone")
    try:
        phone = normalize_phone(raw)
    except DomainError:
        phone = raw
    return _hashed("phone", phone)


# Decorators for API views (stack under the route registration).
default_api = limiter.limit(api_limit, key_func=api_key, scope=API_SCOPE)
login_ip = limiter.limit(
    lambda: _conf("RATELIMIT_LOGIN"), key_func=get_remote_address, scope="login-ip", methods=["POST"]
)
login_email = limiter.limit(
    lambda: _conf("RATELIMIT_LOGIN_EMAIL"), key_func=email_key, scope="login-email", methods=["POST"]
)
verify_phone = limiter.limit(
    lambda: _conf("RATELIMIT_VERIFY_PHONE"), key_func=phone_key, scope="verify-phone", methods=["POST"]
)
verify_ip = limiter.limit(
    lambda: _conf("RATELIMIT_VERIFY_IP"), key_func=get_remote_address, scope="verify-ip", methods=["POST"]
)
register_ip = limiter.limit(
    lambda: _conf("RATELIMIT_REGISTER"), key_func=get_remote_address, scope="register-ip", methods=["POST"]
)
