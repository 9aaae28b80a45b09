"""Domain errors with stable codes, rendered per caller.

Services raise :class:`DomainError` subclasses carrying a stable ``code`` (the API
contract's error codes), an HTTP status and a lazily translated message.  The error
handlers render the same error as the API's JSON body, an htmx fragment or a full HTML
page, translated in the caller's locale at render time.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    status = 400
    code = "bad_request"
    default_message = _l("The request could not be processed.")

    def __init__(self, message: Any = None, *, details: dict | None = None, code: str | None = None):
        super().__init__(str(code or self.code))
        self.message = message if message is not None else self.default_message
        self.details = details
        if code:
            self.code = code


class BadRequest(DomainError):
    status = 400
    code = "bad_request"
    default_message = _l("The request is malformed.")


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
    default_message = _l("Authentication is required.")


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    default_message = _l("Invalid email or password.")


class TokenExpired(Unauthorized):
    code = "token_expired"
    default_message = _l("The token has expired.")


class TokenRevoked(Unauthorized):
    code = "token_revoked"
    default_message = _l("The token has been revoked.")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    default_message = _l("You do not have permission to do this.")


class TenantNotActive(Forbidden):
    code = "tenant_not_active"
    default_message = _l("This business is not accepting bookings at the moment.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _l("Not found.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _l("The request conflicts with the current state.")


class SlotUnavailable(Conflict):
    code = "slot_unavailable"
    default_message = _l("This time is no longer available. Please choose another slot.")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = _l("This booking cannot change to that status now.")


class CancellationWindowPassed(Conflict):
    code = "cancellation_window_passed"
    default_message = _l("It is too late to cancel or reschedule this booking online.")


class SubdomainTaken(Conflict):
    code = "subdomain_taken"
    default_message = _l("This subdomain is already taken.")


class EmailTaken(Conflict):
    code = "email_taken"
    default_message = _l("An account with this email already exists.")


class ValidationError(DomainError):
    status = 422
    code = "validation_error"
    default_message = _l("Some fields are not valid.")

    def __init__(self, details: dict[str, list[Any]] | None = None, message: Any = None):
        details = {k: [str(m) for m in v] for k, v in (details or {}).items()}
        super().__init__(message, details=details)

    @classmethod
    def field(cls, name: str, message: Any) -> ValidationError:
        return cls({name: [message]})


class ServiceUnavailable(DomainError):
    """A part the platform depends on (Redis, a provider) does not answer right now."""

    status = 503
    code = "service_unavailable"
    default_message = _l("The service is temporarily unavailable.")
