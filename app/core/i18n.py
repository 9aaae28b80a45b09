"""Locale selection and helpers for rendering in someone else's language.

A request's locale is, in order: ``?lang=`` (remembered in the session), the logged-in
user's or client's language, the ``Accept-Language`` header, the business's default, and
the platform default.  Jobs and emails render in the *recipient's* language with
:func:`in_locale`, never the sender's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, g, has_request_context, request, session
from flask_babel import force_locale

SUPPORTED = ("en", "ru", "kk")
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "kk": "Қазақша"}


def normalize(lang: str | None) -> str | None:
    if not lang:
        return None
    lang = lang.strip().lower().replace("_", "-").split("-")[0]
    return lang if lang in SUPPORTED else None


def site_languages() -> tuple[str, ...]:
    """The languages this page may be shown in: on a business's booking site the ones the
    business offers (its default language always among them), elsewhere every one we have."""
    tenant = getattr(g, "tenant", None) if has_request_context() else None
    if tenant is None or request.blueprint != "public":
        return SUPPORTED
    offered = [lang for lang in (tenant.languages or []) if lang in SUPPORTED]
    default = normalize(tenant.default_language)
    if default and default not in offered:
        offered.insert(0, default)
    return tuple(offered) or SUPPORTED


def select_locale() -> str:
    default = current_app.config.get("DEFAULT_LANGUAGE", "en")
    if not has_request_context():
        return default
    offered = site_languages()
    if offered != SUPPORTED:
        return _select_among(offered)
    explicit = normalize(request.args.get("lang"))
    if explicit:
        if not request.path.startswith("/api/"):
            session["lang"] = explicit
        return explicit
    header = request.accept_languages.best_match(SUPPORTED)
    if request.path.startswith("/api/"):
        # API clients say what they want per request (the contract: Accept-Language or ?lang=).
        if header:
            return header
    else:
        remembered = normalize(session.get("lang"))
        if remembered:
            return remembered
    actor_lang = normalize(getattr(g, "actor_language", None))
    if actor_lang:
        return actor_lang
    if header:
        return header
    tenant = getattr(g, "tenant", None)
    return normalize(getattr(tenant, "default_language", None)) or default


def requested_language() -> str | None:
    """The language an API caller asked for: ``?lang=``, ``Accept-Language``, else their
    account's; ``None`` when they named none (a business's texts then come in its default
    language, whatever the platform's default for messages is).  Read from the request, not
    from the locale chosen earlier; remembered for the request per account language (the
    query and headers do not change, the account's language is known once the credential is
    read), so a serializer asking for every text of every row parses the headers once."""
    if not has_request_context():
        return None
    account = getattr(g, "actor_language", None)
    memo = g.get("requested_language")
    if memo is not None and memo[0] == account:
        return memo[1]
    lang = language_asked(request, account)
    g.requested_language = (account, lang)
    return lang


def language_asked(req, account_language: str | None = None) -> str | None:
    """:func:`requested_language` of a request object (``?lang=``, ``Accept-Language``, then
    ``account_language``): the API's fast path (app.api.v1.fastpath) asks it before Flask runs."""
    return normalize(req.args.get("lang")) or req.accept_languages.best_match(SUPPORTED) or normalize(account_language)


def _select_among(offered: tuple[str, ...]) -> str:
    """A booking site's locale: the same order as :func:`select_locale`, among ``offered``
    only, then the business's default language."""
    explicit = normalize(request.args.get("lang"))
    if explicit in offered:
        session["lang"] = explicit
        return explicit
    for candidate in (session.get("lang"), getattr(g, "actor_language", None)):
        if normalize(candidate) in offered:
            return normalize(candidate)
    tenant_default = normalize(getattr(g.tenant, "default_language", None))
    return request.accept_languages.best_match(offered) or (tenant_default if tenant_default in offered else offered[0])


@contextmanager
def in_locale(lang: str | None) -> Iterator[None]:
    """Render the block in ``lang`` (falls back to the platform default)."""
    with force_locale(normalize(lang) or current_app.config.get("DEFAULT_LANGUAGE", "en")):
        yield
