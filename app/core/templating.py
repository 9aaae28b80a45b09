"""Jinja helpers: local times, "today"/"tomorrow", money, phone numbers, assets, business texts."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from babel.languages import get_official_languages
from babel.numbers import format_decimal, get_currency_symbol
from flask import Flask
from flask_babel import format_date, format_datetime, format_time, get_locale, get_translations
from flask_babel import gettext as _
from jinja2 import pass_context
from markupsafe import Markup

from app.core.assets import fingerprinted
from app.core.i18n import site_languages
from app.core.phones import format_phone
from app.core.translations import sort_key, text_in
from app.core.types import utcnow


def asset(path: str) -> str:
    """A same-host URL for a static file with its content hash in the name
    (``/static/css/app.<hash>.css``, cached for a year: see ``app.core.assets``)."""
    return fingerprinted(path)


def local_dt(value: datetime | None, tz: str, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return format_datetime(value.astimezone(ZoneInfo(tz)), fmt, rebase=False)


def local_time(value: datetime | None, tz: str) -> str:
    if value is None:
        return ""
    return format_time(value.astimezone(ZoneInfo(tz)), "short", rebase=False)


def local_date(value: datetime | None, tz: str, fmt: str = "full") -> str:
    if value is None:
        return ""
    return format_date(value.astimezone(ZoneInfo(tz)).date(), fmt)


def day_word(value: datetime | None, tz: str, now: datetime | None = None) -> str:
    """ "today" or "tomorrow" when ``value`` falls on that day in the zone ``tz`` as seen at
    ``now`` (default: the app clock's now, i.e. when the text is rendered); else ""."""
    if value is None:
        return ""
    zone = ZoneInfo(tz or "UTC")
    today = (now or utcnow()).astimezone(zone).date()
    day = value.astimezone(zone).date()
    if day == today:
        return _("today")
    if day == today + timedelta(days=1):
        return _("tomorrow")
    return ""


def relative_day(value: datetime | None, tz: str, skeleton: str = "MMMEd", now: datetime | None = None) -> str:
    """ "today", "tomorrow", else the date by a CLDR skeleton ("Wed, Dec 9" / "ср, 9 дек.")."""
    if value is None:
        return ""
    word = day_word(value, tz, now)
    if word:
        return word
    local = value.astimezone(ZoneInfo(tz or "UTC"))
    return format_skeleton(skeleton, local, locale=str(get_locale() or "en"))


def when_short(value: datetime | None, tz: str, now: datetime | None = None) -> str:
    """A visit's day and time for an SMS or a list: "today, 10:00", "Wed, Dec 9, 10:00"."""
    if value is None:
        return ""
    return f"{relative_day(value, tz, now=now)}, {local_time(value, tz)}"


def when_long(value: datetime | None, tz: str, now: datetime | None = None) -> str:
    """The same for an email: "tomorrow, December 8, 2026, 10:00", else the full date."""
    if value is None:
        return ""
    word = day_word(value, tz, now)
    local = value.astimezone(ZoneInfo(tz or "UTC"))
    if word:
        return f"{word}, {format_date(local.date(), 'long')}, {local_time(value, tz)}"
    return f"{format_date(local.date(), 'full')}, {local_time(value, tz)}"


def phone(value: str | None) -> str:
    """A phone number for display (``+7 701 777 88 99``); see :func:`app.core.phones.format_phone`."""
    return format_phone(value)


@functools.cache
def currency_symbol(currency: str, locale: str) -> str:
    """The symbol people of ``locale`` write for ``currency``.

    Where the language has none of its own (CLDR's Russian and English give the tenge as
    "KZT"), the one written in the currency's home country is used ("₸" from ru_KZ or kk_KZ),
    so a price reads the same in every language of the business.
    """
    symbol = get_currency_symbol(currency, locale=locale)
    if symbol != currency or len(currency) != 3:
        return symbol
    territory = currency[:2].upper()  # ISO 4217: the first two letters are the country
    lang = locale.split("_")[0]
    for candidate in (f"{lang}_{territory}", *(f"{o}_{territory}" for o in get_official_languages(territory))):
        try:
            home = get_currency_symbol(currency, locale=Locale.parse(candidate))
        except (UnknownLocaleError, ValueError):
            continue
        if home != currency:
            return home
    return symbol


def money(amount: Decimal | str | None, currency: str) -> str:
    """Prices as people write them: "9 000 ₸" (ru, kk), "9,000 ₸" (en), with kopecks/tiyn only
    when there are some ("9 000,50 ₸").  Digits and separators follow the page's locale; the
    symbol follows :func:`currency_symbol`.  The one formatter for pages, emails and SMS."""
    if amount is None:
        return ""
    value = Decimal(amount)
    locale = str(get_locale() or "en")
    pattern = "#,##0" if value == value.to_integral_value() else "#,##0.00"
    return f"{format_decimal(value, pattern, locale=locale)}\xa0{currency_symbol(currency, locale)}"


def reader_language() -> str:
    """The language the current page or message is rendered in."""
    return str(get_locale() or "en")


def tr(obj, field: str = "name") -> str:
    """``{{ service|tr }}``, ``{{ location|tr("address") }}``: the business's text in the
    reader's language, else in the business's default language."""
    return text_in(obj, field, reader_language()) if obj is not None else ""


def in_reading_order(rows, field: str = "name") -> list:
    """Rows ordered by the text the reader sees (``{% for s in services|sort_tr %}``)."""
    rows = list(rows)
    if len(rows) < 2:  # nothing to order: no need to ask for the language
        return rows
    return sorted(rows, key=sort_key(reader_language(), field))


_RENDER_LANGUAGE = "_render_language"  # the render's language in its context (render_translations)


@pass_context
def tr_filter(context, obj, field: str = "name") -> str:
    """The ``tr`` filter: :func:`tr` in the language of the render, which
    :func:`render_translations` puts in its context (else, e.g. in a macro imported without
    context, the reader's language is asked for)."""
    if obj is None:
        return ""
    return text_in(obj, field, context.get(_RENDER_LANGUAGE) or reader_language())


def render_translations() -> dict:
    """A context processor: the templates' ``_()``, ``gettext`` and ``ngettext`` for one
    render, bound to the translations of the locale it renders in, and that locale's
    language for the ``tr`` filter (:func:`tr_filter`).

    They give what Jinja's newstyle gettext around Flask-Babel's functions gives (the
    callables ``app/__init__.py`` installs, which stay for templates rendered without
    context processors); those look up the locale and its translations again on every call
    (about fifty Python calls, several of them context-local look-ups), and a page calls
    them dozens of times.
    """
    translations = get_translations()
    ugettext, ungettext = translations.ugettext, translations.ungettext
    language = reader_language()

    @pass_context
    def gettext(__context, __string: str, **variables):
        rv = ugettext(__string)
        if __context.eval_ctx.autoescape:
            rv = Markup(rv)  # noqa: S704 -- as Jinja's newstyle gettext: the catalogue's text is trusted
        return rv % variables

    @pass_context
    def ngettext(__context, __singular: str, __plural: str, __num: int, **variables):
        variables.setdefault("num", __num)
        rv = ungettext(__singular, __plural, __num) % {"num": __num}  # as Flask-Babel's ngettext
        if __context.eval_ctx.autoescape:
            rv = Markup(rv)  # noqa: S704 -- as Jinja's newstyle ngettext: the catalogue's text is trusted
        return rv % variables

    return {"gettext": gettext, "ngettext": ngettext, _RENDER_LANGUAGE: language}


def init_app(app: Flask) -> None:
    app.context_processor(render_translations)
    app.jinja_env.globals.update(
        asset=asset,
        local_dt=local_dt,
        local_time=local_time,
        local_date=local_date,
        money=money,
        phone=phone,
        day_word=day_word,
        relative_day=relative_day,
        when_short=when_short,
        when_long=when_long,
        current_locale=reader_language,
        site_languages=site_languages,
    )
    app.jinja_env.filters["phone"] = phone
    app.jinja_env.filters["tr"] = tr_filter
    app.jinja_env.filters["sort_tr"] = in_reading_order
    # A missing value renders as nothing, never as the word "None" on a page or in a message.
    app.jinja_env.finalize = blank_none


def blank_none(value):
    """Jinja's ``finalize``: ``{{ x }}`` with ``x`` None prints nothing."""
    return "" if value is None else value
