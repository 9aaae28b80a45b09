"""Error rendering: one error, three shapes (API JSON, htmx fragment, HTML page).

Also the request boundary of the unit of work, the one place a request's transaction ends:
it commits only when the request raised no exception and answers below 400, and rolls back
otherwise.  Any exception rolls back at once, before its error page is rendered (so that
page reads a clean session); ``after_request`` then commits or rolls back.  A commit that
fails (a constraint the database enforces) turns into the matching domain error instead of
a 500.  Views never commit or roll back: one that recovers from a service error runs that
call in :func:`app.core.db.savepoint`.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from app.core import db as uow
from app.core import errortracking
from app.core.errors import Conflict, DomainError, SlotUnavailable

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: ("bad_request", _l("The request is malformed.")),
    401: ("unauthorized", _l("Authentication is required.")),
    403: ("forbidden", _l("You do not have permission to do this.")),
    404: ("not_found", _l("Not found.")),
    405: ("method_not_allowed", _l("This method is not allowed here.")),
    409: ("conflict", _l("The request conflicts with the current state.")),
    413: ("payload_too_large", _l("The request body is too large.")),
    415: ("unsupported_media_type", _l("Send the request body as application/json.")),
    422: ("validation_error", _l("Some fields are not valid.")),
    429: ("rate_limited", _l("Too many requests. Please wait a moment and try again.")),
    500: ("internal_error", _l("Something went wrong on our side. Please try again.")),
    503: ("service_unavailable", _l("The service is temporarily unavailable.")),
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/health"


def translate_db_error(exc: DBAPIError) -> DomainError | None:
    """Map constraint violations the database enforces to domain errors."""
    orig = getattr(exc, "orig", None)
    pgcode = getattr(orig, "pgcode", None)
    text = str(orig or exc).lower()
    if pgcode == "23P01" or "no_overlap" in text:
        return SlotUnavailable()
    if isinstance(exc, IntegrityError):
        return Conflict()
    if isinstance(exc, OperationalError) and "locked" in text:
        return Conflict(_l("The system is busy. Please try again."))
    return None


def render_error(status: int, code: str, message: str, details=None) -> Response:
    if wants_json():
        resp = jsonify({"error": code, "message": message, "details": details})
    elif request.headers.get("HX-Request"):
        resp = Response(render_template("components/_error_fragment.html", message=message, code=code))
        # htmx does not swap non-2xx responses by default; point it at the error area instead.
        resp.headers["HX-Retarget"] = "#flash"
        resp.headers["HX-Reswap"] = "innerHTML"
    else:
        try:
            resp = Response(
                render_template("errors/error.html", status=status, code=code, message=message, details=details)
            )
        except Exception:  # the error page itself must never fail
            log.exception("error page failed to render")
            resp = Response(
                f"<!doctype html><title>{status}</title><h1>{status}</h1><p>{escape(message)}</p>", mimetype="text/html"
            )
    resp.status_code = status
    return resp


_FAILED = "uow_failed"


def _abandon() -> None:
    """The request raised: nothing it wrote is kept, whatever response it ends with."""
    g.setdefault(_FAILED, True)
    uow.rollback()


def init_app(app: Flask) -> None:
    handle_user_exception = app.handle_user_exception

    def _handle_user_exception(exc: Exception):
        # Every exception a before_request function or a view raises passes here, before
        # its error handler renders a page -- including one that carries its own response
        # (``abort(redirect(...))``), which no error handler sees.
        _abandon()
        return handle_user_exception(exc)

    app.handle_user_exception = _handle_user_exception

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        resp = render_error(exc.status, exc.code, str(exc.message), exc.details)
        retry = getattr(exc, "retry_after", None)
        if retry:
            resp.headers["Retry-After"] = str(retry)
        return resp

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        code, message = HTTP_CODES.get(status, (exc.name.lower().replace(" ", "_"), exc.description))
        if status == 429:
            resp = render_error(status, code, str(message))
            retry = getattr(exc, "retry_after", None) or 60
            resp.headers["Retry-After"] = str(int(retry))
            return resp
        if status == 400 and getattr(exc, "description", "").startswith("The CSRF"):
            message = _("Your session expired. Reload the page and try again.")
        resp = render_error(status, code, str(message))
        if status == 405 and getattr(exc, "valid_methods", None):
            resp.headers["Allow"] = ", ".join(exc.valid_methods)
        return resp

    @app.errorhandler(DBAPIError)
    def _db(exc: DBAPIError):
        domain = translate_db_error(exc)
        if domain is None:
            log.exception("database error")
            errortracking.capture(exc)
            code, message = HTTP_CODES[500]
            return render_error(500, code, str(message))
        return render_error(domain.status, domain.code, str(domain.message))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        errortracking.capture(exc)
        code, message = HTTP_CODES[500]
        return render_error(500, code, str(message))

    @app.before_request
    def _writer():
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            g.write_intent_token = uow.declare_write_intent()

    @app.teardown_request
    def _end_writer(exc):
        if exc is not None or g.pop(_FAILED, False):  # no response was made, or after_request never ran
            uow.rollback()
        token = g.pop("write_intent_token", None)
        if token is not None:
            uow.clear_write_intent(token)

    @app.after_request
    def _end_unit_of_work(response: Response) -> Response:
        # Registered first, so it runs after every other after_request function.
        if g.pop(_FAILED, False) or response.status_code >= 400:
            uow.rollback()
            return response
        try:
            uow.commit()
        except DBAPIError as exc:
            uow.rollback()
            return _db(exc)
        return response
