"""HTTP caching of the public read endpoints: ``ETag``, ``304 Not Modified``, ``Cache-Control``.

``@http_cache(kind)`` under ``@api(...)`` does it for one endpoint.  The ETag is a digest
of what the answer is computed from, read from Redis without SQL (``app.core.cache``):

* the tenant's site version (its row and catalogue: locations, services, masters);
* the endpoint, its path and its query string;
* for ``availability`` also the schedule versions of the masters the answer covers and the
  current minute (slots drop out as time passes; they all start on whole minutes, so the
  answer cannot change within one).

The answer body is kept in Redis under the site version, the endpoint, path and query
(``cache.store_answer``) with the schedule versions it was computed under, so a warm
request -- with or without ``If-None-Match`` -- finds the tenant, the versions and the
body in one Redis round trip (``cache.lookup``), runs no SQL and does not call the view.  Only ``200`` answers
are cached.  An endpoint registered with ``compute=(query model, answer)`` can also have a
new answer computed by the fast path (app/api/v1/fastpath.py, :func:`computed_answer`):
the query validated with the same model, the same ``answer(tenant, query)`` the view
returns, serialized and stored as here.  When Redis does not answer there is no ETag and the view runs as usual.
``Cache-Control: public, max-age`` comes from ``app.core.cache.HTTP_MAX_AGE``.  The
catalogue answers name things in the reader's language (``?lang=`` or ``Accept-Language``),
so for them the language is part of the key and the ETag, and they say ``Vary: Accept-Language``.

An answer of :data:`GZIP_MIN_BYTES` or more is stored gzip-compressed (:func:`pack`: once,
when it is stored) and sent as stored, with ``Content-Encoding: gzip``, to a client whose
``Accept-Encoding`` takes gzip; any other client gets it uncompressed (:func:`representation`).
A location-week of availability is about 90 KB of JSON and 5 KB compressed: a phone
downloads a twentieth of it, Redis keeps a twentieth, and a proxy in front (deploy/nginx
compresses JSON) passes the compressed answer on instead of compressing it again for every
request.  Every answer says ``Vary: Accept-Encoding``; the compressed representation has its
own ETag (the plain one with ``-gz``), and ``If-None-Match`` with either is a match.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any

from flask import current_app, g, jsonify, request
from werkzeug.http import parse_accept_header

from app.api.v1.common import public_tenant
from app.api.v1.registry import load
from app.core import cache, ratelimit, sessions, tenancy
from app.core.i18n import language_asked
from app.core.types import utcnow
from app.scheduling.queries import cached_bookable_masters, schedules_params

# endpoint name -> kind: the OpenAPI document adds the headers and the 304 to these.
CACHED: dict[str, str] = {}
# endpoint name -> (query model, answer(tenant, query) -> payload): the answers the fast path
# may compute itself (http_cache's ``compute``).
COMPUTED: dict[str, tuple[Any, Callable]] = {}
#: The kinds whose answers carry a business's texts, in the reader's language (names,
#: descriptions, addresses: ``app.core.translations``); availability is times and ids only.
LOCALIZED = frozenset({"business", "services", "masters"})
#: Answers this long or longer are stored and sent gzip-compressed (as deploy/nginx's
#: ``gzip_min_length``: below it the gzip header outweighs the saving).
GZIP_MIN_BYTES = 1024
_GZIP_MAGIC = b"\x1f\x8b"  # JSON never starts with these bytes: the stored form says which it is
_GZIP_TAG = "-gz"  # the compressed representation's ETag is the plain one's with this suffix


def json_body(payload: Any) -> bytes:
    """``payload`` as ``jsonify(payload).get_data()`` writes it (the app's JSON provider,
    compact unless it asks to indent), without building a response object around it."""
    provider = current_app.json
    compact = getattr(provider, "compact", None)
    if (compact is None and current_app.debug) or compact is False:
        text = provider.dumps(payload, indent=2)
    else:
        text = provider.dumps(payload, separators=(",", ":"))
    return f"{text}\n".encode()


def pack(body: bytes) -> bytes:
    """An answer as it is stored: gzip-compressed when it has at least :data:`GZIP_MIN_BYTES`.

    A 4 KB window and small hash tables (zlib's defaults are 32 KB and 8): setting up the
    default state costs about 0.1 ms, more than compressing a 2 KB answer, and the answers'
    repetitions (one slot or service after another) are a few hundred bytes apart, so a
    location-week (90 KB) compresses about as well (5 KB) in half the time."""
    if len(body) < GZIP_MIN_BYTES:
        return body
    packer = zlib.compressobj(6, zlib.DEFLATED, 16 + 12, 4)  # 16 +: the gzip container
    return packer.compress(body) + packer.flush()


@lru_cache(maxsize=64)
def accepts_gzip(header: str | None) -> bool:
    """Whether an ``Accept-Encoding`` header takes gzip (``gzip``/``x-gzip``, else ``*``, with a
    quality above 0)."""
    if not header:
        return False
    qualities = {value.lower(): quality for value, quality in parse_accept_header(header)}
    for name in ("gzip", "x-gzip", "*"):
        if name in qualities:
            return qualities[name] > 0
    return False


def representation(stored: bytes, accept_encoding: str | None) -> tuple[bytes, bool]:
    """What to send of a stored answer (:func:`pack`) to a client with this ``Accept-Encoding``:
    ``(body, compressed)``; a compressed answer is uncompressed for a client that takes no gzip."""
    if stored[:2] != _GZIP_MAGIC:
        return stored, False
    if accepts_gzip(accept_encoding):
        return stored, True
    return zlib.decompress(stored, 16 + zlib.MAX_WBITS), False


_KEYS: dict[tuple, str] = {}  # answer_key's results in this process, by what they were computed from
_KEYS_KEPT = 4096


def answer_key(kind: str, req=None, endpoint: str | None = None) -> str:
    """What identifies the answer besides the tenant's versions: the endpoint, its path and
    query string, for the catalogue the reader's language and, for availability, the
    current minute (slots drop out as time passes; they all start on whole minutes, so the
    answer cannot change within one).  ``req`` defaults to the current request; the fast
    path (app.api.v1.fastpath) passes its own request object and matched endpoint."""
    req = request if req is None else req
    endpoint = (req.endpoint if endpoint is None else endpoint) or ""
    environ = req.environ
    account = language = minute = None
    if kind in LOCALIZED:
        account = g.get("actor_language") if req is request else None
        language = environ.get("HTTP_ACCEPT_LANGUAGE")
    if kind == "availability":
        minute = utcnow().strftime("%Y-%m-%dT%H:%M")
    # Everything the key is computed from, as the client sent it: the same request again
    # (a warm read) skips parsing and sorting the query string and the digest.
    raw = (kind, endpoint, environ.get("PATH_INFO"), environ.get("QUERY_STRING"), language, account, minute)
    key = _KEYS.get(raw)
    if key is None:
        parts = [kind, endpoint, req.path, repr(sorted(req.args.items(multi=True)))]
        if kind in LOCALIZED:
            parts.append(language_asked(req, account) or "")
        if minute is not None:
            parts.append(minute)
        key = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
        if len(_KEYS) >= _KEYS_KEPT:
            _KEYS.clear()
        _KEYS[raw] = key
    return key


def _head(kind: str, tenant, kwargs: dict) -> str | None:
    """The schedule versions an answer depends on (``master=version,...|service exists``;
    empty for the catalogue), read from Redis; ``None`` when Redis does not answer."""
    if kind != "availability":
        return ""
    query = kwargs.get("query") or {}
    with tenancy.tenant_scope(tenant.id):
        known = cached_bookable_masters(
            tenant.id, query["service_id"], master_id=query.get("master_id"), location_id=query.get("location_id")
        )
    if known is None:
        return None
    rows, exists = known
    return ",".join(f"{r.id}={r.schedule_version}" for r in rows) + f"|{int(exists)}"


def _plain_id(value: str | None) -> int | None:
    """A query value written as a plain id ("12", not "012" or "+12"), else ``None``."""
    if value is None or not value.isascii() or not value.isdigit() or value.startswith("0") or len(value) > 18:
        return None
    return int(value)


def schedules_wanted(kind: str, args) -> str:
    """For the look-up of a request that may miss (app.api.v1.fastpath): the ``jz:schedules``
    entry :func:`_head` will read for this query string, so the look-up brings it along;
    ``""`` when there is none or the values are not plain ids (then :func:`_head` reads it)."""
    if kind != "availability":
        return ""
    service_id = _plain_id(args.get("service_id"))
    master, location = args.get("master_id"), args.get("location_id")
    master_id, location_id = _plain_id(master), _plain_id(location)
    if service_id is None or (master and master_id is None) or (location and location_id is None):
        return ""
    return schedules_params(service_id, master_id, location_id)


def etag(key: str, tenant_id: int, version: str, head: str) -> str:
    return hashlib.sha256(f"{key}\x1f{tenant_id}\x1f{version}\x1f{head}".encode()).hexdigest()[:32]


def _prefetch() -> tuple[str, str] | None:
    """For the rate limiter, which runs first: the look-up this request's view will make, so
    its own round trip can carry it (app.core.ratelimit.set_prefetch)."""
    kind = CACHED.get((request.endpoint or "").rsplit(".", 1)[-1])
    sub = (request.view_args or {}).get("subdomain")
    if kind is None or not sub or request.method not in ("GET", "HEAD"):
        return None
    return str(sub).lower(), answer_key(kind)


ratelimit.set_prefetch(_prefetch)


def etag_matches(header: str | None, tag: str) -> str | None:
    """The ETag (``tag``, or its compressed representation's) that ``If-None-Match`` names,
    else ``None``."""
    if not header:
        return None
    if header.strip() == "*":
        return tag
    candidates = {c.strip().removeprefix("W/") for c in header.split(",")}
    for named in (tag, tag + _GZIP_TAG):
        if f'"{named}"' in candidates:
            return named
    return None


def caching_headers(kind: str, tag: str | None, compressed: bool = False) -> list[tuple[str, str]]:
    """``Cache-Control``, ``ETag`` and ``Vary`` of an answer of ``kind`` (also 304s); ``compressed``:
    the answer is sent gzip-compressed (its own ETag; ``Content-Encoding`` is the caller's)."""
    pairs = [("Cache-Control", f"public, max-age={cache.HTTP_MAX_AGE[kind]}")]
    pairs.append(("Vary", "Accept-Language, Accept-Encoding" if kind in LOCALIZED else "Accept-Encoding"))
    if tag:
        pairs.append(("ETag", f'"{tag}{_GZIP_TAG}"' if compressed else f'"{tag}"'))
    return pairs


def _headers(resp, kind: str, tag: str | None, compressed: bool = False):
    sessions.same_for_everyone(resp)  # no Vary: Cookie, no session cookie (as the fast path)
    for name, value in caching_headers(kind, tag, compressed):
        if name == "Vary":
            for each in value.split(", "):
                resp.vary.add(each)
        else:
            resp.headers[name] = value
    return resp


def _send(kind: str, tag: str | None, stored: bytes):
    """The response for a stored answer (:func:`pack`), in the representation the client takes."""
    body, compressed = representation(stored, request.headers.get("Accept-Encoding"))
    resp = current_app.response_class(body, mimetype="application/json")
    if compressed:
        resp.headers["Content-Encoding"] = "gzip"
    return _headers(resp, kind, tag, compressed)


def http_cache(kind: str, *, compute: tuple[Any, Callable] | None = None) -> Callable:
    """ETag/304/Cache-Control (and a server-side copy of the body) for a public GET endpoint.

    Put it *under* ``@api(...)``; the view takes ``subdomain`` and returns its payload.
    ``compute=(query model, answer)``: the view's payload is ``answer(public tenant, validated
    query)``, which the fast path may then compute itself (:func:`computed_answer`).
    """
    if kind not in cache.HTTP_MAX_AGE:
        raise ValueError(f"no HTTP lifetime for {kind!r} in app.core.cache.HTTP_MAX_AGE")

    def decorator(fn: Callable) -> Callable:
        CACHED[fn.__name__] = kind
        if compute is not None:
            COMPUTED[fn.__name__] = compute

        @wraps(fn)
        def view(**kwargs: Any):
            key = answer_key(kind)
            # One round trip: the tenant, its site version and this answer if it is still valid.
            known = cache.lookup(str(kwargs["subdomain"]).lower(), key)
            tenant = public_tenant(kwargs["subdomain"])  # 404/403 exactly as the view would
            version = known.version if known is not None and known.tenant_id == tenant.id else None
            if version is None:
                version = cache.site_version(tenant.id)
            stored = known.answer if known is not None and known.tenant_id == tenant.id else None
            head = stored[0].decode() if stored is not None else (_head(kind, tenant, kwargs) if version else None)
            tag = etag(key, tenant.id, version, head) if version and head is not None else None
            matched = etag_matches(request.headers.get("If-None-Match"), tag) if tag else None
            if matched:
                return _headers(current_app.response_class(status=304), kind, tag, matched != tag)
            if stored is not None:
                return _send(kind, tag, stored[1])
            result = fn(**kwargs)
            payload, status = result if isinstance(result, tuple) else (result, 200)
            if status != 200:
                return payload, status
            if not tag:  # Redis did not answer: nothing stored, sent as it is
                return _headers(jsonify(payload), kind, tag)
            packed = pack(json_body(payload))
            cache.store_answer(tenant.id, version, key, head, packed, cache.TTL.get(kind, 300))
            return _send(kind, tag, packed)

        return view

    return decorator


def computed_answer(
    endpoint: str, kind: str, row: dict, version: str, key: str, args: dict, if_none_match: str | None
) -> tuple[str, bytes] | None:
    """For app.api.v1.fastpath on a request without a stored answer: ``(head, body)`` as the
    view's path makes and stores them (the body as stored: :func:`pack`), for the business of
    the cached tenant ``row`` (current under site ``version``, open to the public; ``answer``
    gets it as a read-only record) and the query string ``args``.  ``None`` when the endpoint
    is not computed here.  When ``If-None-Match`` already matches, the body is
    ``b""`` (nothing is computed, nothing stored: a 304).  A query the model refuses, or
    any error of the view, raises as in the view (then Flask answers the request)."""
    entry = COMPUTED.get(endpoint)
    if entry is None:
        return None
    model, answer = entry
    query = load(model, args, query=True)
    # The answers computed here read the business's settings only: a read-only record of
    # the cached row, not an ORM object joined to the session (the view's public_tenant).
    tenant = cache.Record(row)
    head = _head(kind, tenant, {"query": query})
    if head is None:  # Redis did not answer: the view's path (no ETag, nothing stored)
        return None
    if etag_matches(if_none_match, etag(key, tenant.id, version, head)):
        return head, b""
    body = pack(json_body(answer(tenant, query)))
    cache.store_answer(tenant.id, version, key, head, body, cache.TTL.get(kind, 300))
    return head, body


def document(operation: dict, endpoint: str) -> None:
    """Add the caching headers and the 304 answer to an operation of the OpenAPI document."""
    kind = CACHED.get(endpoint)
    if kind is None:
        return
    ok = operation["responses"].get("200")
    etag = {
        "description": "Opaque version of this answer; send it back in If-None-Match.",
        "schema": {"type": "string"},
    }
    control = {
        "description": f"public, max-age={cache.HTTP_MAX_AGE[kind]}: how long a browser or CDN may reuse the answer.",
        "schema": {"type": "string"},
    }
    encoding = {
        "description": f"gzip when the answer has {GZIP_MIN_BYTES} bytes or more and Accept-Encoding takes gzip.",
        "required": False,
        "schema": {"type": "string", "enum": ["gzip"]},
    }
    if ok is not None:
        ok = operation["responses"]["200"] = {**ok, "headers": {**ok.get("headers", {}), "ETag": etag}}
        ok["headers"]["Cache-Control"] = control
        ok["headers"]["Content-Encoding"] = encoding
    operation["responses"]["304"] = {
        "description": "Not modified: the If-None-Match ETag is still current (empty body).",
        "headers": {"ETag": etag, "Cache-Control": control},
    }
    operation.setdefault("parameters", []).append(
        {
            "name": "If-None-Match",
            "in": "header",
            "required": False,
            "description": "The ETag of an earlier answer: 304 with an empty body while it is current.",
            "schema": {"type": "string"},
        }
    )
