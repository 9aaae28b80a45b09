"""Clients of the business (owner) or of the manager's location: list, card, notes, CSV export.

Thin adapters: app.accounts.client_queries reads, app.accounts.client_notes writes.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from app.accounts import client_notes, client_queries
from app.accounts import rules as ar
from app.core.db import savepoint
from app.core.errors import DomainError, ValidationError
from app.core.fields import RuleError
from app.core.i18n import LANGUAGE_NAMES
from app.core.templating import money
from app.core.types import utcnow
from app.web.forms import apply_errors
from app.web.owner.area import area_url, scope_location
from app.web.staff_home import current_actor


class ClientNoteForm(FlaskForm):
    text = TextAreaField(_l("Note"), validators=ar.CLIENT_NOTE.validators())


def _location_id() -> int | None:
    loc = scope_location()
    return loc.id if loc else None


def _search() -> tuple[str, str | None]:
    """The search box's text (checked against its rule) and an error to show, if any."""
    raw = request.args.get("q", "")
    try:
        return ar.CLIENT_SEARCH.clean(raw) or "", None
    except RuleError as exc:
        return "", str(exc.message)


def _load(client_id: int):
    client = client_queries.visible_client(client_id, _location_id())
    if client is None:
        abort(404)
    return client


def clients_list():
    q, error = _search()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows, total = client_queries.search_clients(q, location_id=_location_id(), page=page)
    pages = max(1, -(-total // client_queries.PER_PAGE))
    return render_template(
        "clients/index.html",
        rows=rows,
        total=total,
        q=q,
        search_error=error,
        page=page,
        pages=pages,
        display_phone=client_queries.display_phone,
        language_names=LANGUAGE_NAMES,
    )


def clients_export():
    q, _error = _search()
    header = [
        _("Client"),
        _("Phone"),
        _("Email"),
        _("Language"),
        _("Visits"),
        _("No-shows"),
        _("Cancellations"),
        _("Total spent"),
        _("Last visit"),
    ]
    chunks = client_queries.export_csv(header, money, q=q, location_id=_location_id())
    filename = f"clients-{g.tenant.subdomain}-{utcnow().date().isoformat()}.csv"
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _render_card(client, form: ClientNoteForm, status: int = 200):
    card = client_queries.client_card(client, utcnow(), _location_id())
    return (
        render_template(
            "clients/card.html",
            card=card,
            form=form,
            display_phone=client_queries.display_phone,
            language_names=LANGUAGE_NAMES,
            now=utcnow(),
        ),
        status,
    )


def client_card(client_id: int):
    return _render_card(_load(client_id), ClientNoteForm())


def client_note_add(client_id: int):
    client = _load(client_id)
    form = ClientNoteForm()
    if form.validate_on_submit():
        try:
            with savepoint():
                client_notes.add_client_note(current_actor(), client, form.text.data, author_name=current_user.name)
        except ValidationError as exc:
            apply_errors(form, ValidationError({"text": [m for v in (exc.details or {}).values() for m in v]}))
        else:
            flash(_("Note added."), "success")
            return redirect(area_url("client_card", client_id=client.id) + "#notes")
    return _render_card(client, form, 422)


def client_note_delete(client_id: int, note_id: int):
    client = _load(client_id)
    try:
        with savepoint():
            client_notes.delete_client_note(current_actor(), client, note_id)
    except DomainError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Note removed."), "success")
    return redirect(area_url("client_card", client_id=client.id) + "#notes")


def register_client_routes(bp: Blueprint) -> None:
    """The client pages on a dashboard (owner and manager)."""
    bp.add_url_rule("/clients", "clients_list", clients_list)
    bp.add_url_rule("/clients/export.csv", "clients_export", clients_export)
    bp.add_url_rule("/clients/<int:client_id>", "client_card", client_card)
    bp.add_url_rule("/clients/<int:client_id>/notes", "client_note_add", client_note_add, methods=["POST"])
    bp.add_url_rule(
        "/clients/<int:client_id>/notes/<int:note_id>/delete",
        "client_note_delete",
        client_note_delete,
        methods=["POST"],
    )
