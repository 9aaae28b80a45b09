from __future__ import annotations

from functools import lru_cache

import phonenumbers
from flask_babel import lazy_gettext as _l

from app.core.errors import ValidationError

#: Texts up to this long have their E.164 form remembered (:func:`_e164`).
_REMEMBERED_LENGTH = 40


def normalize_phone(raw: str | None, field: str = "phone", region: str = "KZ") -> str:
    """Any common spelling of a phone number -> E.164; KZ is the default region for local forms."""
    if not raw or not str(raw).strip():
        raise ValidationError.field(field, _l("Enter a phone number."))
    text = str(raw).strip()
    # Only phone-sized texts are remembered (the cache must not hold whatever a client sends).
    e164 = _e164(text, region) if len(text) <= _REMEMBERED_LENGTH else _e164.__wrapped__(text, region)
    if e164 is None:
        raise ValidationError.field(field, _l("Enter a valid phone number."))
    return e164


@lru_cache(maxsize=4096)
def _e164(text: str, region: str) -> str | None:
    """The E.164 form of a number, or None if it is not a valid one (remembered: a request
    often checks one number twice, as its body is validated and again by the service)."""
    if text.startswith("8") and len("".join(ch for ch in text if ch.isdigit())) == 11:
        text = "+7" + "".join(ch for ch in text if ch.isdigit())[1:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(value: str | None) -> str:
    """A stored (E.164) number as people read it: ``+77017778899`` -> ``+7 701 777 88 99``.

    libphonenumber parses it; numbers of the +7 zone (Kazakhstan, Russia) are grouped
    3-3-2-2 as they are written there (``+7 701 777 88 99``), others get libphonenumber's
    INTERNATIONAL format (``+1 415-555-2671``).  Anything that does not parse is shown as
    it is, never an error.
    """
    if not value:
        return ""
    text = str(value).strip()
    try:
        number = phonenumbers.parse(text, "KZ")
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(number):
        return text
    national = str(number.national_number)
    if number.country_code == 7 and len(national) == 10:
        return f"+7 {national[:3]} {national[3:6]} {national[6:8]} {national[8:]}"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
