"""Small value checks shared by forms, API schemas and services."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from importlib.resources import files
from zoneinfo import ZoneInfo, available_timezones

from babel.numbers import list_currencies
from flask_babel import lazy_gettext as _l

from app.core.errors import ValidationError

SUBDOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$")
#: An address as people type them: a local part without spaces or "@" (RFC 5322 allows much in
#: it), then a host name: labels of letters (any script), digits and inner hyphens, and a
#: top-level label of letters or punycode ("*@2.net*" or "a@b_c.kz" are not addresses).
EMAIL_RE = re.compile(
    r"^[^@\s]{1,64}@(?:[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?\.)+(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})$", re.IGNORECASE
)
_ZONES: frozenset[str] | None = None
_CURRENCIES: frozenset[str] | None = None


def _iana_zones() -> frozenset[str]:
    """The IANA zone keys that the ``tzdata`` package ships (the same on every machine).

    The system's zoneinfo directory also holds ``localtime`` (a link to this machine's own zone),
    ``posixrules``, ``posix/...`` and ``right/...`` copies; none of those is a zone to store.
    ``Factory`` is IANA's "zone unknown" placeholder, not a place."""
    try:
        names = files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - tzdata is in requirements.lock
        names = [z for z in available_timezones() if z != "localtime" and not z.startswith(("posix", "right/"))]
    return frozenset(names) - {"Factory"}


def is_valid_timezone(name: str | None) -> bool:
    global _ZONES
    if not name or not isinstance(name, str):
        return False
    if _ZONES is None:
        _ZONES = _iana_zones()
    if name not in _ZONES:
        return False
    try:
        ZoneInfo(name)
    except (KeyError, ValueError):
        return False
    return True


def is_valid_currency(code: str | None) -> bool:
    global _CURRENCIES
    if _CURRENCIES is None:
        _CURRENCIES = frozenset(list_currencies())
    return bool(code) and code in _CURRENCIES


def is_valid_email(value: str | None) -> bool:
    return bool(value) and len(value) <= 254 and bool(EMAIL_RE.match(value))


# Dates and instants the app accepts: far enough either way for any booking, time off or report,
# and far from the ends of Python's calendar (years 1 and 9999), where shifting by a zone offset
# or a few days overflows.
MIN_YEAR, MAX_YEAR = 1900, 2999


def year_in_range(value: date | datetime) -> bool:
    return MIN_YEAR <= value.year <= MAX_YEAR


def year_range_message():
    return _l("Give a date between the years %(lo)s and %(hi)s.", lo=MIN_YEAR, hi=MAX_YEAR)


def check_date(value, field: str = "date") -> date:
    """A calendar date within :data:`MIN_YEAR`..:data:`MAX_YEAR`, else a field error."""
    if not isinstance(value, date) or not year_in_range(value):
        raise ValidationError.field(field, year_range_message())
    return value


def parse_instant(value, field: str = "start"):
    """An aware instant (ISO 8601 with offset, or an aware datetime) -> UTC; else a field error."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError.field(field, _l("Give a date and time with a time zone offset."))
    if not year_in_range(value):
        raise ValidationError.field(field, year_range_message())
    return value.astimezone(UTC)
