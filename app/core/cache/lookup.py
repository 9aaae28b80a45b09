"""A public read in one round trip: a subdomain's tenant, site version, row and stored answer."""

from __future__ import annotations

import json
import logging
from typing import Any, NamedTuple

from app.core.cache.store import ERRORS, client, failed
from app.core.cache.versions import SCHEDULES_FETCHED, request_memo, writing

log = logging.getLogger(__name__)


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
# ARGV[n + 2], when given and not empty, names an entry ``jz:schedules:{id}:{ver}:{that}``
# (app.scheduling.queries.cached_bookable_masters) that a missing answer will need: it comes
# back too, with the schedule versions of the masters it lists (as
# app.core.cache.versions.rows_with_schedule_versions reads them).
_LOOKUP_BODY = """
local sub, answer_key, also = ARGV[{n}], ARGV[{n} + 1], ARGV[{n} + 2]
local found = {{false, false, false, false, false, false}}
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
    local entry, versions = false, false
    if ver and not body and also and also ~= "" then
        entry = redis.call("GET", "jz:schedules:" .. id .. ":" .. ver .. ":" .. also)
        if entry then
            local ok, data = pcall(cjson.decode, entry)
            if ok and type(data) == "table" and type(data["rows"]) == "table" then
                local fields = {{}}
                for _, r in ipairs(data["rows"]) do fields[#fields + 1] = string.format("%d", r[1]) end
                versions = {{}}
                if #fields > 0 then versions = redis.call("HMGET", "jz:ver:sched:" .. id, unpack(fields)) end
            end
        end
    end
    found = {{id, ver or false, row or false, body or false, entry or false, versions}}
end
"""


def lookup_lua(first_arg: int) -> str:
    """The look-up as a Lua fragment reading its arguments (two, or three with a schedules
    entry) from ``ARGV[first_arg]`` on and leaving its six results in the local ``found``."""
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


def lookup(sub: str, answer_key: str = "", schedules: str = "") -> Lookup | None:
    """The tenant, site version and cached row of a subdomain, and the stored answer
    ``answer_key`` (see :func:`store_answer`), in one round trip; remembered for the request.
    ``schedules``: the parameters of a ``jz:schedules`` entry to fetch along when the answer
    is missing (see :func:`prefetched`).  ``None`` when Redis does not answer."""
    memo = request_memo()
    lookups = memo.setdefault(_LOOKUPS, {}) if memo is not None else {}
    found = lookups.get((sub, answer_key))
    if found is not None:
        return found
    r = client()
    if r is None:
        return None
    try:
        script = r.__dict__.get("_jz_lookup")
        if script is None:
            script = r.__dict__["_jz_lookup"] = r.register_script(_LOOKUP)
        raw = script(args=[sub, answer_key, schedules])
    except ERRORS as exc:
        failed(r, exc)
        log.warning("cache look-up failed for %s", sub, exc_info=True)
        return None
    return prefetched(sub, answer_key, raw, schedules)


def prefetched(sub: str, answer_key: str, raw: list, schedules: str = "") -> Lookup | None:
    """Take the results of the look-up's Lua (run by :func:`lookup`, or by the rate limiter
    along with its own increment) and remember them for the request; a ``jz:schedules``
    entry fetched along (``schedules``: its parameters) and its masters' versions are kept
    for :func:`app.core.cache.versions.rows_with_schedule_versions`."""
    memo = request_memo()
    lookups = memo.setdefault(_LOOKUPS, {}) if memo is not None else {}
    try:
        raw_id, raw_version, raw_row, raw_answer, *also = raw
        tenant_id = int(raw_id) if raw_id is not None else None
        row = json.loads(raw_row) if raw_row is not None else None
    except ERRORS:
        log.warning("cache look-up gave bad data for %s", sub, exc_info=True)
        return None
    version = raw_version.decode() if raw_version is not None else None
    answer = None
    if raw_answer is not None:
        head, _, body = raw_answer.partition(b"\n")
        answer = (head, body)
    if tenant_id is not None and writing(tenant_id):  # this transaction's own writes: no cache
        version, row, answer = None, None, None
    found = Lookup(tenant_id, version, row, answer)
    lookups[(sub, answer_key)] = found
    lookups.setdefault((sub, ""), found)  # the tenant part serves a plain look-up as well
    if memo is not None and tenant_id is not None and version is not None:
        memo[("site", tenant_id)] = version
        if schedules and len(also) == 2 and also[0] is not None and also[1] is not None:
            memo[(SCHEDULES_FETCHED, f"jz:schedules:{tenant_id}:{version}:{schedules}")] = (also[0], also[1])
    return found


def current_row(found: Lookup | None, sub: str) -> dict | None:
    """The tenant row a look-up found for ``sub``, when it is still the current one: stored
    under the tenant's current site version (every change of the row bumps it) and still
    naming this subdomain; else ``None`` (then read the database)."""
    if found is None or found.version is None:
        return None
    entry = found.row
    if not isinstance(entry, dict) or entry.get("v") != found.version or not isinstance(entry.get("row"), dict):
        return None
    row = entry["row"]
    return row if row.get("subdomain") == sub else None


def shares_server(other) -> bool:
    """Whether the client ``other`` (the rate limiter's) talks to the same Redis server and
    database as the cache, so one script call may serve both.  Sentinel clients are never
    taken as the same (their pools name no server)."""
    r = client()
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
    r = client()
    if r is None:
        return
    try:
        # The command as it is sent: redis-py's set() only adds argument checks around it.
        r.execute_command(
            "SET", f"jz:http:{int(tenant_id)}:{version}:{answer_key}", head.encode() + b"\n" + body, "EX", int(ttl)
        )
    except ERRORS as exc:
        failed(r, exc)
        log.warning("cache write failed for an answer of tenant %s", tenant_id, exc_info=True)
