"""Rate limits (Flask-Limiter on the Redis storage set up in create_app).

- every API route: ``RATELIMIT_DEFAULT`` per client IP, or ``RATELIMIT_STAFF`` per user
  for requests carrying a valid staff access token (staff apps poll calendars);
- login, API and dashboard alike: ``RATELIMIT_LOGIN`` per IP and ``RATELIMIT_LOGIN_EMAIL`` per
  account (the email, from the JSON body or the form), one budget shared by both doors;
- phone verification: ``RATELIMIT_VERIFY_PHONE`` per phone and ``RATELIMIT_VERIFY_IP`` per IP;
- registration and password reset: ``RATELIMIT_REGISTER`` per IP.

A breach is ``429 rate_limited`` with ``Retry-After`` (rendered by app.core.handlers).
When Redis cannot be reached the limits keep applying from an in-process memory store
(``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``, counted per worker process, from zero) until
Redis answers again.  ``RATELIMIT_ENABLED=false`` turns all of it off.
"""

from __future__ import annotations

import hashlib

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address

from app.core.errors import DomainError
from app.extensions import limiter

DEFAULTS = {
    "RATELIMIT_STAFF": "1000 per minute",
    "RATELIMIT_LOGIN": "10 per minute",
    "RATELIMIT_LOGIN_EMAIL": "5 per minute",
    "RATELIMIT_VERIFY_PHONE": "5 per 10 minutes",
    "RATELIMIT_VERIFY_IP": "20 per 10 minutes",
    "RATELIMIT_REGISTER": "5 per hour",
}


class RateLimited(DomainError):
    """Raised by services for their own cooldowns (e.g. SMS resend)."""

    status = 429
    code = "rate_limited"
    default_message = _l("Too many requests. Please wait a moment and try again.")

    def __init__(self, retry_after: int, message=None):
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


def _conf(name: str) -> str:
    return current_app.config.get(name) or DEFAULTS[name]


def _body_value(field: str) -> str:
    """``field`` from a JSON body (API) or a form (web pages), normalised."""
    if request.is_json:
        body = request.get_json(silent=True)
        value = body.get(field) if isinstance(body, dict) else None
    else:
        value = request.form.get(field)
    return str(value).strip().lower() if value is not None else ""


def _staff_subject() -> str | None:
    """The user id of a valid (signature and expiry) staff access token, cached per request."""
    if "ratelimit_staff" in g:
        return g.ratelimit_staff
    subject = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer ") and header.count(".") == 2:
        from app.accounts.tokens import decode_access

        try:
            subject = decode_access(header[7:].strip())["sub"]
        except DomainError:
            subject = None
    g.ratelimit_staff = subject
    return subject


def api_limit() -> str:
    return (
        _conf("RATELIMIT_STAFF") if _staff_subject() else current_app.config.get("RATELIMIT_DEFAULT", "100 per minute")
    )


def api_key() -> str:
    subject = _staff_subject()
    return f"user:{subject}" if subject else f"ip:{get_remote_address()}"


def _hashed(prefix: str, value: str) -> str:
    return f"{prefix}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def email_key() -> str:
    return _hashed("email", _body_value("email"))


def phone_key() -> str:
    from app.core.phones import normalize_phone

    raw = _body_value("phone")
    try:
        phone = normalize_phone(raw)
    except DomainError:
        phone = raw
    return _hashed("phone", phone)


# Decorators for API views (stack under the route registration).
default_api = limiter.limit(api_limit, key_func=api_key, scope="api")
login_ip = limiter.limit(
    lambda: _conf("RATELIMIT_LOGIN"), key_func=get_remote_address, scope="login-ip", methods=["POST"]
)
login_email = limiter.limit(
    lambda: _conf("RATELIMIT_LOGIN_EMAIL"), key_func=email_key, scope="login-email", methods=["POST"]
)
verify_phone = limiter.limit(
    lambda: _conf("RATELIMIT_VERIFY_PHONE"), key_func=phone_key, scope="verify-phone", methods=["POST"]
)
verify_ip = limiter.limit(
    lambda: _conf("RATELIMIT_VERIFY_IP"), key_func=get_remote_address, scope="verify-ip", methods=["POST"]
)
register_ip = limiter.limit(
    lambda: _conf("RATELIMIT_REGISTER"), key_func=get_remote_address, scope="register-ip", methods=["POST"]
)
