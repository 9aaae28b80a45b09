"""Small value checks shared by forms, API schemas and services."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, available_timezones

from babel.numbers import list_currencies

SUBDOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_ZONES: frozenset[str] | None = None
_CURRENCIES: frozenset[str] | None = None


def is_valid_timezone(name: str | None) -> bool:
    global _ZONES
    if not name:
        return False
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
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


def parse_instant(value, field: str = "start"):
    """An aware instant (ISO 8601 with offset, or an aware datetime) -> UTC; else a field error."""
    from datetime import UTC, datetime

    from flask_babel import lazy_gettext as _l

    from app.core.errors import ValidationError

    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError.field(field, _l("Give a date and time with a time zone offset."))
    return value.astimezone(UTC)
