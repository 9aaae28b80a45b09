"""Route registration that also records the OpenAPI operation of every endpoint.

``@api(rule, method, ...)`` registers the Flask view on the API blueprint, applies the
rate limits, resolves and checks the caller, validates the query string and body with the
given :class:`Schema` objects, and remembers all of it for :func:`openapi_document`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import g, jsonify, request

from app.api.v1 import bp
from app.api.v1.schema import Schema, query_params
from app.core import ratelimit
from app.core.errors import DomainError

# Error statuses every operation may answer, plus the ones added per auth/body.
_COMMON_ERRORS = (404, 405, 429, 500)


@dataclass
class Operation:
    rule: str
    method: str
    endpoint: str
    summary: str
    tag: str
    auth: Any
    body: Schema | None
    query: Schema | None
    response: Schema | None
    status: int
    errors: tuple[int, ...]
    description: str = ""
    extra_headers: tuple[str, ...] = field(default_factory=tuple)
    also: tuple[int, ...] = field(default_factory=tuple)


OPERATIONS: list[Operation] = []


def _body() -> dict:
    if not request.content_length and not request.data:
        return {}
    return request.get_json(silent=True) or {}


def api(
    rule: str,
    method: str,
    *,
    summary: str,
    tag: str,
    auth: Any = None,
    body: Schema | None = None,
    query: Schema | None = None,
    response: Schema | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (),
    limits: tuple[Callable, ...] = (),
    partial: bool = False,
    description: str = "",
    headers: tuple[str, ...] = (),
    also: tuple[int, ...] = (),
) -> Callable:
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
                kwargs["query"] = query.load(request.args.to_dict(), query=True)
            if body is not None:
                kwargs["body"] = body.load(_body(), partial=partial)
            result = fn(**kwargs)
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
                body,
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
    "required": ["error", "message", "details"],
    "properties": {
        "error": {"type": "string", "description": "Stable error code, e.g. not_found, slot_unavailable."},
        "message": {"type": "string", "description": "Human readable, localized by Accept-Language or ?lang="},
        "details": {
            "anyOf": [{"type": "object", "additionalProperties": True}, {"type": "null"}],
            "description": "For validation_error: field name -> list of messages.",
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


def openapi_document(server_url: str | None = None) -> dict:
    refs: dict[str, Any] = {}
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        path = openapi_path(op.rule)
        item = paths.setdefault(path, {})
        params = []
        for conv, name in _PARAM_RE.findall(op.rule):
            params.append(
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer"} if conv == "int" else {"type": "string"},
                }
            )
        if op.query is not None:
            params.extend(query_params(op.query))
        for h in op.extra_headers:
            params.append({"name": h, "in": "header", "required": False, "schema": {"type": "string"}})
        ok: dict[str, Any] = {"description": "Success"}
        if op.response is not None:
            ok["content"] = {"application/json": {"schema": op.response.ref(refs)}}
        responses: dict[str, Any] = {str(code): ok for code in (op.status, *op.also)}
        statuses = set(_COMMON_ERRORS) | set(op.errors)
        if op.auth is not None:
            statuses |= {401, 403}
        if op.body is not None:
            statuses |= {400, 413, 415, 422}
        if op.query is not None:
            statuses |= {400, 422}
        for s in sorted(statuses):
            responses[str(s)] = {
                "description": _ERROR_TEXT.get(s, "error"),
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
            if s == 429:
                responses[str(s)]["headers"] = {
                    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}
                }
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
                "required": any(f.required for f in op.body.fields.values()),
                "content": {"application/json": {"schema": op.body.ref(refs)}},
            }
        if op.auth is not None:
            operation["security"] = [{"bearer": []}]
        item[op.method.lower()] = operation
    components = {
        "schemas": {"Error": ERROR_SCHEMA, **dict(sorted(refs.items()))},
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
            "limit (default 50, max 200) and offset.",
        },
        "paths": dict(sorted(paths.items())),
        "components": components,
    }
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc
