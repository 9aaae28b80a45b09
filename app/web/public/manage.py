"""The short signed link from a client's SMS or email, and the visit's calendar file.

``/v/<token>`` signs the client in for this business (the same cookie a verified phone
gets) and opens the visit page, where the visit can be moved or cancelled.
``/v/<token>/visit.ics`` is the visit as an iCalendar file (no sign-in needed: the link
is the permission).  A mistyped, altered, expired or other business's link answers with
a page that says so and offers to sign in with the phone number instead.
"""

from __future__ import annotations

from flask import current_app, g, redirect, render_template, url_for

from app.accounts.clients import open_client_session
from app.core.i18n import in_locale
from app.core.templating import reader_language
from app.extensions import limiter
from app.notifications import calendar
from app.notifications.events import booking_payload
from app.notifications.links import (
    ExpiredLink,
    InvalidLink,
    manage_url,
    token_for_visit,
    visit_for_link,
)
from app.web.public.site import bp, current_client, set_client_cookie


def _link_error(exc: Exception):
    expired = isinstance(exc, ExpiredLink)
    target = url_for("public.booking", booking_id=exc.booking_id) if expired else url_for("public.my_bookings")
    return render_template(
        "public/my/link_error.html",
        tenant=g.tenant,
        expired=expired,
        verify_url=url_for("public.verify", next=target),
    ), (410 if expired else 404)


@bp.route("/v/<token>")
@limiter.limit("30 per minute")
def manage_link(token: str):
    try:
        b = visit_for_link(g.tenant, token)
    except (InvalidLink, ExpiredLink) as exc:
        return _link_error(exc)
    resp = redirect(url_for("public.booking", booking_id=b.id))
    signed_in = current_client()
    if signed_in is None or signed_in.id != b.client_id:
        set_client_cookie(resp, open_client_session(b.client))
    return resp


@bp.route("/v/<token>/visit.ics")
@limiter.limit("30 per minute")
def visit_ics(token: str):
    try:
        b = visit_for_link(g.tenant, token)
    except (InvalidLink, ExpiredLink) as exc:
        return _link_error(exc)
    # In the client's saved language, like the messages that carried the link.
    lang = (b.client.language if b.client else None) or reader_language()
    with in_locale(lang):
        body = calendar.ics_event(
            booking_payload(b, lang),
            manage_url=manage_url(g.tenant.subdomain, token),
            cancelled=b.status == "cancelled",
        )
    resp = current_app.response_class(body, mimetype="text/calendar")
    resp.headers["Content-Type"] = "text/calendar; charset=utf-8"
    resp.headers["Content-Disposition"] = f'attachment; filename="visit-{b.id}.ics"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def calendar_links(b) -> dict:
    """The visit page's "add to calendar" links and its own manage link."""
    token = token_for_visit(g.tenant.id, b.id, b.end_at)
    manage = manage_url(g.tenant.subdomain, token)
    return {
        "ics_url": url_for("public.visit_ics", token=token),
        "google_url": calendar.google_calendar_url(booking_payload(b, reader_language()), manage),
        "manage_url": manage,
    }
