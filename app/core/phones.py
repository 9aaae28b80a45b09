from __future__ import annotations

import phonenumbers
from flask_babel import lazy_gettext as _l

from app.core.errors import ValidationError


def normalize_phone(raw: str | None, field: str = "phone", region: str = "KZ") -> str:
    """Any common spelling of a phone number -> E.164; KZ is the default region for local forms."""
    if not raw or not str(raw).strip():
        raise ValidationError.field(field, _l("Enter a phone number."))
    text = str(raw).strip()
    if text.startswith("8") and len("".join(ch for ch in text if ch.isdigit())) == 11:
        text = "+7" + "".join(ch for ch in text if ch.isdigit())[1:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValidationError.field(field, _l("Enter a valid phone number.")) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError.field(field, _l("Enter a valid phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
