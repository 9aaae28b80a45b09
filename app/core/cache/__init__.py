"""A small JSON cache on Redis that never takes the site down, and its invalidation.

Values are JSON under a key the caller builds; invalidation is by *versioned keys*: the
key contains version tokens that every write affecting the answer bumps after its
transaction commits, so a stale entry is simply never read again and expires on its TTL.
Every Redis failure (server down, timeout, bad data) is logged and treated as a miss or a
no-op: the caller computes the answer from the database instead of failing the request.
The lifetimes of everything cached live in :data:`TTL` (and :data:`HTTP_MAX_AGE` for
browsers and CDNs).

This package is the cache's public API (``from app.core import cache``; ``cache.get_json``).
Its modules:

* :mod:`.store` -- the Redis client, JSON values under a key, the lifetimes;
* :mod:`.versions` -- the site and schedule version tokens, their bumps after commit, and
  entries remembered under them;
* :mod:`.lookup` -- a public read (tenant, version, row, stored answer) in one round trip;
* :mod:`.watching` -- which models' flushed changes bump which versions;
* :mod:`.rows` -- ORM rows as JSON, read back as records or session objects;
* :mod:`.clearing` -- the operator's tool that drops a tenant's entries.
"""

from app.core.cache.clearing import clear
from app.core.cache.lookup import Lookup, current_row, lookup, lookup_lua, prefetched, shares_server, store_answer
from app.core.cache.rows import Record, attach, columns_to_json, records
from app.core.cache.store import ERRORS, HTTP_MAX_AGE, TTL, client, delete, get_json, set_json
from app.core.cache.versions import (
    bump_schedules,
    bump_site,
    remember,
    request_memo,
    rows_with_schedule_versions,
    schedule_versions,
    site_version,
    site_version_with,
    start_memo,
)
from app.core.cache.watching import install, watch

__all__ = [
    "ERRORS",
    "HTTP_MAX_AGE",
    "TTL",
    "Lookup",
    "Record",
    "attach",
    "bump_schedules",
    "bump_site",
    "clear",
    "client",
    "columns_to_json",
    "current_row",
    "delete",
    "get_json",
    "install",
    "lookup",
    "lookup_lua",
    "prefetched",
    "records",
    "remember",
    "request_memo",
    "rows_with_schedule_versions",
    "schedule_versions",
    "set_json",
    "shares_server",
    "site_version",
    "site_version_with",
    "start_memo",
    "store_answer",
    "watch",
]
