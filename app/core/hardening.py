"""Hostile input stops at the edge, as a 4xx in the contract's error format.

One place for the checks that no field-level rule can make, because the input breaks the
layers below before any rule sees it:

* :func:`read_json_body` -- the request's JSON object: invalid UTF-8 or JSON, ``NaN`` and
  ``Infinity``, nesting deeper than :data:`MAX_JSON_DEPTH` and a body that is not an object
  give ``400 bad_request``; a NUL character or a lone surrogate in a string (PostgreSQL and
  UTF-8 refuse both), an integer beyond 64 bits and a number too large for a float
  (``1e400``) give ``422 validation_error`` naming the field (``client.name``, ``weekly.mon.0.start``).
* every request (:func:`init_app`): an address longer than :data:`MAX_URL_LENGTH` gives
  ``414 uri_too_long``; NUL or a lone surrogate in the path gives ``404``, and in a query
  parameter or a form field, like an integer beyond 64 bits in a query parameter, ``422``
  naming the parameter.
* ``<int:...>`` in routes only matches ids that fit a signed 64-bit column (else ``404``).
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import UnsupportedMediaType
from werkzeug.routing import IntegerConverter

from app.core.errors import BadRequest, DomainError, NotFound, ValidationError

MAX_INT = 2**63 - 1
MIN_INT = -(2**63)
MAX_JSON_DEPTH = 32
# Path plus query string, in characters as sent. gunicorn.conf.py lets request lines up to
# 8190 bytes through, so everything between this and that gets the JSON answer below.
MAX_URL_LENGTH = 4096

BAD_CHARACTERS = _l("This value contains characters that are not allowed.")
OUT_OF_RANGE = _l("This number is out of range.")


class UriTooLong(DomainError):
    status = 414
    code = "uri_too_long"
    default_message = _l("The address is too long.")


class BoundedIntConverter(IntegerConverter):
    """``<int:id>``: a non-negative integer that fits a signed 64-bit column; longer ones are not routes."""

    regex = r"\d{1,19}"  # longer never matches, so a 30-digit id is a plain 404 like any unknown path

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_INT if max is None else max, signed=signed)
        if signed:
            self.regex = r"-?\d{1,19}"


def has_bad_characters(value: str) -> bool:
    """NUL, or a lone surrogate (``"\\ud800"`` in JSON): neither can be stored or sent as UTF-8."""
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _depth_ok(data: Any) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return False
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return True


def _problems(data: Any) -> dict[str, list]:
    """Field path -> messages for values no layer below can take."""
    problems: dict[str, list] = {}
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                sub = f"{path}.{key}" if path else str(key)
                if has_bad_characters(key):
                    raise BadRequest()
                stack.append((item, sub))
        elif isinstance(value, list):
            stack.extend((item, f"{path}.{i}" if path else str(i)) for i, item in enumerate(value))
        elif isinstance(value, str):
            if has_bad_characters(value):
                problems.setdefault(path, []).append(BAD_CHARACTERS)
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if not MIN_INT <= value <= MAX_INT:
                problems.setdefault(path, []).append(OUT_OF_RANGE)
        elif isinstance(value, float) and not math.isfinite(value):
            problems.setdefault(path, []).append(OUT_OF_RANGE)
    return problems


def parse_json_object(raw: bytes | str) -> dict:
    """A JSON object from request bytes, or the contract's 400/422 (see the module docstring)."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest() from None
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise BadRequest() from None
    if not _depth_ok(data):
        raise BadRequest(_l("The JSON body is nested too deeply."))
    if not isinstance(data, dict):
        raise BadRequest(_l("The request body must be a JSON object."))
    problems = _problems(data)
    if problems:
        raise ValidationError(problems)
    return data


#: Request bodies read as a form (their fields are checked like the query string's).
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def read_json_body() -> dict:
    """The current request's JSON object body (``{}`` when there is none), checked once per request.

    Raises ``415`` when a body is sent as anything but JSON, and the 400/422 of
    :func:`parse_json_object`.
    """
    cached = g.get("_hardened_json_body")
    if cached is not None:
        return cached
    raw = request.get_data(cache=True)
    if not raw:
        body: dict = {}
    else:
        if not request.is_json:
            raise UnsupportedMediaType()
        body = parse_json_object(raw)
    g._hardened_json_body = body
    return body


def _check_request() -> None:
    check_request(request, request.view_args)


def check_request(req, view_args: dict | None) -> None:
    """The checks every request passes (module docstring), on ``req`` and the values its
    route matched; raises the error the request is answered with.  The before-request hook
    runs it on Flask's request; app.api.v1.fastpath on its own before computing an answer."""
    uri = req.environ.get("RAW_URI") or req.environ.get("REQUEST_URI") or req.full_path
    if len(uri) > MAX_URL_LENGTH:
        raise UriTooLong()
    for value in (view_args or {}).values():
        if isinstance(value, str) and has_bad_characters(value):
            raise NotFound()
    if has_bad_characters(req.path):
        raise NotFound()
    problems: dict[str, list] = {}
    for key, value in req.args.items(multi=True):
        if has_bad_characters(key) or has_bad_characters(value):
            problems.setdefault(key if not has_bad_characters(key) else "?", []).append(BAD_CHARACTERS)
            continue
        if _beyond_64_bits(value):
            problems.setdefault(key, []).append(OUT_OF_RANGE)
    if req.mimetype in FORM_TYPES:
        for key, value in req.form.items(multi=True):
            if has_bad_characters(key) or has_bad_characters(value):
                problems.setdefault(key if not has_bad_characters(key) else "?", []).append(BAD_CHARACTERS)
    if problems:
        raise ValidationError(problems)


def _beyond_64_bits(value: str) -> bool:
    text = value.strip()
    if not text or len(text) > 4000 or not text.lstrip("+-").isascii() or not text.lstrip("+-").isdigit():
        return False
    return not MIN_INT <= int(text) <= MAX_INT


def init_app(app: Flask) -> None:
    """Install the ``int`` converter (before any route is added) and the per-request checks."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(_check_request)
