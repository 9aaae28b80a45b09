"""What the dashboard pages share: the area's URLs, the caller's location scope, rows
loaded within it (else 404), asking before destructive posts, and failing a post politely."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.catalog.models import Master, Service
from app.core.db import savepoint
from app.core.errors import DomainError, Forbidden, NotFound
from app.core.htmx import is_htmx
from app.core.redirects import safe_next
from app.core.templating import in_reading_order, tr
from app.extensions import db
from app.tenants.models import Location
from app.tenants.queries import list_locations
from app.web.owner.forms import (
    choices,
)
from app.web.staff_home import (
    current_master,
)


def area_url(endpoint: str, **values) -> str:
    return url_for(f"{request.blueprint}.{endpoint}", **values)


def scope_location() -> Location | None:
    """The location a manager is bound to; None for the owner (whole business)."""
    if current_user.role == "manager":
        location = db.session.scalar(select(Location).where(Location.id == current_user.location_id))
        if location is None:  # a manager bound to no location manages nothing
            raise Forbidden()
        return location
    if current_user.role == "master":
        master = current_master()
        return master.location if master else None
    return None


def visible_locations() -> list[Location]:
    loc = scope_location()
    return [loc] if loc else list_locations()


def fail(exc: DomainError, endpoint: str, **values):
    """An htmx caller gets the error fragment (handlers); a plain form post a flash and a redirect.

    The failed call ran in a ``savepoint()``, so what it flushed is already undone."""
    if is_htmx():
        raise exc
    flash(" ".join(m for v in (exc.details or {}).values() for m in v) or str(exc.message), "error")
    return redirect(area_url(endpoint, **values))


# ---------------------------------------------------------------- loaders (scoped, else 404)


def load_service(service_id: int) -> Service:
    svc = db.session.scalar(select(Service).where(Service.id == service_id))
    loc = scope_location()
    if svc is None or (loc is not None and loc.id not in svc.location_ids):
        raise NotFound()
    return svc


def load_master(master_id: int) -> Master:
    master = db.session.scalar(select(Master).where(Master.id == master_id))
    loc = scope_location()
    if master is None or (loc is not None and master.location_id != loc.id):
        raise NotFound()
    if current_user.role == "master" and (current_master() is None or master.id != current_master().id):
        raise NotFound()
    return master


def show_phones() -> bool:
    if current_user.role in ("owner", "manager"):
        return True
    master = current_master()
    return bool(master and master.has_permission("see_client_phones"))


def ask_first(message: str, back: str):
    """A plain (no-JS) post of a destructive action answers with a page that asks first.

    Scripted pages ask in the browser (``data-confirm`` on the button, ``hx-confirm``) and
    send ``confirmed=1`` (htmx requests count as confirmed); this page re-posts the same
    fields with ``confirmed=1``.  None when the action may go ahead."""
    if is_htmx() or request.form.get("confirmed") == "1":
        return None
    fields = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "confirmed")]
    return render_template("calendar/confirm.html", message=message, action=request.path, fields=fields, back=back)


def back(fallback: str) -> str:
    return safe_next(request.form.get("next"), request.referrer or fallback)


def pick(items: list, item_id):
    return next((i for i in items if i.id == item_id), None) if item_id is not None else None


def named_choices(rows) -> list:
    """Select choices of services, masters or locations: their names in the reader's language, in order."""
    return choices((x.id, tr(x)) for x in in_reading_order(rows))


def attempt(call, endpoint: str, **values):
    """``call()`` in a savepoint: ``(result, None)``, or ``(None, fail(...))`` on a domain error
    (the caller returns that response)."""
    try:
        with savepoint():
            return call(), None
    except DomainError as exc:
        return None, fail(exc, endpoint, **values)


def confirmed_attempt(message: str, endpoint: str, call, **values):
    """A destructive post: ask first (:func:`ask_first`, back to ``endpoint``), then
    :func:`attempt` it.  ``(result, None)`` when done, else ``(None, the response)``."""
    asking = ask_first(message, area_url(endpoint, **values))
    if asking is not None:
        return None, asking
    return attempt(call, endpoint, **values)
