"""Master dashboard: own day and upcoming bookings, own schedule, permission requests."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.bookings.services import list_bookings_for
from app.catalog import permissions as catalog_permissions
from app.core.db import savepoint
from app.core.errors import DomainError, NotFound
from app.core.types import utcnow
from app.web.dashboard import make_dashboard
from app.web.owner.area import show_phones
from app.web.owner.forms import PERMISSION_LABELS, PermissionRequestForm
from app.web.owner.staff import register_booking_routes
from app.web.staff_home import current_actor, current_master

bp = make_dashboard("master", ("master",), _l("Master"))
register_booking_routes(bp)


@bp.context_processor
def _title():
    return {"area_title": _("Master"), "me": current_master()}


@bp.route("/upcoming")
def upcoming():
    items, total = list_bookings_for(g.tenant, current_actor(), start_from=utcnow(), limit=100)
    return render_template("master/upcoming.html", bookings=items, total=total, show_phones=show_phones(), now=utcnow())


@bp.route("/schedule")
def my_schedule():
    master = current_master()
    if master is None:
        raise NotFound()
    return redirect(url_for("master.master_schedule", master_id=master.id))


@bp.route("/permissions", methods=["GET", "POST"])
def permissions():
    master = current_master()
    if master is None:
        raise NotFound()
    form = PermissionRequestForm()
    if form.validate_on_submit():
        try:
            with savepoint():
                catalog_permissions.request_permission(
                    g.tenant, current_actor(), form.permission.data, form.reason.data or ""
                )
        except DomainError as exc:
            form.permission.errors = [m for v in (exc.details or {}).values() for m in v] or [str(exc.message)]
        else:
            flash(_("Your request is sent to the owner."), "success")
            return redirect(url_for("master.permissions"))
    items = catalog_permissions.list_permission_requests(g.tenant, current_actor())
    status = 422 if form.errors else 200
    return render_template(
        "master/permissions.html", form=form, items=items, master=master, labels=PERMISSION_LABELS
    ), status
