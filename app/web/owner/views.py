"""Owner dashboard: every location of the business, plus locations and business settings."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.errors import NotFound
from app.extensions import db
from app.tenants import services as tenant_services
from app.tenants.models import Location
from app.tenants.queries import list_locations
from app.web.dashboard import make_dashboard
from app.web.forms import form_status, submit
from app.web.owner.forms import LocationForm, SettingsForm
from app.web.owner.staff import ask_first, register_management_routes
from app.web.staff_home import current_actor

bp = make_dashboard("owner", ("owner",), _l("Owner"))
register_management_routes(bp)


@bp.context_processor
def _title():
    return {"area_title": _("Owner")}


@bp.route("/locations")
def locations_list():
    return render_template("owner/locations/index.html", locations=list_locations(active_only=False))


@bp.route("/locations/new", methods=["GET", "POST"])
@bp.route("/locations/<int:location_id>", methods=["GET", "POST"])
def location_edit(location_id: int | None = None):
    location = None
    if location_id is not None:
        location = db.session.scalar(select(Location).where(Location.id == location_id))
        if location is None:
            raise NotFound()
    form = LocationForm(obj=location) if request.method == "GET" else LocationForm()
    if request.method == "GET" and location is None:
        form.timezone.data = g.tenant.timezone
    if location is not None and location.active and form.is_submitted() and not form.active.data:
        asking = ask_first(
            _("Deactivate %(name)s? Its masters and services can no longer be booked there.", name=location.name),
            url_for("owner.location_edit", location_id=location.id),
        )
        if asking is not None:
            return asking
    done, _result, errors = submit(
        form,
        lambda data: (
            tenant_services.create_location(current_actor(), data)
            if location is None
            else tenant_services.update_location(current_actor(), location, data)
        ),
    )
    if done:
        flash(_("The location is saved."), "success")
        return redirect(url_for("owner.locations_list"))
    return (
        render_template("owner/locations/form.html", form=form, location=location, errors=errors),
        form_status(form, errors),
    )


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    tenant = g.tenant
    form = SettingsForm(obj=tenant) if request.method == "GET" else SettingsForm()
    done, _result, errors = submit(form, lambda data: tenant_services.update_settings(current_actor(), tenant, data))
    if done:
        flash(_("Settings saved."), "success")
        return redirect(url_for("owner.settings"))
    return render_template("owner/settings.html", form=form, errors=errors), form_status(form, errors)
