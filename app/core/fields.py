"""Field rules declared once and used by the services, the API models and the web forms.

A :class:`Rule` names one field's limits (required, length in characters, length in UTF-8
bytes, number range, decimal places, choices, a semantic check such as "a valid time zone").
Each domain declares its rules in its own ``rules.py`` (``app.catalog.rules``,
``app.tenants.rules``, ``app.accounts.rules``, ``app.bookings.rules``) and then:

- the service cleans its input with :meth:`Rule.clean` (the last line, always enforced);
- the API models (``app.api.v1.models``) wrap the same rule as a pydantic type
  (:func:`app.api.v1.types.ruled`), whose JSON Schema is :meth:`Rule.json_schema`;
- the WTForms forms take :meth:`Rule.validators`.

So a limit changes in one place, and ``tests/api/test_rules_agree.py`` walks every declared
rule and proves that form, API and service accept and reject the same boundary values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import InputRequired, Optional, StopValidation

from app.core.errors import ValidationError

REQUIRED = _l("This field is required.")

#: Every rule declared by a domain, by name (filled by :func:`rule`).
RULES: dict[str, Rule] = {}


class RuleError(ValueError):
    """A value breaks a rule; ``message`` is a lazily translated, user-facing text."""

    def __init__(self, message: Any):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Rule:
    """The limits of one field.

    ``kind`` is ``text`` (stripped), ``secret`` (a password: never stripped), ``int`` or
    ``decimal``.  ``check`` is an extra semantic check that returns the normalized value or
    raises :class:`RuleError` (e.g. a subdomain that is reserved).
    """

    name: str
    kind: str = "text"
    required: bool = False
    min_length: int | None = None
    max_length: int | None = None
    max_bytes: int | None = None
    ge: int | Decimal | None = None
    le: int | Decimal | None = None
    places: int | None = None
    choices: tuple[str, ...] | None = None
    pattern: str | None = None
    format: str | None = None
    check: Callable[[Any], Any] | None = None
    message: Any = None
    description: str | None = None
    examples: tuple = ()
    extra_schema: dict = field(default_factory=dict)

    # ------------------------------------------------------------ validation

    def _fail(self, default: Any) -> RuleError:
        return RuleError(self.message if self.message is not None else default)

    def clean(self, value: Any) -> Any:
        """The normalized value, or :class:`RuleError`. ``None``/empty is allowed unless required."""
        if self.kind == "int":
            return self._int(value)
        if self.kind == "decimal":
            return self._decimal(value)
        return self._text(value)

    def _text(self, value: Any) -> Any:
        text = "" if value is None else str(value)
        if self.kind != "secret":
            text = text.strip()
        if not text:
            if self.required:
                raise self._fail(REQUIRED)
            return text
        if self.min_length is not None and len(text) < self.min_length:
            raise self._fail(_l("Use at least %(n)s characters.", n=self.min_length))
        if self.max_length is not None and len(text) > self.max_length:
            raise self._fail(_l("Use at most %(n)s characters.", n=self.max_length))
        if self.max_bytes is not None and len(text.encode("utf-8")) > self.max_bytes:
            raise self._fail(
                _l(
                    "Use at most %(n)s bytes: a Latin letter or digit takes one byte, other letters two or more.",
                    n=self.max_bytes,
                )
            )
        if self.choices is not None and text not in self.choices:
            raise self._fail(_l("Choose one of: %(choices)s.", choices=", ".join(self.choices)))
        if self.check is not None:
            return self.check(text)
        return text

    def _range_message(self) -> Any:
        if self.ge is not None and self.le is not None:
            return _l("Enter a whole number from %(lo)s to %(hi)s.", lo=self.ge, hi=self.le)
        if self.ge is not None:
            return _l("Enter a number of at least %(lo)s.", lo=self.ge)
        return _l("Enter a number of at most %(hi)s.", hi=self.le)

    def _int(self, value: Any) -> int | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if self.required:
                raise self._fail(REQUIRED)
            return None
        if isinstance(value, bool):
            raise self._fail(self._range_message())
        if isinstance(value, int):
            number = value
        else:
            text = str(value).strip()
            if not text.lstrip("-").isdigit() or len(text) > 20:
                raise self._fail(self._range_message())
            number = int(text)
        if (self.ge is not None and number < self.ge) or (self.le is not None and number > self.le):
            raise self._fail(self._range_message())
        return number

    def _decimal(self, value: Any) -> Decimal | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if self.required:
                raise self._fail(REQUIRED)
            return None
        problem = self._fail(_l("Enter a price, for example 5000.00."))
        if isinstance(value, bool):
            raise problem
        text = str(value).strip()
        # The document's pattern (plain notation, bounded digits): API, forms and services agree with it,
        # and "1e400" never reaches Decimal arithmetic.
        if not re.fullmatch(self.decimal_pattern(), text):
            raise problem
        try:
            number = Decimal(text)
        except (InvalidOperation, ValueError):
            raise problem from None
        if self.places is not None and number != number.quantize(Decimal(1).scaleb(-self.places)):
            raise problem
        if (self.ge is not None and number < self.ge) or (self.le is not None and number > self.le):
            raise problem
        number += 0  # "-0.00" is zero: stored and shown as 0.00
        return number.quantize(Decimal(1).scaleb(-self.places)) if self.places is not None else number

    def decimal_pattern(self) -> str:
        """Plain decimal notation: up to the maximum's digits, a point and up to ``places`` more
        (``-0``/``-0.00`` is zero, taken as 0.00)."""
        digits = len(str(int(self.le))) if self.le is not None else 20
        frac = rf"(\.\d{{1,{self.places}}})?" if self.places else r"(\.\d{1,20})?"
        zero = rf"(\.0{{1,{self.places}}})?" if self.places else r"(\.0{1,20})?"
        return rf"^(\d{{1,{digits}}}{frac}|-0{zero})$"

    def accepts(self, value: Any) -> bool:
        try:
            self.clean(value)
        except RuleError:
            return False
        return True

    # ------------------------------------------------------------ JSON Schema and forms

    def json_schema(self) -> dict:
        """The JSON Schema keywords that describe these limits (OpenAPI 3.1 / draft 2020-12)."""
        out: dict[str, Any] = {}
        if self.kind in ("text", "secret"):
            if self.required:
                out["minLength"] = max(1, self.min_length or 1)
            elif self.min_length is not None:
                out["minLength"] = self.min_length
            if self.max_length is not None:
                out["maxLength"] = self.max_length
            if self.choices is not None:
                out["enum"] = list(self.choices)
            elif self.required and self.kind == "text" and not self.pattern:
                out["pattern"] = r"\S"  # not blank: surrounding spaces are trimmed
        if self.kind == "int":
            if self.ge is not None:
                out["minimum"] = self.ge
            if self.le is not None:
                out["maximum"] = self.le
        if self.kind == "decimal":
            out["pattern"] = self.decimal_pattern()
        if self.pattern:
            out["pattern"] = self.pattern
        if self.format:
            out["format"] = self.format
        description = self.description or ""
        if self.max_bytes is not None:
            description = (description + " " if description else "") + f"At most {self.max_bytes} bytes in UTF-8."
        if self.kind == "decimal" and self.le is not None:
            description = (description + " " if description else "") + f"From {self.ge or 0} to {self.le}."
        if self.kind == "text" and not self.required:
            # An optional field left blank means "none" (it is trimmed to ""), so a blank value is
            # as valid as one that meets the format, pattern or choices.
            constrained = {k: out.pop(k) for k in ("format", "pattern", "enum") if k in out}
            if constrained:
                out["anyOf"] = [constrained, {"pattern": r"^\s*$"}]
        if description:
            out["description"] = description
        if self.examples:
            out["examples"] = list(self.examples)
        out.update(self.extra_schema)
        return out

    def validators(self, required: bool | None = None) -> list:
        """WTForms validators for this rule (the form shows the same messages as the API).

        ``required`` overrides whether the field may be left empty in this form (a master's
        password is optional: empty sends an invitation); a value given is always checked.
        """
        needed = self.required if required is None else required
        return [InputRequired(REQUIRED) if needed else Optional(), FormRule(self)]


class FormRule:
    """A WTForms validator that applies a :class:`Rule` to the field's data."""

    def __init__(self, rule: Rule):
        self.rule = rule
        self.field_flags = {"required": True} if rule.required else {}

    def __call__(self, form, field) -> None:
        value = field.data
        if self.rule.kind == "decimal" and field.raw_data:
            value = field.raw_data[0]  # what was typed, as the API sees it (DecimalField drops zeros)
        try:
            self.rule.clean(value)
        except RuleError as exc:
            raise StopValidation(str(exc.message)) from None


def rule(name: str, **limits: Any) -> Rule:
    """Declare a rule once; its name is unique across the application."""
    declared = Rule(name, **limits)
    RULES[name] = declared
    return declared


def clean(errors: dict[str, list], field_name: str, declared: Rule, value: Any) -> Any:
    """A service's check: the normalized value, or None with the message added to ``errors``."""
    try:
        return declared.clean(value)
    except RuleError as exc:
        errors.setdefault(field_name, []).append(exc.message)
        return None


def clean_or_raise(field_name: str, declared: Rule, value: Any) -> Any:
    try:
        return declared.clean(value)
    except RuleError as exc:
        raise ValidationError.field(field_name, exc.message) from None
