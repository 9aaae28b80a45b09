"""Version tokens that invalidate cached entries, and entries stored under them."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

from flask import g, has_app_context, has_request_context

from app.core.cache.store import ERRORS, TTL, VERSION_TTL, client, failed, get_json, set_json
from app.core.db import after_commit
from app.extensions import db

log = logging.getLogger(__name__)


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
SCHED = "jz:ver:sched:{}"
_MEMO = "_jz_cache_versions"
SCHEDULES_FETCHED = "schedules_fetched"  # request memo: a jz:schedules entry the look-up brought


def _token() -> str:
    return secrets.token_hex(8)


def request_memo() -> dict | None:
    """A dict for the current request that is dropped whenever this process bumps a version
    (so it never outlives a write), or ``None`` outside a request (unless :func:`start_memo`
    gave the app context one).  It holds the versions read (a request reads each one at most
    once)."""
    if not has_request_context():
        return g.get(_MEMO) if has_app_context() else None
    memo = g.get(_MEMO)
    if memo is None:
        memo = {}
        setattr(g, _MEMO, memo)
    return memo


def start_memo() -> None:
    """Give the current app context a request's memo: for app.api.v1.fastpath, which answers
    a request in an app context of its own without pushing a request context."""
    setattr(g, _MEMO, {})


def forget_memo() -> None:
    if has_request_context():
        g.pop(_MEMO, None)
        g.pop("_jz_tenant_by_sub", None)
    elif has_app_context():
        g.pop(_MEMO, None)


WRITING = "jz_cache_writing"  # session.info: tenants this transaction wrote (bumps pending)


def writing(tenant_id: int) -> bool:
    """Whether the current transaction changed this tenant's cached data and has not committed:
    its own reads must see its writes, so they skip the cache (the versions bump only after
    commit)."""
    try:
        if not db.session.registry.has():  # no session yet in this context: nothing written
            return False
        return int(tenant_id) in db.session().info.get(WRITING, ())
    except RuntimeError:  # no app context
        return False


def site_version(tenant_id: int) -> str | None:
    """The tenant's current site version, or ``None`` when Redis does not answer (or this
    transaction changed the tenant's data and has not committed yet)."""
    if writing(tenant_id):
        return None
    memo = request_memo()
    if memo is not None and ("site", tenant_id) in memo:
        return memo[("site", tenant_id)]
    r = client()
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
    except ERRORS as exc:
        failed(r, exc)
        log.warning("cache version read failed", exc_info=True)
        return None
    if memo is not None and value is not None:
        memo[("site", tenant_id)] = value
    return value


def site_version_with(tenant_id: int, key: str) -> tuple[str | None, Any]:
    """The tenant's site version and the JSON value at ``key``, in one round trip
    (``(None, None)`` when Redis does not answer or this transaction wrote the tenant)."""
    if writing(tenant_id):
        return None, None
    r = client()
    if r is None:
        return None, None
    try:
        pipe = r.pipeline(transaction=False)
        pipe.get(_SITE.format(int(tenant_id)))
        pipe.get(key)
        raw_version, raw = pipe.execute()
    except ERRORS as exc:
        failed(r, exc)
        log.warning("cache read failed for %s", key, exc_info=True)
        return None, None
    if raw_version is None:  # no version yet: nothing stored before it counts
        return site_version(tenant_id), None
    version = raw_version.decode()
    memo = request_memo()
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
    if writing(tenant_id):
        return None
    r = client()
    if r is None:
        return None
    key = SCHED.format(int(tenant_id))
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
    except ERRORS as exc:
        failed(r, exc)
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
    if writing(tenant_id):
        return None
    memo = request_memo()
    fetched = memo.pop((SCHEDULES_FETCHED, key), None) if memo is not None else None
    r = client()
    if r is None:
        return None
    try:
        if fetched is not None:  # came with the request's look-up (app.core.cache.lookup)
            raw, versions = fetched
        else:
            script = r.__dict__.get("_jz_rows_versions")
            if script is None:
                script = r.__dict__["_jz_rows_versions"] = r.register_script(_ROWS_AND_VERSIONS)
            raw, versions = script(keys=[key, SCHED.format(int(tenant_id))])
        if raw is None:
            return None
        entry = json.loads(raw)
    except ERRORS as exc:
        failed(r, exc)
        log.warning("cache read failed for %s", key, exc_info=True)
        return None
    if len(versions) != len(entry.get("rows") or ()) or any(v is None for v in versions):
        return None
    return entry, [v.decode() for v in versions]


def _apply_bumps(sites: frozenset, schedules: frozenset) -> None:
    forget_memo()
    r = client()
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
            key = SCHED.format(tid)
            pipe.hset(key, mapping={str(m): _token() for m in mids})
            pipe.expire(key, VERSION_TTL)
        pipe.execute()
    except ERRORS as exc:
        failed(r, exc)
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
    db.session().info.setdefault(WRITING, set()).update(sites | {t for t, _m in schedules})
    forget_memo()
    after_commit(_apply_bumps, sites, schedules)


def bump_site(tenant_id: int) -> None:
    bump(sites=[tenant_id])


def bump_schedules(tenant_id: int, master_ids) -> None:
    bump(schedules=[(tenant_id, m) for m in master_ids])


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
