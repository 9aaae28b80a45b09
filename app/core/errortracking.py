"""Optional error tracking: with ``SENTRY_DSN`` set, unhandled exceptions go to Sentry.

Any Sentry-compatible service works (the DSN names it).  Web errors are reported by the
catch-all error handler (:mod:`app.core.handlers` calls :func:`capture`, since an exception
that an error handler renders never reaches Flask's own exception signal); worker errors by
the SDK's RQ integration.  Every event carries the request id as a tag, so an event, the log
lines and the jobs of one request can be matched.  No personal data is sent (the SDK's
default collection, request bodies and cookies removed, URLs and messages redacted).
"""

from __future__ import annotations

import logging

from flask import Flask

from app.core.logs import REQUEST_ID, redact

log = logging.getLogger(__name__)
_active_dsn: str | None = None


def _before_send(event: dict, hint: dict) -> dict:
    rid = REQUEST_ID.get()
    if rid:
        event.setdefault("tags", {})["request_id"] = rid
    request = event.get("request") or {}
    request.pop("cookies", None)
    request.pop("data", None)
    if isinstance(request.get("url"), str):
        request["url"] = redact(request["url"])
    for entry in (event.get("logentry"), event.get("message")):
        if isinstance(entry, dict) and isinstance(entry.get("message"), str):
            entry["message"] = redact(entry["message"])
    return event


def init_app(app: Flask) -> None:
    global _active_dsn
    dsn = app.config.get("SENTRY_DSN")
    if not dsn or dsn == _active_dsn:
        return
    import sentry_sdk  # heavy: the Sentry SDK only once a DSN is configured

    sentry_sdk.init(
        dsn=dsn,
        environment=app.config.get("SENTRY_ENVIRONMENT") or app.config.get("ENV_NAME"),
        # Neither send_default_pii nor data_collection: the SDK's default sends no personal
        # data and scrubs cookies, sessions and passwords with its event scrubber.
        max_request_body_size="never",
        traces_sample_rate=0.0,
        before_send=_before_send,
    )
    _active_dsn = dsn
    log.info("error tracking on")


def capture(exc: BaseException) -> None:
    """Report ``exc`` when error tracking is on (a no-op otherwise)."""
    if _active_dsn is None:
        return
    import sentry_sdk  # heavy: the Sentry SDK only when error tracking is on

    sentry_sdk.capture_exception(exc)
