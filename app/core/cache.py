"""A small JSON cache on Redis that never takes the site down, and its invalidation.

Values are JSON under a key the caller builds; invalidation is by *versioned keys*: the
key contains version tokens (below) that every write affecting the answer bumps after its
transaction commits, so a stale entry is simply never read again and expires on its TTL.
Every Redis failure (server down, timeout, bad data) is logged and treated as a miss or a
no-op: the caller computes the answer from the database instead of failing the request.
The lifetimes of everything cached live in :data:`TTL` (and :data:`HTTP_MAX_AGE` for
browsers and CDNs).
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from time import monotonic
from typing import Any, NamedTuple

import redis
from flask import g, has_request_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import configure_mappers, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

log = logging.getLogger(__name__)

_ERRORS = (redis.RedisError, OSError, ValueError, TypeError)


_PAUSE = 5.0  # seconds without Redis after a connection failure (no 2 s connect timeout per call)


def _client() -> redis.Redis | None:
    try:
        from app.core.redis import get_redis

        r = get_redis()
    except (RuntimeError, KeyError):  # no app context, or Redis not configured
        return None
    if getattr(r, "__dict__", {}).get("_jz_down_until", 0.0) > monotonic():
        return None
    return r


def _failed(r: redis.Redis | None, exc: BaseException) -> None:
    """After a connection failure, leave this client alone for a few seconds."""
    if isinstance(exc, redis.ConnectionError | redis.TimeoutError | OSError) and hasattr(r, "__dict__"):
        r.__dict__["_jz_down_until"] = monotonic() + _PAUSE


def get_json(key: str) -> Any | None:
    """The cached value, or ``None`` on a miss or any Redis problem."""
    r = _client()
    if r is None:
        return None
    try:
        raw = r.get(key)
        return None if raw is None else json.loads(raw)
    except _ERRORS as exc:
        _failed(r, exc)
        log.warning("cache read failed for %s", key, exc_info=True)
        return None


def set_json(key: str, value: Any, ttl: int) -> bool:
    r = _client()
    if r is None:
        return False
    try:
        r.set(key, json.dumps(value, separators=(",", ":")), ex=int(ttl))
        return True
    except _ERRORS as exc:
        _failed(r, exc)
        log.warning("cache write failed for %s", key, exc_info=True)
        return False


def delete(*keys: str) -> None:
    r = _client()
    if r is None or not keys:
        return
    try:
        r.delete(*keys)
    except _ERRORS as exc:
        _failed(r, exc)
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
}
VERSION_TTL = 7 * 86400  # a version that expires is simply replaced by a fresh one: every entry misses

# How long a browser or CDN may keep a public API answer (``Cache-Control: public, max-age``).
HTTP_MAX_AGE = {"availability": 30, "masters": 120, "services": 300, "business": 300}


# ---------------------------------------------------------------- versions
#
# Two kinds, both opaque random tokens in Redis (never counters, so a version key that was
# evicted or expired can never come back with a value some old entry was stored under):
#
# * the tenant's *site version* ``jz:ver:site:{tenant}``: the tenant row and its catalogue
#   (locations, services, masters and who performs what where);
# * the *schedule versions* ``jz:ver:sched:{tenant}`` (a hash, one field per master): hours,
#   date overrides, time off and bookings.
#
# Writes bump them AFTER COMMIT (``app.core.db.after_commit``): a reader that saw the old
# version may still store what it read before the commit, under the old version, which
# nobody reads again; a reader that sees the new version reads committed data.  Every ORM
# flush that touches one of the models below is bumped automatically (:func:`install`);
# Core statements that change them call :func:`bump_site` / :func:`bump_schedules`.
# If Redis is down when a version is read, the caller skips the cache and reads the database.

_SITE = "jz:ver:site:{}"
_SCHED = "jz:ver:sched:{}"
_MEMO = "_jz_cache_versions"


def _token() -> str:
    return secrets.token_hex(8)


def _memo() -> dict | None:
    """Per-request memo of the versions read (a request reads each one at most once)."""
    if not has_request_context():
        return None
    memo = g.get(_MEMO)
    if memo is None:
        memo = {}
        setattr(g, _MEMO, memo)
    return memo


def request_memo() -> dict | None:
    """A dict for the current request that is dropped whenever this process bumps a version
    (so it never outlives a write), or ``None`` outside a request."""
    return _memo()


def forget_memo() -> None:
    if has_request_context():
        g.pop(_MEMO, None)
        g.pop("_jz_tenant_by_sub", None)


_WRITING = "jz_cache_writing"  # session.info: tenants this transaction wrote (bumps pending)


def _writing(tenant_id: int) -> bool:
    """Whether the current transaction changed this tenant's cached data and has not committed:
    its own reads must see its writes, so they skip the cache (the versions bump only after
    commit)."""
    try:
        from app.extensions import db

        return int(tenant_id) in db.session().info.get(_WRITING, ())
    except RuntimeError:  # no app context
        return False


def site_version(tenant_id: int) -> str | None:
    """The tenant's current site version, or ``None`` when Redis does not answer (or this
    transaction changed the tenant's data and has not committed yet)."""
    if _writing(tenant_id):
        return None
    memo = _memo()
    if memo is not None and ("site", tenant_id) in memo:
        return memo[("site", tenant_id)]
    r = _client()
    if r is None:
        return None
    key = _SITE.format(int(tenant_id))
    try:
        raw = r.get(key)
        if raw is None:
            pipe = r.pipeline(transaction=False)
            pipe.set(key, _token(), nx=True, ex=VERSION_TTL)
            pipe.get(key)
            raw = pipe.execute()[1]
        value = raw.decode() if raw is not None else None
    except _ERRORS as exc:
        _failed(r, exc)
        log.warning("cache version read failed", exc_info=True)
        return None
    if memo is not None and value is not None:
        memo[("site", tenant_id)] = value
    return value


def site_version_with(tenant_id: int, key: str) -> tuple[str | None, Any]:
    """The tenant's site version and the JSON value at ``key``, in one round trip
    (``(None, None)`` when Redis does not answer or this transaction wrote the tenant)."""
    if _writing(tenant_id):
        return None, None
    r = _client()
    if r is None:
        return None, None
    try:
        pipe = r.pipeline(transaction=False)
        pipe.get(_SITE.format(int(tenant_id)))
        pipe.get(key)
        raw_version, raw = pipe.execute()
    except _ERRORS as exc:
        _failed(r, exc)
        log.warning("cache read failed for %s", key, exc_info=True)
        return None, None
    if raw_version is None:  # no version yet: nothing stored before it counts
        return site_version(tenant_id), None
    version = raw_version.decode()
    memo = _memo()
    if memo is not None:
        memo[("site", tenant_id)] = version
    try:
        return version, (json.loads(raw) if raw is not None else None)
    except ValueError:
        return version, None


def schedule_versions(tenant_id: int, master_ids: list[int]) -> list[str] | None:
    """The schedule version of each master (same order), or ``None`` when Redis does not answer."""
    if not master_ids:
        return []
    if _writing(tenant_id):
        return None
    r = _client()
    if r is None:
        return None
    key = _SCHED.format(int(tenant_id))
    fields = [str(int(m)) for m in master_ids]
    try:
        values = r.hmget(key, fields)
        if any(v is None for v in values):
            pipe = r.pipeline(transaction=False)
            for f, v in zip(fields, values, strict=True):
                if v is None:
                    pipe.hsetnx(key, f, _token())
            pipe.expire(key, VERSION_TTL)
            pipe.hmget(key, fields)
            values = pipe.execute()[-1]
        if any(v is None for v in values):
            return None
        return [v.decode() for v in values]
    except _ERRORS as exc:
        _failed(r, exc)
        log.warning("cache version read failed", exc_info=True)
        return None


# A cached list of masters (``{"rows": [[master id, ...], ...], ...}``) and those masters'
# schedule versions in one call (the versions' keys come from the list).
_ROWS_AND_VERSIONS = """
local entry = redis.call("GET", KEYS[1])
if not entry then return {false, {}} end
local ok, data = pcall(cjson.decode, entry)
if not ok or type(data) ~= "table" or type(data["rows"]) ~= "table" then return {entry, {}} end
local fields = {}
for _, row in ipairs(data["rows"]) do fields[#fields + 1] = string.format("%d", row[1]) end
if #fields == 0 then return {entry, {}} end
return {entry, redis.call("HMGET", KEYS[2], unpack(fields))}
"""


def rows_with_schedule_versions(tenant_id: int, key: str) -> tuple[Any, list[str]] | None:
    """The JSON at ``key`` -- ``{"rows": [[master id, ...], ...], ...}`` -- and the schedule
    version of each row's master (same order), in one round trip.  ``None`` when Redis does
    not answer, the entry is missing, or a version is not set yet (the caller takes the
    step-by-step path, which sets it)."""
    if _writing(tenant_id):
        return None
    r = _client()
    if r is None:
        return None
    try:
        script = r.__dict__.get("_jz_rows_versions")
        if script is None:
            script = r.__dict__["_jz_rows_versions"] = r.register_script(_ROWS_AND_VERSIONS)
        raw, versions = script(keys=[key, _SCHED.format(int(tenant_id))])
        if raw is None:
            return None
        entry = json.loads(raw)
    except _ERRORS as exc:
        _failed(r, exc)
        log.warning("cache read failed for %s", key, exc_info=True)
        return None
    if len(versions) != len(entry.get("rows") or ()) or any(v is None for v in versions):
        return None
    return entry, [v.decode() for v in versions]


def _apply_bumps(sites: frozenset, schedules: frozenset) -> None:
    forget_memo()
    r = _client()
    if r is None:
        return
    try:
        pipe = r.pipeline(transaction=False)
        for tid in sites:
            pipe.set(_SITE.format(tid), _token(), ex=VERSION_TTL)
        by_tenant: dict[int, list[int]] = {}
        for tid, mid in schedules:
            by_tenant.setdefault(tid, []).append(mid)
        for tid, mids in by_tenant.items():
            key = _SCHED.format(tid)
            pipe.hset(key, mapping={str(m): _token() for m in mids})
            pipe.expire(key, VERSION_TTL)
        pipe.execute()
    except _ERRORS as exc:
        _failed(r, exc)
        # The write is committed; entries under the old versions may be served until their
        # TTL ends.  Bookings themselves are always checked against the database.
        log.error("cache version bump failed (sites %s, schedules %s)", sorted(sites), sorted(schedules), exc_info=True)


def bump(*, sites=(), schedules=()) -> None:
    """Bump site versions (tenant ids) and schedule versions ((tenant id, master id)) once
    the current transaction commits; nothing happens if it rolls back."""
    sites = frozenset(int(t) for t in sites if t is not None)
    schedules = frozenset((int(t), int(m)) for t, m in schedules if t is not None and m is not None)
    if not sites and not schedules:
        return
    from app.core.db import after_commit
    from app.extensions import db

    db.session().info.setdefault(_WRITING, set()).update(sites | {t for t, _m in schedules})
    forget_memo()
    after_commit(_apply_bumps, sites, schedules)


def bump_site(tenant_id: int) -> None:
    bump(sites=[tenant_id])


def bump_schedules(tenant_id: int, master_ids) -> None:
    bump(schedules=[(tenant_id, m) for m in master_ids])


# ---------------------------------------------------------------- a public read in one round trip
#
# A public read needs the tenant of a subdomain (``jz:sub:{sub}`` -> id), its site version,
# its cached row (``jz:tenant:{id}``) and, for an endpoint with a stored answer
# (app/api/v1/caching.py), that answer.  One script call returns all of them: the keys
# depend on each other (id -> version -> answer), so a pipeline would need three trips.
# A stored answer is ``<head>\n<body>``: the head lists the ``master=schedule version``
# pairs the answer was computed under, and the script drops the answer when any of those
# masters has another version now.  (The script names keys it builds itself, which a
# single Redis server and Sentinel allow; Redis Cluster would not.)

# The look-up's Lua, with the subdomain and the answer key in ARGV[n] and ARGV[n + 1], ending
# in ``found``: the rate limiter runs it in its own script call (:func:`lookup_lua`).
_LOOKUP_BODY = """
local sub, answer_key = ARGV[{n}], ARGV[{n} + 1]
local found = {{false, false, false, false}}
local id = redis.call("GET", "jz:sub:" .. sub)
if id then
    local ver = redis.call("GET", "jz:ver:site:" .. id)
    local row = redis.call("GET", "jz:tenant:" .. id)
    local body = false
    if ver and answer_key ~= "" then
        body = redis.call("GET", "jz:http:" .. id .. ":" .. ver .. ":" .. answer_key)
        if body then
            local eol = string.find(body, "\\n", 1, true)
            if not eol then
                body = false
            else
                local sched = "jz:ver:sched:" .. id
                for master, version in string.gmatch(string.sub(body, 1, eol - 1), "(%d+)=(%x+)") do
                    if redis.call("HGET", sched, master) ~= version then
                        body = false
                        break
                    end
                end
            end
        end
    end
    found = {{id, ver or false, row or false, body or false}}
end
"""


def lookup_lua(first_arg: int) -> str:
    """The look-up as a Lua fragment reading its two arguments from ``ARGV[first_arg]`` on and
    leaving its four results in the local ``found``."""
    return _LOOKUP_BODY.format(n=int(first_arg))


_LOOKUP = lookup_lua(1) + "return found\n"
_LOOKUPS = "_jz_lookups"


class Lookup(NamedTuple):
    """What Redis knows about a subdomain: ``tenant_id`` is ``None`` when it knows nothing;
    ``version`` the site version (``None``: not set yet); ``row`` the cached tenant entry;
    ``answer`` a stored ``(head, body)`` still valid under these versions, if asked for."""

    tenant_id: int | None
    version: str | None
    row: Any
    answer: tuple[bytes, bytes] | None


def lookup(sub: str, answer_key: str = "") -> Lookup | None:
    """The tenant, site version and cached row of a subdomain, and the stored answer
    ``answer_key`` (see :func:`store_answer`), in one round trip; remembered for the request.
    ``None`` when Redis does not answer."""
    memo = _memo()
    lookups = memo.setdefault(_LOOKUPS, {}) if memo is not None else {}
    found = lookups.get((sub, answer_key))
    if found is not None:
        return found
    r = _client()
    if r is None:
        return None
    try:
        script = r.__dict__.get("_jz_lookup")
        if script is None:
            script = r.__dict__["_jz_lookup"] = r.register_script(_LOOKUP)
        raw = script(args=[sub, answer_key])
    except _ERRORS as exc:
        _failed(r, exc)
        log.warning("cache look-up failed for %s", sub, exc_info=True)
        return None
    return prefetched(sub, answer_key, raw)


def prefetched(sub: str, answer_key: str, raw: list) -> Lookup | None:
    """Take the four results of the look-up's Lua (run by :func:`lookup`, or by the rate
    limiter along with its own increment) and remember them for the request."""
    memo = _memo()
    lookups = memo.setdefault(_LOOKUPS, {}) if memo is not None else {}
    try:
        raw_id, raw_version, raw_row, raw_answer = raw
        tenant_id = int(raw_id) if raw_id is not None else None
        row = json.loads(raw_row) if raw_row is not None else None
    except _ERRORS:
        log.warning("cache look-up gave bad data for %s", sub, exc_info=True)
        return None
    version = raw_version.decode() if raw_version is not None else None
    answer = None
    if raw_answer is not None:
        head, _, body = raw_answer.partition(b"\n")
        answer = (head, body)
    if tenant_id is not None and _writing(tenant_id):  # this transaction's own writes: no cache
        version, row, answer = None, None, None
    found = Lookup(tenant_id, version, row, answer)
    lookups[(sub, answer_key)] = found
    lookups.setdefault((sub, ""), found)  # the tenant part serves a plain look-up as well
    if memo is not None and tenant_id is not None and version is not None:
        memo[("site", tenant_id)] = version
    return found


def shares_server(other) -> bool:
    """Whether the client ``other`` (the rate limiter's) talks to the same Redis server and
    database as the cache, so one script call may serve both.  Sentinel clients are never
    taken as the same (their pools name no server)."""
    r = _client()
    if r is None or other is None:
        return False
    try:
        mine, theirs = r.connection_pool.connection_kwargs, other.connection_pool.connection_kwargs
    except AttributeError:
        return False
    where = ("host", "port", "path")
    same_db = int(mine.get("db") or 0) == int(theirs.get("db") or 0)  # a URL without one means 0
    return bool(mine.get("host") or mine.get("path")) and same_db and all(mine.get(k) == theirs.get(k) for k in where)


def store_answer(tenant_id: int, version: str, answer_key: str, head: str, body: bytes, ttl: int) -> None:
    """Keep an answer for :func:`lookup` under the site version it was computed with;
    ``head`` is ``master=version,...`` (the schedule versions it depends on) or empty."""
    r = _client()
    if r is None:
        return
    try:
        r.set(f"jz:http:{int(tenant_id)}:{version}:{answer_key}", head.encode() + b"\n" + body, ex=int(ttl))
    except _ERRORS as exc:
        _failed(r, exc)
        log.warning("cache write failed for an answer of tenant %s", tenant_id, exc_info=True)


# ---------------------------------------------------------------- automatic bumps on flush
#
# Core imports no domain package: the models whose rows change a tenant's public catalogue
# (site version) and a master's availability (schedule version) are registered at app setup
# (:func:`watch`, called from ``app/__init__.py``).

_SITE_MODELS: tuple = ()  # rows carrying ``tenant_id``: bump that tenant's site version
_TENANT_MODELS: tuple = ()  # the tenant rows themselves: bump the site version of their ``id``
_SCHEDULE_MODELS: tuple = ()  # rows carrying ``tenant_id`` and ``master_id``: bump that master
_installed: set = set()


def watch(*, site=(), tenants=(), schedules=()) -> None:
    """Register models whose flushed changes bump versions: ``site`` (the tenant's catalogue,
    by ``tenant_id``), ``tenants`` (the tenant row, by ``id``), ``schedules`` (a master's
    availability, by ``tenant_id`` and ``master_id``, old and new)."""
    global _SITE_MODELS, _TENANT_MODELS, _SCHEDULE_MODELS
    _SITE_MODELS = tuple(dict.fromkeys((*_SITE_MODELS, *site)))
    _TENANT_MODELS = tuple(dict.fromkeys((*_TENANT_MODELS, *tenants)))
    _SCHEDULE_MODELS = tuple(dict.fromkeys((*_SCHEDULE_MODELS, *schedules)))


def _changed(session) -> list:
    dirty = [o for o in session.dirty if session.is_modified(o, include_collections=False)]
    return [*session.new, *dirty, *session.deleted]


def _master_ids(obj) -> set:
    ids = {obj.__dict__.get("master_id")}
    hist = inspect(obj).attrs.master_id.history  # a booking moved to another master: both
    ids.update(hist.deleted or ())
    ids.discard(None)
    return ids


def collect(session) -> tuple[set, set]:
    """(tenant ids, (tenant id, master id) pairs) whose versions the pending flush changes."""
    sites: set = set()
    schedules: set = set()
    for obj in _changed(session):
        if isinstance(obj, _SCHEDULE_MODELS):
            tid = obj.__dict__.get("tenant_id")
            schedules.update((tid, m) for m in _master_ids(obj))
        elif isinstance(obj, _TENANT_MODELS):
            sites.add(obj.__dict__.get("id"))
        elif isinstance(obj, _SITE_MODELS):
            sites.add(obj.__dict__.get("tenant_id"))
    return sites, schedules


def install(session_class) -> None:
    """Bump the versions of whatever each flush of this session class changed (after commit)."""
    if session_class in _installed:
        return
    _installed.add(session_class)

    @event.listens_for(session_class, "after_transaction_end")
    def _end(session, transaction) -> None:
        if transaction.parent is None:  # committed (bumps ran) or rolled back (nothing changed)
            session.info.pop(_WRITING, None)

    @event.listens_for(session_class, "after_flush")
    def _after_flush(session, flush_context) -> None:
        # After the SQL ran (new rows have their ids) the new/dirty/deleted lists and the
        # attribute history still describe what this flush wrote.
        sites, schedules = collect(session)
        bump(sites=sites, schedules=schedules)


# ---------------------------------------------------------------- entries under the site version


def remember(tenant_id: int, kind: str, params: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` (a JSON value), cached under the tenant's site version for ``TTL[kind]``.

    The version is read *before* ``compute`` reads the database (see the versions above).
    Without Redis, ``compute()`` every time.
    """
    version = site_version(tenant_id)
    if version is None:
        return compute()
    key = f"jz:{kind}:{int(tenant_id)}:{version}:{params}"
    hit = get_json(key)
    if hit is not None:
        return hit
    value = compute()
    set_json(key, value, TTL[kind])
    return value


# ---------------------------------------------------------------- rows as JSON


def _enc(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, time):
        return {"$t": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    return value


def _dec(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        if tag == "$dt":
            return datetime.fromisoformat(raw)
        if tag == "$d":
            return date.fromisoformat(raw)
        if tag == "$t":
            return time.fromisoformat(raw)
        if tag == "$dec":
            return Decimal(raw)
    return value


def columns_to_json(obj, **extra: Any) -> dict:
    """Every column of a loaded ORM object (plus ``extra``) as JSON-safe data."""
    out = {a.key: _enc(getattr(obj, a.key)) for a in inspect(type(obj)).column_attrs}
    out.update({k: _enc(v) for k, v in extra.items()})
    return out


class Record:
    """A read-only stand-in for a cached row: its columns (and extras) as attributes."""

    def __init__(self, data: dict):
        self.__dict__.update({k: _dec(v) for k, v in data.items()})

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cached {type(self).__name__} is read-only")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Record id={self.__dict__.get('id')!r}>"


def records(data: list[dict]) -> list[Record]:
    return [Record(d) for d in data]


def attach(cls, data: dict):
    """A persistent ORM object rebuilt from :func:`columns_to_json` data without any SQL.

    It joins the session as if just loaded (``merge(load=False)``): reading it costs
    nothing, changing it is flushed as an UPDATE like any loaded object, and an object of
    that identity already in the session is returned instead.
    """
    from app.extensions import db

    values = {k: _dec(v) for k, v in data.items()}
    mapper = inspect(cls)
    key = mapper.identity_key_from_primary_key([values[c.key] for c in mapper.primary_key])
    existing = db.session.identity_map.get(key)
    if existing is not None:
        # As a query would: the object the session holds, its loaded (perhaps changed)
        # attributes left alone, the expired ones filled in.
        loaded = inspect(existing).dict
        for name, value in values.items():
            if name not in loaded:
                set_committed_value(existing, name, value)
        return existing
    # As the ORM loads a row: the instance without its constructor, the values as committed
    # state (no change history), then joined to the session as it is (no copy, no SQL).
    if not mapper.configured:  # the ORM configures mappers on first use; nothing else may have yet
        configure_mappers()
    obj = mapper.class_manager.new_instance()
    inspect(obj).dict.update(values)
    make_transient_to_detached(obj)
    db.session.add(obj)
    return obj


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
    r = _client()
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
