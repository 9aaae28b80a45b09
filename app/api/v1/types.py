"""Pydantic building blocks of the API models: domain rules as types, and JSON formats.

:func:`ruled` turns a :class:`app.core.fields.Rule` into an annotated type: pydantic checks
the JSON type (a wrong type is ``400 bad_request``), then the rule itself runs (a broken
limit is ``422 validation_error`` with the rule's localized message), and the field's JSON
Schema is the rule's own description of its limits.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated, Any

from flask_babel import lazy_gettext as _l
from pydantic import Field, PlainValidator, StrictBool, StrictInt, WithJsonSchema
from pydantic_core import PydanticCustomError

from app.core.fields import Rule, RuleError

_JSON_TYPE = {"text": "string", "secret": "string", "int": "integer", "decimal": "string"}


def _wrong_type(kind: str, value: Any) -> PydanticCustomError:
    if value is None:
        return PydanticCustomError("none_type", "This field may not be null.")
    if kind == "int":
        return PydanticCustomError("int_type", "Must be a whole number.")
    return PydanticCustomError("string_type", "Must be a string.")


def checked(kind: str, fn: Any, schema: dict, *, lax: bool = False, nullable: bool = False) -> Any:
    """An annotated type: JSON type check (400), then ``fn`` (422 on :class:`RuleError`), then ``schema``."""

    def validate(value: Any) -> Any:
        if value is None and nullable:
            return None
        if kind == "int":
            if lax and isinstance(value, str):
                try:
                    value = int(value.strip())
                except ValueError:
                    raise _wrong_type(kind, value) from None
            if isinstance(value, bool) or not isinstance(value, int):
                raise _wrong_type(kind, value)
        elif not isinstance(value, str):
            raise _wrong_type(kind, value)
        return fn(value)

    if nullable:
        schema = {**schema, "type": [schema["type"], "null"]}
    return Annotated[Any, PlainValidator(validate), WithJsonSchema(schema)]


def ruled(rule: Rule, *, lax: bool = False, nullable: bool = False) -> Any:
    """An annotated type that validates with ``rule`` and documents its limits."""
    kind = "int" if rule.kind == "int" else "str"
    schema = {"type": _JSON_TYPE[rule.kind], **rule.json_schema()}
    return checked(kind, rule.clean, schema, lax=lax, nullable=nullable)


def _instant(value: str) -> datetime:
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise RuleError(_l("Enter a date and time like 2026-12-01T10:00:00+05:00.")) from None
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise RuleError(_l("Include the UTC offset, e.g. +05:00."))
    return dt


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date(value: str) -> date:
    value = value.strip()
    try:
        if not _DATE_RE.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise RuleError(_l("Enter a date like 2026-12-01.")) from None


TIME_PATTERN = r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$"
_TIME_RE = re.compile(TIME_PATTERN)


def _time(value: str) -> str:
    value = value.strip()
    if not _TIME_RE.match(value):
        raise RuleError(_l("Enter a time like 09:30."))
    return value if value == "24:00" else time.fromisoformat(value).strftime("%H:%M")


#: An instant with an offset (RFC 3339 ``date-time``); the view gets an aware datetime.
INSTANT_SCHEMA = {"type": "string", "format": "date-time", "examples": ["2026-12-01T10:00:00+05:00"]}
Instant = checked("str", _instant, INSTANT_SCHEMA)
Date = checked("str", _date, {"type": "string", "format": "date", "examples": ["2026-12-01"]})
WallTime = checked("str", _time, {"type": "string", "pattern": TIME_PATTERN, "examples": ["09:00"]})
#: A row id in a request body.
Id = Annotated[StrictInt, Field(ge=1, le=2**63 - 1)]
Flag = StrictBool

#: The same in responses (documentation only).
OutInstant = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
Price = Annotated[
    str, WithJsonSchema({"type": "string", "pattern": r"^\d{1,10}(\.\d{1,2})?$", "examples": ["5000.00"]})
]
Phone = Annotated[str, WithJsonSchema({"type": "string", "examples": ["+77011234567"]})]
