"""Owner dashboard: every location of the business, plus locations and business settings."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from app.bookings.models import Booking
from app.catalog.models import Master, PermissionRequest, Service
from app.catalog.queries import list_bookable_masters
from app.core.errors import NotFound
from app.core.templating import tr
from app.extensions import db
from app.scheduling.models import WorkingHours
from app.tenants import services as tenant_services
from app.tenants.models import Location
from app.tenants.queries import list_locations
from app.web.dashboard import make_dashboard
from app.web.forms import form_status, submit
from app.web.owner.area import ask_first
from app.web.owner.forms import LocationForm, SettingsForm, fill_versions, translated_form, with_versions
from app.web.owner.staff import register_management_routes
from app.web.staff_home import current_actor

bp = make_dashboard("owner", ("owner",), _l("Owner"))
register_management_routes(bp)


@bp.context_processor
def _title():
    return {"area_title": _("Owner")}


@bp.context_processor
def _onboarding():
    return {"onboarding": onboarding, "pending_requests_count": pending_requests_count}


def pending_requests_count() -> int:
    """Masters' permission requests waiting for the owner (the badge in the navigation)."""
    return db.session.scalar(select(func.count(PermissionRequest.id)).where(PermissionRequest.status == "pending")) or 0


def onboarding() -> dict:
    """Where a new business stands on the way to its first booking (the home page's checklist).

    The site is bookable when an active master with working hours performs an active service
    at an active location that offers it; until then the checklist is shown.
    """
    has_service = db.session.scalar(select(func.count(Service.id)).where(Service.active.is_(True))) > 0
    masters = list(db.session.scalars(select(Master).where(Master.active.is_(True)).order_by(Master.id)))
    with_hours = set(
        db.session.scalars(
            select(WorkingHours.master_id).where(WorkingHours.master_id.in_([m.id for m in masters] or [0])).distinct()
        )
    )
    bookable = any(m.id in with_hours for m in list_bookable_masters())
    first_master = masters[0] if masters else None
    steps = [
        {
            "key": "service",
            "done": has_service,
            "label": _("Add your first service"),
            "url": url_for("owner.service_new"),
        },
        {
            "key": "master",
            "done": bool(masters),
            "label": _("Add your first master"),
            "url": url_for("owner.master_new"),
        },
        {
            "key": "hours",
            "done": bool(with_hours),
            "label": _("Set working hours"),
            "url": url_for("owner.master_schedule", master_id=first_master.id)
            if first_master
            else url_for("owner.masters_list"),
        },
        {
            "key": "share",
            "done": bookable and db.session.scalar(select(exists().where(Booking.id.is_not(None)))),
            "label": _("Share your booking link"),
            "url": _share_url(),
        },
    ]
    return {
        "steps": steps,
        "bookable": bookable,
        # Everything is there but no master performs a service at a location that offers it.
        "needs_link": has_service and bool(with_hours) and not bookable,
        "show": not bookable,
    }


def _share_url() -> str:
    if "owner.share" in current_app.view_functions:
        return url_for("owner.share")
    scheme = current_app.config.get("PREFERRED_URL_SCHEME", "http")
    return f"{scheme}://{g.tenant.subdomain}.{current_app.config['SERVER_NAME']}/"


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
    form_cls = translated_form(LocationForm, g.tenant)
    form = form_cls(obj=location) if request.method == "GET" else form_cls()
    if request.method == "GET" and location is None:
        form.timezone.data = g.tenant.timezone
    if request.method == "GET" and location is not None:
        fill_versions(form, location)
    if location is not None and location.active and form.is_submitted() and not form.active.data:
        asking = ask_first(
            _(
                "Deactivate %(name)s? Its masters and services can no longer be booked there.",
                name=tr(location),
            ),
            url_for("owner.location_edit", location_id=location.id),
        )
        if asking is not None:
            return asking
    done, _result, errors = submit(
        form,
        with_versions(
            form,
            lambda data: (
                tenant_services.create_location(current_actor(), data)
                if location is None
                else tenant_services.update_location(current_actor(), location, data)
            ),
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
    form_cls = translated_form(SettingsForm, tenant)
    form = form_cls(obj=tenant) if request.method == "GET" else form_cls()
    if request.method == "GET":
        fill_versions(form, tenant)
    done, _result, errors = submit(
        form,
        with_versions(
            form,
            lambda data: tenant_services.update_settings(current_actor(), tenant, data),
            new_default="default_language",
        ),
    )
    if done:
        flash(_("Settings saved."), "success")
        return redirect(url_for("owner.settings"))
    return render_template("owner/settings.html", form=form, errors=errors), form_status(form, errors)
