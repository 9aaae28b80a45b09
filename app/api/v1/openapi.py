"""The OpenAPI 3.1 document, built from the operations ``@api`` registered
(``app.api.v1.registry.OPERATIONS``): paths, parameters, bodies, responses and errors."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from app.api.v1 import caching as http_caching
from app.api.v1.registry import COMMON_ERRORS, OPERATIONS
from app.bookings.rules import IDEMPOTENCY_KEY as IDEMPOTENCY_KEY_RULE

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
        statuses = set(COMMON_ERRORS) | set(op.errors)
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
