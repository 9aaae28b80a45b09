"""Field rules of accounts: emails, passwords, people's names, phones, languages (see app.core.fields)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.errors import ValidationError
from app.core.fields import Rule, RuleError, rule
from app.core.i18n import SUPPORTED
from app.core.phones import normalize_phone
from app.core.validation import is_valid_email


def _email(value: str) -> str:
    value = value.lower()
    if not is_valid_email(value):
        raise RuleError(_l("Enter a valid email address."))
    return value


def _phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except ValidationError as exc:
        raise RuleError(next(iter(exc.details.values()))[0]) from None


def _six_digits(value: str) -> str:
    if not (len(value) == 6 and value.isascii() and value.isdigit()):
        raise RuleError(_l("Enter the 6-digit code from the SMS."))
    return value


EMAIL = rule("account.email", required=True, max_length=254, format="email", check=_email)
OPTIONAL_EMAIL = rule("account.optional_email", max_length=254, format="email", check=_email)
#: bcrypt reads at most 72 bytes, so a longer password would be cut silently: refuse it.
PASSWORD = rule("account.password", kind="secret", required=True, min_length=8, max_length=72, max_bytes=72)
#: What a sign-in or a reset request may send: checked for size only (an unknown address is
#: answered like a wrong password); not field rules of stored data, so not in ``RULES``.
LOGIN_EMAIL = Rule("account.login_email", required=True, max_length=254)
RESET_EMAIL = Rule("account.reset_email", required=True, max_length=254)
#: The password a user types to prove who they are: old ones may predate the 72-byte rule.
CURRENT_PASSWORD = Rule("account.current_password", kind="secret", required=True, max_length=200)
PERSON_NAME = rule("account.person_name", required=True, max_length=200)
CLIENT_NAME = rule("account.client_name", max_length=200)
PHONE = rule(
    "account.phone",
    max_length=30,
    check=_phone,
    description="Any common spelling; stored and returned in E.164.",
    examples=("+77011234567",),
)
REQUIRED_PHONE = rule(
    "account.required_phone",
    required=True,
    max_length=30,
    check=_phone,
    description="Any common spelling; stored and returned in E.164.",
    examples=("+77011234567",),
)
LANGUAGE = rule("account.language", choices=SUPPORTED, message=_l("Choose English, Russian or Kazakh."))
SMS_CODE = rule(
    "account.sms_code",
    min_length=6,
    max_length=6,
    pattern=r"^\d{6}$",
    check=_six_digits,
    message=_l("Enter the 6-digit code from the SMS."),
    description="The 6-digit code from the SMS.",
)
#: A note the staff keep about a client (the client card's form and the service use it).
CLIENT_NOTE = rule("account.client_note", required=True, max_length=1000)
#: What the client list's search box accepts: a name or a phone in any spelling.
CLIENT_SEARCH = Rule("account.client_search", max_length=100)
