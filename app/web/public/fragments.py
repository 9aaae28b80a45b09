"""The booking page's HTML kept in Redis for everyone who asks the same (a fragment cache).

Building ``GET /book`` -- the chosen location, service and master, the month's free days
and the day's free times, their HTML and the page around them -- is all of a warm booking
page's time but a few Redis and framework calls.  What it shows is the same for every
visitor who asks the same URL in the same language within the same stretch of time, so it
is rendered once and kept as an answer of :mod:`app.core.cache.lookup`:

* under the tenant's *site version*, in the entry's key: the tenant row (booking window,
  slot step, notice, languages), its locations, services, masters and their translations;
* under the answer key (:func:`_answer_key`): the host, path and query string (the ids,
  ``date``/``month``, ``embed``, ``lang``), the template (the whole page, or the part an
  htmx request swaps), the page's language, the stretch of time (:func:`_window`) and this
  build of the application (:func:`_build`);
* with the *schedule versions* of the masters whose calendar it shows in its head, which
  the look-up script compares with the current ones (a booking, hours, a day off or time
  off of one of them moves its version).

The look-up is one script call; where the rate limiter shares the cache's Redis its own
call brings the page along (:func:`prefetch_key`), so a warm page is one round trip.

Every write that changes what the page shows moves one of these versions after it commits,
and the versions are read before the data the page is built from, so a kept page is never
older than its versions say.  Nothing of one visitor is kept: a whole page is kept with a
hole for the CSRF token (filled on every request) and only when the visitor has no
flashed message waiting; the booking flow shows nothing of the signed-in client.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, g, request, session
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from app.core import cache
from app.core.templating import reader_language
from app.core.types import utcnow
from app.scheduling.queries import cached_bookable_masters
from app.web.public.site import CLIENT_COOKIE, bp

#: The query of the flow's own links: a URL with anything else (or twice) is not kept, so
#: made-up URLs cannot fill Redis with copies of the page.
ARGS = frozenset({"location_id", "service_id", "master_id", "date", "month", "embed", "lang"})
#: The whole booking page's template (app.web.public.flow.PAGE).
PAGE_TEMPLATE = "public/book/index.html"
#: Stands for the visitor's CSRF token in a kept page (``base.html``'s ``csrf_token()``).
CSRF_HOLE = "\x00jz-csrf-token\x00"
_APP = Path(__file__).resolve().parents[2]


@functools.cache
def _build() -> str:
    """This build of the application: a digest of the package's files (templates, code,
    translations, static files), read once per process, so pages kept by another release
    are never served by this one."""
    digest = hashlib.sha256()
    for path in sorted(p for p in _APP.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(_APP)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@bp.record_once
def _read_build_early(_state) -> None:
    """Read :func:`_build` when the app is set up: gunicorn's master, which preloads the app,
    reads the files once and its forked workers inherit the digest (else each new worker read
    them on its first page)."""
    _build()


def _window(now: float) -> tuple[int, int]:
    """The stretch of time around ``now`` (epoch seconds) within which the page cannot change.

    Every time the page depends on is a whole minute: slot starts (hours are HH:MM, the
    grid steps whole minutes, zones are whole minutes off UTC), the notice, local
    midnights and the 5-minute buckets of the cached slots.  A free time is shown while
    ``now + notice <= start``; a day is free while ``int(now + notice) <= its last start``.
    So within minute ``M`` the page can only change at ``M`` itself (a time that starts then)
    and at ``M + 1 s`` (a day whose last time started then): three stretches, ``{M}``,
    ``(M, M + 1 s)`` and ``[M + 1 s, M + 60 s)``.
    """
    minute, second = divmod(now, 60)
    return int(minute), 0 if second == 0 else (1 if second < 1 else 2)


def _answer_key(template: str, window: tuple[int, int], language: str) -> str:
    args = sorted(request.args.items(multi=True))
    parts = ["page", _build(), template, request.host.lower(), request.path, repr(args), language]
    return hashlib.sha256(("\x1f".join(parts) + repr(window)).encode()).hexdigest()[:32]


#: (subdomain, what the page's language was chosen from) -> the language chosen, as last
#: seen by :func:`find`: lets :func:`prefetch_key` name the key before the tenant is known.
_LANGUAGES: dict[tuple, str] = {}


#: (subdomain, Accept-Language) -> (site version, language) of the last whole page found or
#: kept for a visitor with no cookie and no ``?lang=``.  For such a visitor the language
#: follows from these alone (no session, no signed-in client; the business's languages and
#: its default are under its site version), so the booking page's layer
#: (app.web.public.fastpage) names the kept page's key exactly, not by a guess.
_COOKIELESS: dict[tuple[str, str], tuple[str, str]] = {}
#: An ``Accept-Language`` longer than this is left to Flask (the memo above stays small).
ACCEPT_LANGUAGE_KEPT = 200


def cookieless_language(sub: str, accept_language: str) -> tuple[str, str] | None:
    """``(site version, language)`` of a cookie-less visitor's page (see :data:`_COOKIELESS`)."""
    return _COOKIELESS.get((sub, accept_language))


def page_key(language: str) -> str:
    """The answer key of the whole booking page for this request, shown in ``language`` now."""
    return _answer_key(PAGE_TEMPLATE, _window(utcnow().timestamp()), language)


def _language_inputs() -> tuple:
    """What a booking page's language is chosen from besides the tenant and a signed-in
    client (app.core.i18n): ``?lang=``, the language remembered in the session, the header
    (its start: a guess from a shared start only costs a round trip)."""
    return request.args.get("lang", "")[:8], session.get("lang"), request.headers.get("Accept-Language", "")[:64]


def keepable(page: bool) -> bool:
    """Whether this request's HTML may be kept and looked for (see :func:`find`)."""
    if not g.get("tenant_subdomain") or current_app.jinja_env.auto_reload or (page and "_flashes" in session):
        return False
    return ARGS.issuperset(request.args) and not any(len(v) > 1 for v in request.args.listvalues())


@dataclass(slots=True)
class Kept:
    """The HTML found in Redis (``html``), or what storing the one about to be rendered needs."""

    html: str | None = None
    tenant_id: int = 0
    version: str | None = None  # the site version the tenant row was read under; None: keep nothing
    key: str = ""
    window: tuple[int, int] = (0, 0)
    head: str | None = None  # the schedule versions it depends on: "master=version,..."
    page: bool = False  # a whole page, with the CSRF_HOLE

    def catalogue_only(self) -> None:
        """The page shows no calendar: it depends on the site version alone."""
        self.head = ""

    def calendar_of(self, service_id: int, master_id: int | None, location_id: int) -> None:
        """The page shows the calendar of this service (master, or any master) at the
        location: read the versions of its masters now, before the calendar's data (the
        calendar reads the same rows, remembered for the request)."""
        known = cached_bookable_masters(self.tenant_id, service_id, master_id=master_id, location_id=location_id)
        if known is None:  # Redis does not answer: keep nothing
            self.version = None
            return
        self.head = ",".join(f"{r.id}={r.schedule_version}" for r in known[0])

    def store(self, html: str) -> None:
        """Keep ``html`` (just rendered) when everything it was built from was read within
        the stretch of time of its key."""
        if self.version is None or self.head is None or _window(utcnow().timestamp()) != self.window:
            return
        if self.page and html.count(CSRF_HOLE) != 1:  # a page whose only per-visitor text is the token
            return
        cache.store_answer(self.tenant_id, self.version, self.key, self.head, html.encode(), cache.TTL["page"])


def find(template: str, *, page: bool) -> Kept:
    """The kept HTML of ``template`` for this request, or an empty :class:`Kept` ready to
    store it (one Redis round trip; none when Redis does not answer, or for a query other
    than :data:`ARGS`).  A whole ``page`` has the :data:`CSRF_HOLE` (see :func:`fill`) and is
    not kept for a visitor with a flashed message waiting."""
    tenant = g.tenant
    if not keepable(page):
        return Kept()
    version = cache.site_version(tenant.id)  # remembered from the tenant's look-up
    if version is None:
        return Kept()
    sub = str(g.tenant_subdomain).lower()
    inputs = _language_inputs()  # before the language is chosen: choosing ?lang= remembers it
    language = reader_language()
    if CLIENT_COOKIE not in request.cookies:  # a signed-in client's own language is not a guess for others
        if len(_LANGUAGES) >= 1024:
            _LANGUAGES.clear()
        _LANGUAGES[(sub, inputs)] = language
    accept = request.headers.get("Accept-Language", "")
    if page and not request.cookies and not inputs[0] and inputs[1] is None and len(accept) <= ACCEPT_LANGUAGE_KEPT:
        if len(_COOKIELESS) >= 1024:
            _COOKIELESS.clear()
        _COOKIELESS[(sub, accept)] = (version, language)
    window = _window(utcnow().timestamp())
    key = _answer_key(template, window, language)
    known = cache.lookup(sub, key)  # no round trip when the rate limiter brought it (prefetch_key)
    if known is None or known.tenant_id != tenant.id or known.version != version:
        return Kept()  # Redis does not answer, or the tenant changed since its row was read
    if known.answer is not None:
        return Kept(html=known.answer[1].decode())
    return Kept(tenant_id=tenant.id, version=version, key=key, window=window, page=page)


def prefetch_key(template: str, *, page: bool) -> tuple[str, str] | None:
    """For the rate limiter, which runs before the tenant is known: ``(subdomain, answer
    key)`` that :func:`find` will look for, so the limiter's script call brings it along
    (app.core.ratelimit.set_prefetch).  The language is the one :func:`find` last chose from
    the same inputs for this business; ``None`` when that is not known, or a signed-in
    client's language may decide (read later), or nothing is kept for this request.  A
    wrong guess only costs :func:`find` its own round trip."""
    sub = g.get("tenant_subdomain")
    if not sub or CLIENT_COOKIE in request.cookies or not keepable(page):
        return None
    sub = str(sub).lower()
    language = _LANGUAGES.get((sub, _language_inputs()))
    if language is None:
        return None
    return sub, _answer_key(template, _window(utcnow().timestamp()), language)


def hole() -> str:
    """``csrf_token()`` for a page that is to be kept: :data:`CSRF_HOLE`."""
    return CSRF_HOLE


def fill(page: str) -> str:
    """A page rendered with :func:`hole` for ``csrf_token()``, with this visitor's token."""
    return page.replace(CSRF_HOLE, str(escape(generate_csrf())))
