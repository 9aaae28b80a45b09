"""Field rules of businesses and locations (see app.core.fields)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.fields import RuleError, rule
from app.core.hosts import RESERVED_SUBDOMAINS
from app.core.validation import SUBDOMAIN_RE, is_valid_currency, is_valid_timezone

SUBDOMAIN_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$"


def _subdomain(value: str) -> str:
    sub = value.lower()
    if not SUBDOMAIN_RE.match(sub) or "--" in sub:
        raise RuleError(
            _l("Use 3 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit.")
        )
    if sub in RESERVED_SUBDOMAINS:
        raise RuleError(_l("This subdomain is reserved."))
    return sub


def _timezone(value: str) -> str:
    if not is_valid_timezone(value):
        raise RuleError(_l("Choose a valid time zone."))
    return value


def _currency(value: str) -> str:
    value = value.upper()
    if not is_valid_currency(value):
        raise RuleError(_l("Choose a valid currency."))
    return value


BUSINESS_NAME = rule("tenant.name", required=True, max_length=200)
SUBDOMAIN = rule(
    "tenant.subdomain",
    required=True,
    min_length=3,
    max_length=63,
    pattern=SUBDOMAIN_PATTERN,
    check=_subdomain,
    description="Lowercase letters, digits and hyphens; not a reserved word (www, admin, api, ...).",
)
DESCRIPTION = rule("tenant.description", max_length=2000)
#: The zones the forms offer first (the business's markets); the API accepts any IANA zone.
COMMON_TIMEZONES = (
    "Asia/Almaty",
    "Asia/Aqtobe",
    "Asia/Aqtau",
    "Asia/Oral",
    "Asia/Qyzylorda",
    "Asia/Atyrau",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Novosibirsk",
    "Asia/Tashkent",
    "Asia/Bishkek",
    "Europe/Berlin",
    "UTC",
)
TIMEZONE = rule("tenant.timezone", max_length=64, check=_timezone, description="An IANA time zone, e.g. Asia/Almaty.")
CURRENCY = rule("tenant.currency", max_length=3, check=_currency, description="ISO 4217, e.g. KZT.")
MIN_NOTICE_MINUTES = rule("tenant.min_notice_minutes", kind="int", ge=0, le=60 * 24 * 14)
HORIZON_DAYS = rule("tenant.horizon_days", kind="int", ge=1, le=365)
CANCELLATION_WINDOW_MINUTES = rule("tenant.cancellation_window_minutes", kind="int", ge=0, le=60 * 24 * 14)
SLOT_STEP_MINUTES = rule("tenant.slot_step_minutes", kind="int", ge=5, le=120)
LOCATION_NAME = rule("tenant.location_name", required=True, max_length=200)
ADDRESS = rule("tenant.address", max_length=500)
REJECT_REASON = rule(
    "tenant.reject_reason", required=True, max_length=2000, message=_l("Give the reason, it is sent to the owner.")
)
SUSPEND_REASON = rule("tenant.suspend_reason", max_length=2000)
TRIAL_EXTENSION_DAYS = rule("tenant.trial_extension_days", kind="int", ge=1, le=365)

#: The business settings that are numbers, with their rules (service, API and settings form).
SETTINGS_NUMBERS = {
    "min_notice_minutes": MIN_NOTICE_MINUTES,
    "horizon_days": HORIZON_DAYS,
    "cancellation_window_minutes": CANCELLATION_WINDOW_MINUTES,
    "slot_step_minutes": SLOT_STEP_MINUTES,
}

#: The texts with a version per language (``app.core.translations``), with their rules.
BUSINESS_TEXTS = {"name": BUSINESS_NAME, "description": DESCRIPTION}
LOCATION_TEXTS = {"name": LOCATION_NAME, "address": ADDRESS}
