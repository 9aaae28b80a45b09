"""Services, masters and permission requests pages (owner and manager)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from app.catalog import masters as catalog_masters
from app.catalog import permissions as catalog_permissions
from app.catalog import services as catalog_services
from app.catalog.models import PermissionRequest
from app.catalog.queries import list_masters, list_services
from app.core.errors import NotFound
from app.core.templating import tr
from app.extensions import db
from app.web.forms import form_status, submit
from app.web.owner.area import (
    area_url,
    attempt,
    confirmed_attempt,
    load_master,
    load_service,
    named_choices,
    scope_location,
    show_phones,
    visible_locations,
)
from app.web.owner.forms import (
    PERMISSION_LABELS,
    MasterForm,
    ServiceForm,
    fill_versions,
    translated_form,
    with_versions,
)
from app.web.staff_home import (
    current_actor,
)


def _service_form(form: ServiceForm) -> None:
    form.location_ids.choices = named_choices(visible_locations())


def services_list():
    loc = scope_location()
    return render_template(
        "owner/services/index.html", services=list_services(active_only=False, location_id=loc.id if loc else None)
    )


def service_edit(service_id: int | None = None):
    service = load_service(service_id) if service_id else None
    form_cls = translated_form(ServiceForm, g.tenant)
    if service is not None:
        form = form_cls(obj=service, data={"location_ids": service.location_ids} if request.method == "GET" else None)
        if request.method == "GET":
            fill_versions(form, service)
    else:
        form = form_cls(data={"location_ids": [x.id for x in visible_locations()]} if request.method == "GET" else None)
    _service_form(form)
    done, _result, errors = submit(
        form,
        with_versions(
            form,
            lambda data: (
                catalog_services.create_service(g.tenant, current_actor(), data)
                if service is None
                else catalog_services.update_service(g.tenant, current_actor(), service, data)
            ),
        ),
    )
    if done:
        flash(_("The service is saved."), "success")
        return redirect(area_url("services_list"))
    return (
        render_template("owner/services/form.html", form=form, service=service, errors=errors),
        form_status(form, errors),
    )


def service_deactivate(service_id: int):
    service = load_service(service_id)
    _result, failed = confirmed_attempt(
        _("Stop offering %(name)s? Clients will no longer be able to book it.", name=tr(service)),
        "services_list",
        lambda: catalog_services.deactivate_service(g.tenant, current_actor(), service),
    )
    if failed is not None:
        return failed
    flash(_("%(name)s is no longer offered.", name=tr(service)), "success")
    return redirect(area_url("services_list"))


# ---------------------------------------------------------------- masters


def _master_form(form: MasterForm) -> None:
    form.location_id.choices = named_choices(visible_locations())
    loc = scope_location()
    form.service_ids.choices = named_choices(list_services(location_id=loc.id if loc else None))


def masters_list():
    loc = scope_location()
    return render_template(
        "owner/masters/index.html", masters=list_masters(active_only=False, location_id=loc.id if loc else None)
    )


def master_edit(master_id: int | None = None):
    master = load_master(master_id) if master_id else None
    form_cls = translated_form(MasterForm, g.tenant)
    if master is not None:
        form = form_cls(
            obj=master,
            data={"service_ids": master.service_ids, "email": master.user.email if master.user else master.email}
            if request.method == "GET"
            else None,
        )
        if request.method == "GET":
            fill_versions(form, master)
    else:
        form = form_cls()
    _master_form(form)

    def save(data: dict):
        if not data.get("password"):
            data.pop("password", None)
        if master is None:
            return catalog_masters.create_master(g.tenant, current_actor(), data)
        return catalog_masters.update_master(g.tenant, current_actor(), master, data)

    done, saved, errors = submit(form, with_versions(form, save))
    if done:
        if master_id is None:
            flash(_("%(name)s is added. Now set their working hours.", name=tr(saved)), "success")
        else:
            flash(_("%(name)s is saved.", name=tr(saved)), "success")
        return redirect(
            area_url("master_schedule", master_id=saved.id) if master_id is None else area_url("masters_list")
        )
    if form.is_submitted() and master_id:
        master = load_master(master_id)  # the rolled-back savepoint expired the edited object
    return (
        render_template("owner/masters/form.html", form=form, master=master, errors=errors),
        form_status(form, errors),
    )


def master_deactivate(master_id: int):
    master = load_master(master_id)
    bookings, failed = confirmed_attempt(
        _("Deactivate %(name)s? Clients will no longer be able to book them.", name=tr(master)),
        "masters_list",
        lambda: catalog_masters.deactivate_master(g.tenant, current_actor(), master),
    )
    if failed is not None:
        return failed
    return render_template(
        "owner/masters/deactivated.html", master=master, bookings=bookings, show_phones=show_phones()
    )


# ---------------------------------------------------------------- permission requests


def requests_list():
    status = request.args.get("status", "pending")
    if status not in ("pending", "approved", "denied"):
        status = "pending"
    items = catalog_permissions.list_permission_requests(g.tenant, current_actor(), status=status)
    return render_template("owner/requests.html", items=items, status=status, labels=PERMISSION_LABELS)


def request_decide(request_id: int, decision: str):
    if decision not in ("approve", "deny"):
        raise NotFound()
    req = db.session.scalar(select(PermissionRequest).where(PermissionRequest.id == request_id))
    _result, failed = attempt(
        lambda: catalog_permissions.decide_permission_request(g.tenant, current_actor(), req, decision == "approve"),
        "requests_list",
    )
    if failed is not None:
        return failed
    flash(
        _("The request is approved: the master has this permission now.")
        if decision == "approve"
        else _("The request is denied."),
        "success",
    )
    return redirect(area_url("requests_list"))
