"""The short signed link a client's SMS and email carry to manage a visit.

``/v/<token>`` opens the visit page (view, reschedule, cancel) and signs the client in
for that business, without a code.  The token is ``<booking id>.<expiry>.<signature>``
(base 36 numbers and 16 characters of HMAC-SHA256 keyed with ``SECRET_KEY`` over the
tenant, booking and expiry), about 25 characters, so it fits an SMS.  The tenant is part of
what is signed, not of the token: a token only opens on its own business's site.  A link
expires :data:`LINK_GRACE` after the visit's end, so every render of a message (a retry
too) carries the same link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.bookings.models import Booking
from app.core.types import utcnow
from app.extensions import db

LINK_GRACE = timedelta(days=7)
MAX_TOKEN_LENGTH = 64
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


class InvalidLink(Exception):
    """Not a token this business signed (mistyped, altered, or another business's)."""


class ExpiredLink(Exception):
    """A genuine token whose time is over."""

    def __init__(self, booking_id: int):
        super().__init__(booking_id)
        self.booking_id = booking_id


def _b36(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _DIGITS[r] + out
        if n == 0:
            return out


def _unb36(text: str) -> int:
    if not text or len(text) > 13 or any(c not in _DIGITS for c in text):
        raise InvalidLink()
    return int(text, 36)


def _signature(tenant_id: int, booking_id: int, expires: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"manage-link:{tenant_id}:{booking_id}:{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode().rstrip("=")


def make_token(tenant_id: int, booking_id: int, expires_at: datetime) -> str:
    """A token for ``booking_id`` of ``tenant_id`` valid until ``expires_at`` (whole hours, rounded up)."""
    expires = -(-int(expires_at.timestamp()) // 3600)
    return f"{_b36(booking_id)}.{_b36(expires)}.{_signature(tenant_id, booking_id, expires)}"


def token_for_visit(tenant_id: int, booking_id: int, end: datetime | None) -> str:
    """The token a message about a visit ending at ``end`` carries: the same on every render
    (a retried SMS repeats its text to the letter), valid until :data:`LINK_GRACE` after the end."""
    return make_token(tenant_id, booking_id, (end or utcnow()) + LINK_GRACE)


def read_token(tenant_id: int, token: str, now: datetime | None = None) -> int:
    """The booking id a token names; :class:`InvalidLink` or :class:`ExpiredLink` otherwise."""
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise InvalidLink()
    head, exp_text, sig = token.split(".")
    booking_id, expires = _unb36(head), _unb36(exp_text)
    if not hmac.compare_digest(sig.encode(), _signature(tenant_id, booking_id, expires).encode()):
        raise InvalidLink()
    if datetime.fromtimestamp(expires * 3600, UTC) <= (now or utcnow()):
        raise ExpiredLink(booking_id)
    return booking_id


def site_url(subdomain: str) -> str:
    """The business's public site, e.g. ``https://anna.jazyl.kz``, without a trailing slash."""
    server = current_app.config.get("SERVER_NAME") or "localhost:5000"
    scheme = current_app.config.get("PREFERRED_URL_SCHEME", "http")
    return f"{scheme}://{subdomain}.{server}"


def manage_url(subdomain: str, token: str) -> str:
    return f"{site_url(subdomain)}/v/{token}"


def calendar_file_url(subdomain: str, token: str) -> str:
    return f"{site_url(subdomain)}/v/{token}/visit.ics"


# ---------------------------------------------------------------- opening a link


def visit_for_link(tenant, token: str):
    """The booking a manage link of ``tenant`` opens (inside the tenant's scope).

    Raises :class:`InvalidLink` for anything not signed for this business (or for a booking
    that is gone) and :class:`ExpiredLink` for a genuine link whose time is over.
    """
    booking_id = read_token(tenant.id, token)
    booking = db.session.scalar(select(Booking).where(Booking.tenant_id == tenant.id, Booking.id == booking_id))
    if booking is None or booking.client is None:
        raise InvalidLink()
    return booking
