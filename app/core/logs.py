"""Structured logs: one line per event on stdout, each carrying the request id.

``LOG_FORMAT=json`` (the default outside development) writes one JSON object per line with
``time``, ``level``, ``logger``, ``message``, ``request_id`` and whatever the event adds
(the access line adds method, host, path, status, duration_ms, tenant and user; the job
line adds job_id, queue, attempt and outcome).  ``LOG_FORMAT=text`` (the development
default) writes the same events as readable lines.

The request id comes from the ``X-Request-ID`` header when it is a plausible id, or is
made here; it is returned in the response and passed to every job the request enqueues
(:mod:`app.core.jobs`), so one id follows a booking from the request to the SMS it sent.

Every line passes :func:`redact` on its way out: phone numbers keep their last four digits,
tokens (client, refresh, JWT, reset and manage links) their first four characters, and
``password=``/``code=``-style pairs lose their value.  The code never logs those on purpose;
this is the net under that rule.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar

from flask import Flask, Response, g, has_request_context, request, request_finished, request_started
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
REQUEST_ID_HEADER = "X-Request-ID"
_PLAUSIBLE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
_MARK = "_jazyl_handler"
_RID, _STARTED, _TOKEN = "jazyl.request_id", "jazyl.request_started", "jazyl.request_id_token"
access_log = logging.getLogger("jazyl.access")

_SECRET_PAIR = re.compile(
    r"(?i)\b(password|passwd|secret|token|code|otp|authorization|api[_-]?key)(\s*[=:]\s*|\"\s*:\s*\")([^\s&\",;]+)"
)
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_CLIENT_TOKEN = re.compile(r"\b(ct_\d+_)[A-Za-z0-9_-]+")
_LONG_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])([A-Za-z0-9_-]{4})[A-Za-z0-9_-]{20,}")
_PHONE = re.compile(r"(?<![\w+])\+?\d[\d ()-]{6,18}\d(?![\w])")


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _mask_phone(m: re.Match) -> str:
    text = m.group(0)
    digits = sum(ch.isdigit() for ch in text)
    if digits < 10 or _DATE.search(text):  # too short for a phone number, or a date and time
        return text
    out, kept = [], 0
    for ch in reversed(text):  # keep the last four digits and the spelling, mask the rest
        if ch.isdigit():
            kept += 1
            out.append(ch if kept <= 4 else "•")
        else:
            out.append(ch)
    return "".join(reversed(out))


def redact(text: str) -> str:
    """``text`` with phone numbers, tokens and secret values masked (see the module docstring)."""
    if not text:
        return text
    text = _BEARER.sub(r"\1 ***", text)
    text = _SECRET_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    text = _JWT.sub("eyJ…", text)
    text = _CLIENT_TOKEN.sub(r"\1…", text)
    text = _LONG_TOKEN.sub(lambda m: m.group(1) + "…", text)
    return _PHONE.sub(_mask_phone, text)


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_duration() -> float | None:
    """Seconds since this request started (inside a request), else None."""
    started = request.environ.get(_STARTED) if has_request_context() else None
    return None if started is None else time.perf_counter() - started


_base_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args, **kwargs) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    record.request_id = REQUEST_ID.get()
    return record


class ContextFilter(logging.Filter):
    """Adds the tenant (inside a request) and redacts the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        if has_request_context() and not hasattr(record, "tenant"):
            # Never a lazy load from a log line: the row may be expired, or the transaction failed.
            tenant = g.get("tenant")
            record.tenant = g.get("tenant_subdomain") or (tenant.__dict__.get("subdomain") if tenant else None)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the event
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        for key in ("path", "url"):
            value = getattr(record, key, None)
            if isinstance(value, str):
                setattr(record, key, redact(value))
        return True


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stdout`` is at the time (a redirected or captured stdout too)."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value) -> None:
        pass

    def handleError(self, record: logging.LogRecord) -> None:
        if sys.stdout is None or getattr(sys.stdout, "closed", False):
            return  # interpreter shutdown: nowhere left to write
        super().handleError(record)


def _formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        return JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            datefmt="%Y-%m-%dT%H:%M:%S%z",
        )
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


def configure(kind: str, level: str = "INFO") -> None:
    """One stdout handler on the root logger, made once per process (and replaced on a change).

    Every record carries ``request_id`` from its creation, so any handler can show it."""
    if logging.getLogRecordFactory() is not _record_with_request_id:
        logging.setLogRecordFactory(_record_with_request_id)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _MARK, None) is not None:
            if getattr(handler, _MARK) == kind:
                root.setLevel(level)
                return
            root.removeHandler(handler)
    handler = _StdoutHandler()
    setattr(handler, _MARK, kind)
    handler.setFormatter(_formatter(kind))
    handler.addFilter(ContextFilter())
    root.addHandler(handler)
    root.setLevel(level)


def _user_id() -> int | None:
    # Only a user the request already loaded: looking one up here would cost a query.
    user = g.get("_login_user") or g.get("api_user")
    return getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None


def _started(sender: Flask, **_) -> None:
    rid = request_id_of(request.environ)
    # Kept in the WSGI environ, not ``g``: the tenant resolver starts each request with an empty g.
    request.environ.update({_RID: rid, _STARTED: time.perf_counter(), _TOKEN: REQUEST_ID.set(rid)})


def _tenant_label(tenant) -> str | None:
    """The request's tenant subdomain, from the host, the credential or the path when they name it: after the
    request's commit the tenant row is expired, and reading ``tenant.subdomain`` costs a SELECT
    (a cached request otherwise runs none, tests/core/test_cache_hits.py)."""
    known = g.get("tenant_subdomain") or g.get("tenant_label") or (request.view_args or {}).get("subdomain")
    if known or tenant is None:
        return known
    return tenant.__dict__.get("subdomain") or getattr(tenant, "subdomain", None)


def _finished(sender: Flask, response: Response, **_) -> None:
    rid = request.environ.get(_RID)
    if rid is None:
        return
    response.headers[REQUEST_ID_HEADER] = rid
    if sender.config.get("ACCESS_LOG", True) and not request.path.startswith("/static/"):
        log_access(request, response.status_code, request_duration(), _tenant_label(g.get("tenant")), _user_id())


def request_id_of(environ: dict) -> str:
    """The caller's ``X-Request-ID`` when it looks like one, else a new id."""
    given = environ.get("HTTP_X_REQUEST_ID", "")
    return given if _PLAUSIBLE_ID.match(given) else new_request_id()


def log_access(req, status: int, duration: float, tenant: str | None, user: int | None) -> None:
    """The access log line of a request (``req``: a werkzeug request)."""
    access_log.info(
        "%s %s %s",
        req.method,
        req.path,
        status,
        extra={
            "method": req.method,
            "host": req.host,
            "path": req.path,
            "status": status,
            "duration_ms": round(duration * 1000, 2),
            "tenant": tenant,
            "user": user,
        },
    )


def init_app(app: Flask) -> None:
    configure(app.config.get("LOG_FORMAT") or "json", app.config.get("LOG_LEVEL") or "INFO")
    request_started.connect(_started, app)
    request_finished.connect(_finished, app)

    @app.teardown_request
    def _forget(exc):
        token = request.environ.pop(_TOKEN, None)
        if token is not None:
            try:
                REQUEST_ID.reset(token)
            except ValueError:  # set in another context (streamed responses)
                REQUEST_ID.set(None)
