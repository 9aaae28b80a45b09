"""Warm public reads answered before Flask runs.

A ``GET``/``HEAD`` of a public endpoint under ``@http_cache`` (app/api/v1/caching.py) that
carries no ``Authorization`` header is first tried here, in a WSGI layer in front of the
app.  One Redis script call counts the caller's API rate limit on the key Flask-Limiter
uses and finds the tenant, its site version, its cached row and the stored answer
(``ratelimit.count_public_read``, ``app.core.cache.lookup``).  When that answer is still
valid and the business is open, the layer sends it with the headers the view's path sends:

* caching (``ETag``, ``Cache-Control``, ``Vary``), ``304`` for a matching ``If-None-Match``;
* the answer gzip-compressed as it is stored, when the client takes gzip (``Content-Encoding``),
  else uncompressed (``caching.representation``);
* the rate limit's ``X-RateLimit-*`` and ``Retry-After``;
* the security headers and CORS (app.core.security);
* ``X-Request-ID``.

It writes the access log line and the request metrics like any request.  It pushes no
request context and runs no session, login, locale, hook or view code: no SQL.

Without a valid stored answer, an endpoint registered with ``@http_cache(..., compute=...)``
(the availability) has its answer computed here as its view computes it: the request's
checks (``hardening.check_request``), the query validated by the view's model, the view's
``answer(tenant, query)`` in this layer's app context (its prepared statements in autocommit
on a connection of their own, ``prepared.autocommit``; anything it reads through the session
in the session's transaction, committed), and the answer stored and sent as a stored one
is (``caching.computed_answer``).  A request any of that refuses, or that fails, is rolled
back and goes on to Flask, which answers it as usual.

Everything else goes on to Flask unchanged:

* other paths;
* a missing or stale answer of another endpoint;
* a business that is not active, or another host's;
* a breached limit (Flask renders the ``429``);
* Redis trouble.

The hit counted here is handed on (``ratelimit.keep_counted``), so the limiter does not
count the request twice, and the look-up it carried serves the view, so a miss costs no
extra round trip.  The look-up and the versions read are kept for the layer's own
computation as a request's are (``cache.start_memo``); for a computed endpoint the look-up
also brings the cached list of masters and their schedule versions the computation reads
(``caching.schedules_wanted``), so a new question costs one Redis round trip less.
``API_FAST_READS = False`` turns the layer off.
"""

from __future__ import annotations

import time

from flask import Flask
from werkzeug.exceptions import HTTPException

from app.api.v1.caching import (
    CACHED,
    COMPUTED,
    answer_key,
    caching_headers,
    computed_answer,
    etag,
    etag_matches,
    representation,
    schedules_wanted,
)
from app.core import cache, logs, prepared, ratelimit, security
from app.core import db as uow
from app.core.early import EarlyAnswers, log_and_count
from app.core.errors import DomainError
from app.core.hardening import FORM_TYPES, MAX_URL_LENGTH, check_request
from app.core.hosts import open_to_public
from app.extensions import limiter

PREFIX = "/api/v1/public/business/"
ROUTES_KEPT = 1024  # host and path -> matched rule, per process (see CachedReads._route)


class CachedReads(EarlyAnswers):
    """The WSGI layer; :func:`install` puts it in front of ``app.wsgi_app``."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        super().__init__(app, wsgi_app)
        self._routes: dict[tuple, tuple] = {}

    def wants(self, environ: dict) -> bool:
        return (
            environ.get("REQUEST_METHOD") in ("GET", "HEAD")
            and environ.get("PATH_INFO", "").startswith(PREFIX)
            and "HTTP_AUTHORIZATION" not in environ
            and self.app.config.get("API_FAST_READS", True)
        )

    def answer(self, environ: dict, started: float) -> tuple[str, list, bytes] | None:
        with self.app.app_context():
            return self._answer(environ, started)

    def _answer(self, environ: dict, started: float) -> tuple[str, list, bytes] | None:
        """The stored answer as (status, headers, body), or ``None`` to let Flask answer."""
        req = self.app.request_class(environ)
        uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or req.full_path
        if len(uri) > MAX_URL_LENGTH:
            return None
        route = self._route(environ, req)
        if route is None:  # not found, another method, a redirect: Flask says so
            return None
        rule, args = route
        kind = CACHED.get(rule.endpoint.rsplit(".", 1)[-1])
        sub = str(args.get("subdomain") or "").lower()
        host_sub = args.get("tenant")
        if kind is None or not sub or (host_sub is not None and host_sub.lower() != sub):
            return None
        key = answer_key(kind, req, rule.endpoint)
        cache.start_memo()
        also = schedules_wanted(kind, req.args) if rule.endpoint.rsplit(".", 1)[-1] in COMPUTED else ""
        wanted = (sub, key, also) if also else (sub, key)
        counted = ratelimit.count_public_read(rule.endpoint, req.remote_addr or "127.0.0.1", wanted)
        if counted is not None:
            ratelimit.keep_counted(environ, counted)
            if not counted.allowed:
                return None
            found = cache.prefetched(sub, key, counted.found, also)
        elif limiter.enabled:  # the limit could not be counted here: the limiter counts it
            return None
        else:
            found = cache.lookup(sub, key, also)
        row = cache.current_row(found, sub)
        if row is None or not open_to_public(row.get("status")):
            return None
        if found.answer is not None:
            head, body = found.answer[0].decode(), found.answer[1]
        else:
            computed = self._compute(req, rule.endpoint, kind, args, row, found.version, key)
            if computed is None:
                return None
            head, body = computed
        tag = etag(key, found.tenant_id, found.version, head)
        matched = etag_matches(environ.get("HTTP_IF_NONE_MATCH"), tag)
        if matched:  # as werkzeug sends a 304: no entity headers, no body
            status, code, body = "304 NOT MODIFIED", 304, b""
            headers = self._headers(req, kind, tag, counted, matched != tag)
        else:
            status, code = "200 OK", 200
            body, compressed = representation(body, environ.get("HTTP_ACCEPT_ENCODING"))
            headers = self._headers(req, kind, tag, counted, compressed)
            entity = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            headers[:0] = [*entity, ("Content-Encoding", "gzip")] if compressed else entity
            if req.method == "HEAD":
                body = b""
        log_and_count(self.app, req, rule.endpoint, code, started, headers[-1][1], args["subdomain"])
        return status, headers, body

    def _route(self, environ: dict, req) -> tuple | None:
        """The matched rule and view arguments of a ``GET`` of this host and path; the matches
        are kept (the same question again matches the same way), at most :data:`ROUTES_KEPT`."""
        where = (environ.get("HTTP_HOST") or environ.get("SERVER_NAME"), environ.get("PATH_INFO"))
        route = self._routes.get(where)
        if route is None:
            try:
                route = self.app.create_url_adapter(req).match(method="GET", return_rule=True)
            except HTTPException:
                return None
            if len(self._routes) >= ROUTES_KEPT:
                self._routes.clear()
            self._routes[where] = route
        return route[0], dict(route[1])

    def _compute(
        self, req, endpoint: str, kind: str, view_args: dict, row: dict, version: str, key: str
    ) -> tuple[str, bytes] | None:
        """A new answer's ``(head, body)`` (``caching.computed_answer``), its transaction
        committed; ``None`` to let Flask answer (not computed here, or refused)."""
        name = endpoint.rsplit(".", 1)[-1]
        if name not in COMPUTED or req.mimetype in FORM_TYPES:  # a form body is Flask's to read
            return None
        try:
            check_request(req, view_args)
            with prepared.autocommit():  # it only reads: no BEGIN and COMMIT round trips, no session transaction
                computed = computed_answer(
                    name, kind, row, version, key, req.args.to_dict(), req.environ.get("HTTP_IF_NONE_MATCH")
                )
        except (DomainError, HTTPException):  # Flask gives the same answer to the same request
            uow.rollback()
            return None
        except BaseException:
            uow.rollback()
            raise
        uow.commit()
        return computed

    def _headers(self, req, kind: str, tag: str, counted, compressed: bool) -> list[tuple[str, str]]:
        """Every header but the entity ones, the request id last."""
        headers, vary = [], []
        for name, value in caching_headers(kind, tag, compressed):
            if name == "Vary":
                vary.append(value)
            else:
                headers.append((name, value))
        if counted is not None and self.app.config.get("RATELIMIT_HEADERS_ENABLED"):
            headers += counted.headers(time.time())
        headers += security.standard_headers(self.app.config, req.path)
        cors = security.cors_headers(self.app.config, req.path, req.headers.get("Origin"))
        if cors:
            headers += cors
            vary.append("Origin")
        if vary:
            headers.append(("Vary", ", ".join(vary)))
        headers.append((logs.REQUEST_ID_HEADER, logs.request_id_of(req.environ)))
        return headers


def install(app: Flask) -> None:
    """Put the layer in front of ``app.wsgi_app`` (inside ProxyFix, so it sees the client's address)."""
    app.wsgi_app = CachedReads(app, app.wsgi_app)
