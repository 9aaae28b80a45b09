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

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Response, g, jsonify, request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field, create_model
from pydantic import ValidationError as PydanticError
from pydantic.json_schema import models_json_schema

from app.api.v1 import bp
from app.api.v1 import caching as http_caching
from app.bookings.rules import IDEMPOTENCY_KEY as IDEMPOTENCY_KEY_RULE
from app.core import ratelimit
from app.core.errors import BadRequest, DomainError, ValidationError
from app.core.fields import REQUIRED, RuleError
from app.core.hardening import read_json_body

# Error statuses every operation may answer (404: unknown id or host; 405: other methods;
# 429: the per-IP/per-user limit of every route; 500: a bug, with the contract's body).
_COMMON_ERRORS = (404, 405, 429, 500)


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
            from app.api.v1.auth import require, resolve

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


# ---------------------------------------------------------------- OpenAPI

_PARAM_RE = re.compile(r"<(?:(\w+):)?(\w+)>")


def openapi_path(rule: str) -> str:
    return "/api/v1" + _PARAM_RE.sub(lambda m: "{" + m.group(2) + "}", rule)


ERROR_SCHEMA = {
    "type": "object",
    "title": "Error",
    "required": ["error", "message", "details"],
    "properties": {
        "error": {"type": "string", "description": "Stable error code, e.g. not_found, slot_unavailable."},
        "message": {"type": "string", "description": "Human readable, localized by Accept-Language or ?lang="},
        "details": {
            "anyOf": [
                {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
                {"type": "null"},
            ],
            "description": "For validation_error and bad_request: field name (dotted for nested fields) -> "
            "list of localized messages; otherwise null.",
        },
    },
}

_ERROR_TEXT = {
    400: "bad_request: malformed JSON or wrong types",
    401: "unauthorized, token_expired, token_revoked, invalid_credentials",
    403: "forbidden, tenant_not_active",
    404: "not_found",
    405: "method_not_allowed",
    409: "slot_unavailable, conflict, subdomain_taken, email_taken, cancellation_window_passed, invalid_transition",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited (see Retry-After)",
    500: "internal_error",
}

RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": {
        "description": "Requests allowed in the current window of the route's tightest limit.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "X-RateLimit-Remaining": {
        "description": "Requests left in the current window.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "X-RateLimit-Reset": {
        "description": "When the current window ends, in seconds since the Unix epoch.",
        "schema": {"type": "integer", "minimum": 0},
    },
}
RETRY_AFTER = {"description": "Seconds to wait before retrying.", "schema": {"type": "integer", "minimum": 1}}

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any unique string (e.g. a UUID). The same key with the same body within 24 hours returns "
    "the first answer instead of booking twice; the same key with another body is 409 conflict.",
    "schema": {"type": "string", **IDEMPOTENCY_KEY_RULE.json_schema()},
}


def _tidy(node: Any, *, in_properties: bool = False) -> Any:
    """Drop pydantic's per-property titles and the ``default: null`` of optional, non-nullable fields."""
    if isinstance(node, list):
        return [_tidy(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {k: _tidy(v, in_properties=True) for k, v in value.items()}
        else:
            out[key] = _tidy(value)
    if in_properties:
        out.pop("title", None)
        if "default" in out and out["default"] is None and not _allows_null(out):
            out.pop("default")
    return out


def _allows_null(schema: dict) -> bool:
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(_allows_null(s) for s in schema.get("anyOf", []) if isinstance(s, dict))


def _query_params(model: type[BaseModel]) -> list[dict]:
    schema = _tidy(model.model_json_schema(ref_template="#/components/schemas/{model}"))
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
        if "description" in prop:
            param["description"] = prop.pop("description")
        param["schema"] = prop
        params.append(param)
    return params


def _ref(model: type[BaseModel]) -> dict:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def openapi_document(server_url: str | None = None) -> dict:
    models: dict[str, type[BaseModel]] = {}
    for op in OPERATIONS:
        for m in (op.body, op.response):
            if m is not None:
                models[m.__name__] = m
    _, top = models_json_schema(
        [(m, "validation") for m in models.values()], ref_template="#/components/schemas/{model}"
    )
    schemas = _tidy(top.get("$defs", {}))

    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        item = paths.setdefault(openapi_path(op.rule), {})
        params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
            if conv == "int"
            else {"name": name, "in": "path", "required": True, "schema": {"type": "string", "maxLength": 63}}
            for conv, name in _PARAM_RE.findall(op.rule)
        ]
        if op.query is not None:
            params.extend(_query_params(op.query))
        if "Idempotency-Key" in op.extra_headers:
            params.append(IDEMPOTENCY_KEY)
        ok: dict[str, Any] = {"description": "Success", "headers": dict(RATE_LIMIT_HEADERS)}
        if op.response is not None:
            ok["content"] = {"application/json": {"schema": _ref(op.response)}}
        responses: dict[str, Any] = {str(code): ok for code in (op.status, *op.also)}
        statuses = set(_COMMON_ERRORS) | set(op.errors)
        if op.auth is not None:
            statuses |= {401, 403}
        if op.body is not None:
            statuses |= {400, 413, 415, 422}
        if op.query is not None:
            statuses |= {400, 422}
        if "Idempotency-Key" in op.extra_headers:
            statuses |= {409, 422}
        for s in sorted(statuses):
            responses[str(s)] = {
                "description": _ERROR_TEXT.get(s, "error"),
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
            if s == 429:
                responses[str(s)]["headers"] = {"Retry-After": RETRY_AFTER, **RATE_LIMIT_HEADERS}
        operation: dict[str, Any] = {
            "operationId": op.endpoint,
            "summary": op.summary,
            "tags": [op.tag],
            "responses": responses,
        }
        if op.description:
            operation["description"] = op.description
        if params:
            operation["parameters"] = params
        if op.body is not None:
            operation["requestBody"] = {
                "required": bool(schemas[op.body.__name__].get("required")),
                "content": {"application/json": {"schema": _ref(op.body)}},
            }
        if op.auth is not None:
            operation["security"] = [{"bearer": []}]
        http_caching.document(operation, op.endpoint)  # ETag, Cache-Control, 304
        item[op.method.lower()] = operation
    components = {
        "schemas": {"Error": ERROR_SCHEMA, **dict(sorted(schemas.items()))},
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "A staff access token from /login or a client_token from /public/client/verify",
            }
        },
    }
    doc = {
        "openapi": "3.1.0",
        "info": {
            "title": "Jazyl booking API",
            "version": "1.0.0",
            "description": "Online booking for salons, barbershops and clinics. Every error has the body "
            '{"error", "message", "details"}. Lists are {"items", "total"} with '
            "limit (default 50, max 200) and offset. Every response carries the X-RateLimit-* headers of "
            "the route's limit; a 429 also Retry-After.",
        },
        "paths": dict(sorted(paths.items())),
        "components": components,
    }
    if server_url:
        doc["servers"] = [{"url": server_url, "description": "This host; every path starts with /api/v1."}]
    return doc
