"""The business's public site: its blueprint, the signed-in client (a 30-day cookie), and
the request plumbing every public page shares (the embed mode, htmx partials, filters).

The pages register on ``bp`` from ``views`` (my bookings), ``flow`` (the booking flow),
``verify`` (phone verification) and ``manage`` (links from messages).
"""

from __future__ import annotations

import functools
import hashlib
from urllib.parse import quote_plus

from flask import Blueprint, current_app, g, request, url_for
from flask_babel import force_locale, format_date
from werkzeug.routing import BuildError

from app.accounts.clients import client_from_token
from app.core.hosts import require_active_tenant
from app.core.htmx import is_htmx
from app.core.security import allow_framing
from app.core.templating import reader_language

bp = Blueprint("public", __name__)
CLIENT_COOKIE = "jz_client"
AVATAR_HUES = 12


@bp.before_request
def _only_active():
    require_active_tenant()
    client = current_client()
    if client is not None:
        g.actor_language = client.language


def current_client():
    """The verified client of this booking site (from the 30-day session cookie), or None."""
    if "public_client" not in g:
        token = request.cookies.get(CLIENT_COOKIE)
        g.public_client = client_from_token(g.tenant, token) if token else None
    return g.public_client


@functools.lru_cache(maxsize=8192)
def _day_text(day, fmt: str, lang: str) -> str:
    with force_locale(lang):
        return format_date(day, fmt)


@bp.app_template_global("format_day")
def format_day(day, fmt: str = "medium", lang: str | None = None) -> str:
    """A calendar date in the page's language (``EEE`` weekday, ``MMM`` month, ``full``...).

    A month page shows about a hundred of them, so each text is made once per language and
    remembered (a date's text in a language does not change).  ``lang`` is the page's
    language when the caller already knows it (:func:`app.core.templating.reader_language`).
    """
    return _day_text(day, fmt, lang or reader_language())


#: Marks a value of :func:`url_pattern` that is given later (``OPEN`` in templates too).
OPEN = object()
bp.add_app_template_global(OPEN, "OPEN")
_QUERY_SAFE = "!$'()*,/:;?@"  # what werkzeug leaves unescaped in a query value (werkzeug.urls._urlencode)


@bp.app_template_global("url_pattern")
def url_pattern(endpoint: str, **values):
    """``url_for(endpoint, **values)`` for a list of links that differ only in the values
    marked :data:`OPEN`, built once: werkzeug's URL building is slow and a month page has
    dozens of links.

    ``url_pattern("public.book", location_id=OPEN, service_id=4)(location_id=1)`` is
    ``url_for("public.book", location_id=1, service_id=4)``: the same URL, url defaults
    and the order of the query included.  The open values must be query values.
    """
    keys = [k for k, v in values.items() if v is OPEN]
    marked = {k: (f"~{keys.index(k)}~" if v is OPEN else v) for k, v in values.items()}  # "~" is never escaped
    try:
        parts = url_for(endpoint, **marked).split("~")
    except (ValueError, BuildError):  # an open value in the path that its converter refuses
        parts = []
    # "/book?a=1&date=~0~&b=2" -> ["/book?a=1&date=", "0", "&b=2"]: text, index, text, ...
    if len(parts) != 2 * len(keys) + 1 or sorted(parts[1::2]) != [str(i) for i in range(len(keys))]:
        # an open value in the path, or a "~" elsewhere in the URL: build each URL in full
        return lambda **filled: url_for(endpoint, **(values | filled))
    head = parts[0]
    rest = [(keys[int(parts[i])], parts[i + 1]) for i in range(1, len(parts), 2)]

    def build(**filled) -> str:
        return head + "".join(_quoted(str(filled[key])) + text for key, text in rest)

    return build


@functools.lru_cache(maxsize=8192)
def _quoted(value: str) -> str:
    return quote_plus(value, safe=_QUERY_SAFE)


def pick(items: list, item_id):
    return next((i for i in items if i.id == item_id), None) if item_id is not None else None


@bp.before_request
def _embed_flag():
    g.embed = request.args.get("embed") == "1"


@bp.url_defaults
def _keep_embed(endpoint: str, values: dict) -> None:
    if g.get("embed"):
        values.setdefault("embed", 1)
        # The framed page may not keep a language cookie (a third-party context): carry ?lang=.
        if request.args.get("lang"):
            values.setdefault("lang", request.args["lang"])


@bp.after_request
def _public_headers(response):
    # A URL answers with a partial for htmx and the page otherwise: caches must tell them apart.
    response.vary.add("HX-Request")
    if g.get("embed"):
        allow_framing(response)
    return response


def partial() -> str | None:
    """The id of the element an htmx request swaps (None for a full page request)."""
    if not is_htmx() or request.headers.get("HX-History-Restore-Request"):
        return None
    target = request.headers.get("HX-Target")
    if not target:  # htmx names its target; a bare request for a day or month means the calendar
        target = "slot-picker" if ("date" in request.args or "month" in request.args) else "flow"
    return target


@bp.app_template_filter("initials")
def initials(name: str | None) -> str:
    """Up to two initials for an avatar: "Aigerim Sadykova" -> "AS"."""
    parts = [p for p in (name or "").replace("-", " ").split() if p[:1].isalnum()]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


@bp.app_template_filter("upper_first")
def upper_first(text: str) -> str:
    """ "январь 2027" -> "Январь 2027" (unlike ``capitalize``, the rest is left alone)."""
    return text[:1].upper() + text[1:]


@bp.app_template_filter("avatar_hue")
def avatar_hue(key) -> int:
    """A stable colour index (0..11) for an avatar."""
    return int(hashlib.sha1(str(key).encode(), usedforsecurity=False).hexdigest()[:4], 16) % AVATAR_HUES


def set_client_cookie(resp, token: str):
    resp.set_cookie(
        CLIENT_COOKIE,
        token,
        max_age=int(current_app.config["CLIENT_SESSION_TTL"].total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return resp
