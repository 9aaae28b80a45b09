"""A small schema layer: field specs that validate requests AND emit JSON Schema.

The same :class:`Schema` objects check request bodies and query strings in the API views
and are turned into the OpenAPI document (``/api/openapi.json``), so the document cannot
drift from what the API accepts.  Wrong JSON types give ``400 bad_request``; values of the
right type that break a rule give ``422 validation_error``; both carry per-field details
(field -> list of localized messages).  Unknown fields are ignored (forward compatible).
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.errors import BadRequest, ValidationError

MISSING = object()


class _TypeProblem(Exception):
    pass


class _ValueProblem(Exception):
    pass


_JSON_TYPES = {
    "string": "string",
    "integer": "integer",
    "boolean": "boolean",
    "number": "number",
    "array": "array",
    "object": "object",
}


class F:
    """One field: its JSON type, constraints, and (for strings) a semantic format."""

    def __init__(
        self,
        type: str = "string",
        *,
        required: bool = False,
        nullable: bool = False,
        description: str | None = None,
        enum: tuple | list | None = None,
        minimum: int | None = None,
        maximum: int | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        format: str | None = None,
        items: F | None = None,
        schema: Schema | None = None,
        default: Any = MISSING,
        min_items: int | None = None,
        max_items: int | None = None,
        example: Any = None,
        pattern: str | None = None,
    ):
        self.type = type
        self.required = required
        self.nullable = nullable
        self.description = description
        self.enum = tuple(enum) if enum else None
        self.minimum, self.maximum = minimum, maximum
        self.min_length, self.max_length = min_length, max_length
        self.format = format
        self.items = items
        self.schema = schema
        self.default = default
        self.min_items, self.max_items = min_items, max_items
        self.example = example
        self.pattern = pattern

    # ------------------------------------------------------------ JSON Schema

    def json_schema(self, refs: dict[str, Any] | None = None) -> dict:
        if self.type == "object" and self.schema is not None:
            out: dict = self.schema.ref(refs) if refs is not None else self.schema.json_schema(refs)
            if self.nullable:
                out = {"anyOf": [out, {"type": "null"}]}
            if self.description:
                out = (
                    {**out, "description": self.description}
                    if "$ref" not in out
                    else {"allOf": [out], "description": self.description}
                )
            return out
        out = {}
        jtype = _JSON_TYPES[self.type]
        out["type"] = [jtype, "null"] if self.nullable else jtype
        fmt = {"date-time": "date-time", "date": "date", "email": "email"}.get(self.format or "")
        if fmt:
            out["format"] = fmt
        if self.format == "time":
            out["pattern"] = r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$"
        if self.format == "decimal":
            out["pattern"] = r"^\d{1,10}(\.\d{1,2})?$"
            out["examples"] = ["5000.00"]
        if self.format == "phone":
            out["examples"] = ["+77011234567"]
        if self.pattern:
            out["pattern"] = self.pattern
        if self.enum:
            out["enum"] = [*self.enum, None] if self.nullable else list(self.enum)
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        if self.min_length is not None:
            out["minLength"] = self.min_length
        if self.max_length is not None:
            out["maxLength"] = self.max_length
        if self.type == "array":
            out["items"] = self.items.json_schema(refs) if self.items else {}
            if self.min_items is not None:
                out["minItems"] = self.min_items
            if self.max_items is not None:
                out["maxItems"] = self.max_items
        if self.type == "object" and self.schema is None:
            out["additionalProperties"] = self.items.json_schema(refs) if self.items else True
        if self.description:
            out["description"] = self.description
        if self.default is not MISSING:
            out["default"] = self.default
        if self.example is not None:
            out["examples"] = [self.example]
        return out

    # ------------------------------------------------------------ validation

    def load(self, value: Any, *, query: bool = False) -> Any:
        if value is None:
            if self.nullable:
                return None
            raise _TypeProblem(_l("This field may not be null."))
        t = self.type
        if t == "string":
            if not isinstance(value, str):
                raise _TypeProblem(_l("Must be a string."))
            return self._string(value)
        if t == "integer":
            if query and isinstance(value, str):
                try:
                    value = int(value.strip())
                except ValueError:
                    raise _TypeProblem(_l("Must be a whole number.")) from None
            if isinstance(value, bool) or not isinstance(value, int):
                raise _TypeProblem(_l("Must be a whole number."))
            self._range(value)
            return value
        if t == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _TypeProblem(_l("Must be a number."))
            self._range(value)
            return value
        if t == "boolean":
            if query and isinstance(value, str):
                low = value.strip().lower()
                if low in ("1", "true", "yes"):
                    return True
                if low in ("0", "false", "no"):
                    return False
            if not isinstance(value, bool):
                raise _TypeProblem(_l("Must be true or false."))
            return value
        if t == "array":
            if not isinstance(value, list):
                raise _TypeProblem(_l("Must be a list."))
            if self.min_items is not None and len(value) < self.min_items:
                raise _ValueProblem(_l("Give at least %(n)s items.", n=self.min_items))
            if self.max_items is not None and len(value) > self.max_items:
                raise _ValueProblem(_l("Give at most %(n)s items.", n=self.max_items))
            return [self.items.load(v) for v in value] if self.items else value
        if t == "object":
            if not isinstance(value, dict):
                raise _TypeProblem(_l("Must be an object."))
            if self.schema is not None:
                return self.schema.load(value)
            if self.items is not None:
                return {str(k): self.items.load(v) for k, v in value.items()}
            return value
        raise RuntimeError(f"unknown field type {t}")

    def _range(self, value: int | float) -> None:
        if self.minimum is not None and value < self.minimum:
            if self.maximum is not None:
                raise _ValueProblem(_l("Enter a number from %(lo)s to %(hi)s.", lo=self.minimum, hi=self.maximum))
            raise _ValueProblem(_l("Enter a number of at least %(lo)s.", lo=self.minimum))
        if self.maximum is not None and value > self.maximum:
            if self.minimum is not None:
                raise _ValueProblem(_l("Enter a number from %(lo)s to %(hi)s.", lo=self.minimum, hi=self.maximum))
            raise _ValueProblem(_l("Enter a number of at most %(hi)s.", hi=self.maximum))

    def _string(self, value: str) -> Any:
        fmt = self.format
        if fmt not in ("password",):
            value = value.strip()
        if self.required and not value and fmt != "password":
            raise _ValueProblem(_l("This field is required."))
        if self.min_length is not None and len(value) < self.min_length:
            raise _ValueProblem(_l("Use at least %(n)s characters.", n=self.min_length))
        if self.max_length is not None and len(value) > self.max_length:
            raise _ValueProblem(_l("Use at most %(n)s characters.", n=self.max_length))
        if self.enum and value not in self.enum:
            raise _ValueProblem(_l("Choose one of: %(choices)s.", choices=", ".join(map(str, self.enum))))
        if fmt == "date-time":
            try:
                dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise _ValueProblem(_l("Enter a date and time like 2026-12-01T10:00:00+05:00.")) from None
            if dt.tzinfo is None:
                raise _ValueProblem(_l("Include the UTC offset, e.g. +05:00."))
            return dt
        if fmt == "date":
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise _ValueProblem(_l("Enter a date like 2026-12-01.")) from None
        if fmt == "time":
            if value == "24:00":
                return value
            try:
                t = time.fromisoformat(value)
            except ValueError:
                raise _ValueProblem(_l("Enter a time like 09:30.")) from None
            return t.strftime("%H:%M")
        if fmt == "decimal":
            try:
                d = Decimal(value)
            except InvalidOperation:
                raise _ValueProblem(_l("Enter an amount like 5000.00.")) from None
            if not d.is_finite() or d < 0 or d != d.quantize(Decimal("0.01")) or d >= Decimal(10) ** 10:
                raise _ValueProblem(_l("Enter an amount like 5000.00."))
            return d.quantize(Decimal("0.01"))
        if fmt == "email":
            from app.core.validation import is_valid_email

            if not is_valid_email(value.lower()):
                raise _ValueProblem(_l("Enter a valid email address."))
            return value.lower()
        if fmt == "phone":
            if not value and not self.required:
                return None
            from app.core.phones import normalize_phone

            try:
                return normalize_phone(value)
            except ValidationError as exc:
                raise _ValueProblem(next(iter(exc.details.values()))[0]) from None
        if fmt == "timezone":
            from app.core.validation import is_valid_timezone

            if not is_valid_timezone(value):
                raise _ValueProblem(_l("Choose a valid time zone."))
        if fmt == "currency":
            from app.core.validation import is_valid_currency

            value = value.upper()
            if not is_valid_currency(value):
                raise _ValueProblem(_l("Choose a valid currency."))
        return value


class Schema:
    """A named object schema: a component of the OpenAPI document and a request validator."""

    def __init__(self, name: str, fields: dict[str, F], *, description: str | None = None):
        self.name = name
        self.fields = fields
        self.description = description

    def ref(self, refs: dict[str, Any]) -> dict:
        if self.name not in refs:
            refs[self.name] = None  # placeholder against recursion
            refs[self.name] = self.json_schema(refs)
        return {"$ref": f"#/components/schemas/{self.name}"}

    def json_schema(self, refs: dict[str, Any] | None = None) -> dict:
        out: dict = {"type": "object", "properties": {k: f.json_schema(refs) for k, f in self.fields.items()}}
        required = [k for k, f in self.fields.items() if f.required]
        if required:
            out["required"] = required
        if self.description:
            out["description"] = self.description
        return out

    def load(self, data: Any, *, query: bool = False, partial: bool = False) -> dict:
        """Validated data with only the fields given (plus defaults); raises 400/422."""
        if not isinstance(data, dict):
            raise BadRequest()
        bad: dict[str, list] = {}
        invalid: dict[str, list] = {}
        out: dict = {}
        for name, spec in self.fields.items():
            if name not in data or (query and data.get(name) in ("", None)):
                if spec.required and not partial:
                    invalid.setdefault(name, []).append(_l("This field is required."))
                elif spec.default is not MISSING:
                    out[name] = spec.default
                continue
            try:
                out[name] = spec.load(data[name], query=query)
            except _TypeProblem as exc:
                bad.setdefault(name, []).append(exc.args[0])
            except _ValueProblem as exc:
                invalid.setdefault(name, []).append(exc.args[0])
            except (BadRequest, ValidationError) as exc:  # nested object
                target = bad if isinstance(exc, BadRequest) else invalid
                for sub, msgs in (exc.details or {}).items():
                    target.setdefault(f"{name}.{sub}", []).extend(msgs)
        if bad:
            raise BadRequest(details={k: [str(m) for m in v] for k, v in bad.items()})
        if invalid:
            raise ValidationError(invalid)
        return out


def query_params(schema: Schema) -> list[dict]:
    """OpenAPI ``parameters`` for a query-string schema."""
    params = []
    for name, f in schema.fields.items():
        p = {"name": name, "in": "query", "required": f.required, "schema": f.json_schema({})}
        if f.description:
            p["description"] = f.description
        params.append(p)
    return params
