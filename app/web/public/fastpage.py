"""The kept booking page, sent to a first-time visitor before Flask's request runs.

A business's booking link is most often opened by someone who has never been on its site:
no cookie, no ``?lang=``.  For them the whole page (``GET /book``, the flow's choices in the
query string) is the same as for every such visitor with the same ``Accept-Language``, but
for the CSRF token (app/web/public/fragments.py keeps it with a hole for the token).  This
WSGI layer, in front of the app like the API's (app/api/v1/fastpath.py), sends it:

* one Redis script call counts the visitor's hit of the default limit on Flask-Limiter's
  own key and finds the tenant, its site version and row, and the kept page
  (``ratelimit.count_page_view``, ``app.core.cache.lookup``); the page's key names the
  language Flask chose for the same business (under the same site version) and the same
  ``Accept-Language`` (``fragments.cookieless_language``);
* a request context is pushed (no hooks, no view): Flask-WTF makes the visitor's CSRF token
  and the session interface sets the session cookie that holds it, as on Flask's path;
* the headers Flask's path sends: ``Vary``, the security headers, the rate limit's
  ``X-RateLimit-*`` and ``Retry-After``, ``X-Request-ID``; the access log line and the
  request metrics.

It runs no SQL.  Anything else goes on to Flask unchanged: another path or method, a
cookie, ``Authorization``, an htmx request, ``?lang=``/``?embed=`` or another query, a
language not seen yet for this business and header, a missing or stale page, a business
that is not open, a breached limit (Flask renders the 429), Redis trouble.  The hit counted
here and the look-up it carried are handed on (``ratelimit.keep_counted``), so a request
Flask answers after all is counted once and costs no second round trip.
``PUBLIC_FAST_PAGES = False`` turns the layer off.
"""

from __future__ import annotations

import time

from flask import Flask, g, session

from app.core import cache, logs, ratelimit, security
from app.core.early import EarlyAnswers, log_and_count
from app.core.hardening import MAX_URL_LENGTH
from app.core.hosts import open_to_public
from app.extensions import limiter
from app.web.public import fragments

PATH = "/book"
ENDPOINT = "public.book"
#: Of the flow's own query (``fragments.ARGS``), what only Flask answers: ``lang`` is
#: remembered in the session, ``embed`` changes the page's headers.
FLASK_ONLY_ARGS = frozenset({"lang", "embed"})
_OTHER_VISITORS = ("HTTP_COOKIE", "HTTP_AUTHORIZATION", "HTTP_HX_REQUEST")


class KeptPages(EarlyAnswers):
    """The WSGI layer; :func:`install` puts it in front of ``app.wsgi_app``."""

    def wants(self, environ: dict) -> bool:
        return (
            environ.get("PATH_INFO") == PATH
            and environ.get("REQUEST_METHOD") == "GET"
            and not any(name in environ for name in _OTHER_VISITORS)
            and self.app.config.get("PUBLIC_FAST_PAGES", True)
        )

    def answer(self, environ: dict, started: float) -> tuple[str, list, bytes] | None:
        """The kept page as (status, headers, body), or ``None`` to let Flask answer."""
        uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
        accept = environ.get("HTTP_ACCEPT_LANGUAGE", "")
        if len(uri) > MAX_URL_LENGTH or len(accept) > fragments.ACCEPT_LANGUAGE_KEPT:
            return None
        with self.app.request_context(environ) as ctx:
            g.__dict__.clear()  # as Flask's path starts a request (app.core.hosts), even in an outer app context
            req = ctx.request
            if req.url_rule is None or req.url_rule.endpoint != ENDPOINT:
                return None
            sub = str((req.view_args or {}).get("tenant") or "").lower()
            g.tenant_subdomain = sub  # as app.core.hosts sets it; fragments.keepable asks for it
            if not sub or not fragments.keepable(page=True) or FLASK_ONLY_ARGS.intersection(req.args):
                return None
            known = fragments.cookieless_language(sub, accept)
            if known is None:
                return None
            version, language = known
            key = fragments.page_key(language)
            cache.start_memo()
            counted = ratelimit.count_page_view(ENDPOINT, req.remote_addr or "127.0.0.1", (sub, key))
            if counted is not None:
                ratelimit.keep_counted(environ, counted)  # Flask takes this hit if it answers after all
                if not counted.allowed:
                    return None
                found = cache.prefetched(sub, key, counted.found)
            elif limiter.enabled:  # the limit could not be counted here: the limiter counts it
                return None
            else:
                found = cache.lookup(sub, key)
            row = cache.current_row(found, sub)
            if (
                row is None
                or found is None
                or found.version != version
                or found.answer is None
                or not open_to_public(row.get("status"))
            ):
                return None
            page = fragments.fill(found.answer[1].decode())  # the visitor's CSRF token, in the session
            response = self.app.response_class(page, mimetype="text/html")
            response.vary.add("HX-Request")  # as the public site's pages say (app.web.public.site)
            self.app.session_interface.save_session(self.app, session._get_current_object(), response)
        headers = list(response.headers.items())
        if counted is not None and self.app.config.get("RATELIMIT_HEADERS_ENABLED"):
            headers += counted.headers(time.time())
        headers += security.standard_headers(self.app.config, PATH)
        rid = logs.request_id_of(environ)
        headers.append((logs.REQUEST_ID_HEADER, rid))
        log_and_count(self.app, req, ENDPOINT, 200, started, rid, sub)
        return "200 OK", headers, response.get_data()


def install(app: Flask) -> None:
    """Put the layer in front of ``app.wsgi_app`` (inside ProxyFix, so it sees the client's address)."""
    app.wsgi_app = KeptPages(app, app.wsgi_app)
