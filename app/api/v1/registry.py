"""Route registration over pydantic models, and the OpenAPI 3.1 document built from them.

``@api(rule, method, ...)`` registers the Flask view on the API blueprint, applies the rate
limits, resolves and checks the caller, validates the query string and the JSON body with
the given pydantic models (``app.api.v1.models``), and remembers all of it for
:func:`openapi_document`, so the document is generated from the models the views validate
with.  A wrong JSON type gives ``400 bad_request``, a value that breaks a rule gives
``422 validation_error``; both carry ``details`` (field -> list of localized messages).
A domain error raised by a view simply propagates: the request's transaction is rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Response, g, jsonify, request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field, create_model
from pydantic import ValidationError as PydanticError

from app.api.v1 import bp
from app.api.v1.auth import require, resolve
from app.core import ratelimit
from app.core.errors import BadRequest, DomainError, ValidationError
from app.core.fields import REQUIRED, RuleError
from app.core.hardening import read_json_body

# Error statuses every operation may answer (404: unknown id or host; 405: other methods;
# 429: the per-IP/per-user limit of every route; 500: a bug, with the contract's body).
COMMON_ERRORS = (404, 405, 429, 500)


@dataclass
class Operation:
    rule: str
    method: str
    endpoint: str
    summary: str
    tag: str
    auth: Any
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    errors: tuple[int, ...]
    description: str = ""
    extra_headers: tuple[str, ...] = field(default_factory=tuple)
    also: tuple[int, ...] = field(default_factory=tuple)


OPERATIONS: list[Operation] = []


# ---------------------------------------------------------------- validation

_TYPE_MESSAGES = {
    "none_type": _l("This field may not be null."),
    "string_type": _l("Must be a string."),
    "int_type": _l("Must be a whole number."),
    "int_parsing": _l("Must be a whole number."),
    "int_from_float": _l("Must be a whole number."),
    "bool_type": _l("Must be true or false."),
    "bool_parsing": _l("Must be true or false."),
    "list_type": _l("Must be a list."),
    "dict_type": _l("Must be an object."),
    "model_type": _l("Must be an object."),
    "model_attributes_type": _l("Must be an object."),
}


def _message(err: dict) -> tuple[bool, Any]:
    """(is a type problem, localized message) for one pydantic error."""
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "value_error" and isinstance(ctx.get("error"), RuleError):
        return False, ctx["error"].message
    if kind == "missing":
        return False, REQUIRED
    if kind == "greater_than_equal":
        return False, _l("Enter a number of at least %(lo)s.", lo=ctx.get("ge"))
    if kind == "less_than_equal":
        return False, _l("Enter a number of at most %(hi)s.", hi=ctx.get("le"))
    if kind == "too_short":
        return False, _l("Give at least %(n)s items.", n=ctx.get("min_length"))
    if kind == "too_long":
        return False, _l("Give at most %(n)s items.", n=ctx.get("max_length"))
    if err.get("input", 0) is None:
        return True, _TYPE_MESSAGES["none_type"]
    return True, _TYPE_MESSAGES.get(kind, BadRequest.default_message)


def _raise(exc: PydanticError) -> None:
    bad: dict[str, list] = {}
    invalid: dict[str, list] = {}
    for err in exc.errors(include_url=False):
        name = ".".join(str(p) for p in err["loc"]) or "body"
        is_type, message = _message(err)
        (bad if is_type else invalid).setdefault(name, []).append(message)
    if bad:
        raise BadRequest(details={k: [str(m) for m in v] for k, v in bad.items()})
    raise ValidationError(invalid)


def _plain(obj: Any, *, only_set: bool) -> Any:
    """A validated model as plain data (dicts, lists, and the values the validators produced)."""
    if isinstance(obj, BaseModel):
        names = obj.model_fields_set if only_set else type(obj).model_fields
        fields = type(obj).model_fields
        return {(fields[n].alias or n): _plain(getattr(obj, n), only_set=only_set) for n in names}
    if isinstance(obj, list):
        return [_plain(x, only_set=only_set) for x in obj]
    return obj


def load(model: type[BaseModel], data: Any, *, query: bool = False) -> dict:
    """Validated data: for a body only the fields given; for a query every field (defaults)."""
    if not isinstance(data, dict):
        raise BadRequest()
    if query:
        data = {k: v for k, v in data.items() if v not in ("", None)}
    try:
        obj = model.model_validate(data)
    except PydanticError as exc:
        _raise(exc)
    return _plain(obj, only_set=not query)


def partial(model: type[BaseModel]) -> type[BaseModel]:
    """The same body with every field optional (PUT updates only the fields given)."""
    name = model.__name__.removesuffix("Body") + "UpdateBody"
    fields: dict[str, Any] = {}
    for key, info in model.model_fields.items():
        annotation = info.rebuild_annotation()
        fields[key] = (annotation, Field(default=None, description=info.description, alias=info.alias))
    return create_model(name, __base__=model.__base__, __doc__=model.__doc__, **fields)


# ---------------------------------------------------------------- registration


def api(
    rule: str,
    method: str,
    *,
    summary: str,
    tag: str,
    auth: Any = None,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (),
    limits: tuple[Callable, ...] = (),
    partial_body: bool = False,
    description: str = "",
    headers: tuple[str, ...] = (),
    also: tuple[int, ...] = (),
) -> Callable:
    body_model = partial(body) if (body is not None and partial_body) else body

    def decorator(fn: Callable) -> Callable:
        endpoint = fn.__name__

        @wraps(fn)
        def view(**kwargs: Any):
            if auth is not None:
                kwargs["principal"] = require(auth)
            else:
                try:  # an optional credential only sets the caller's language; a stale one is ignored
                    resolve()
                except DomainError:
                    g.principal = None
            if query is not None:
                kwargs["query"] = load(query, request.args.to_dict(), query=True)
            if body_model is not None:
                kwargs["body"] = load(body_model, read_json_body())
            result = fn(**kwargs)
            if isinstance(result, Response):  # already a response (app.api.v1.caching: 304, ETag)
                return result
            if isinstance(result, tuple):
                payload, code = result
            else:
                payload, code = result, status
            return jsonify(payload), code

        limited = ratelimit.default_api(view)
        for lim in limits:
            limited = lim(limited)
        bp.add_url_rule(rule, endpoint=endpoint, view_func=limited, methods=[method])
        OPERATIONS.append(
            Operation(
                rule,
                method,
                endpoint,
                summary,
                tag,
                auth,
                body_model,
                query,
                response,
                status,
                tuple(errors),
                description,
                tuple(headers),
                tuple(also),
            )
        )
        return fn

    return decorator
