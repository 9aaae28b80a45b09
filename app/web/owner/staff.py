"""Dashboard pages shared by the owner and the manager (and, for bookings and schedules, the master).

The same views are registered on each dashboard blueprint; the services decide what each
role may see and change (a manager only reaches their own location, anything else is not
found), so the views only load, validate, call one service and render.
"""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.bookings import services as booking_services
from app.bookings.models import BLOCKING_STATUSES
from app.bookings.queries import future_active_bookings
from app.catalog import services as catalog_services
from app.catalog.models import Master, PermissionRequest, Service
from app.catalog.queries import list_masters, list_services
from app.core.db import savepoint
from app.core.errors import DomainError, Forbidden, NotFound, SlotUnavailable, ValidationError
from app.core.htmx import is_htmx, render_page_or_partial
from app.core.redirects import is_safe_path, safe_next
from app.core.templating import local_date, local_time, reader_language
from app.core.translations import sort_key, text_in
from app.core.types import utcnow
from app.extensions import db
from app.scheduling import services as schedule_services
from app.tenants.models import Location
from app.tenants.queries import list_locations
from app.web.forms import apply_errors, form_status, submit
from app.web.owner.forms import (
    PERMISSION_LABELS,
    MasterForm,
    OverrideForm,
    ServiceForm,
    SlotForm,
    StaffBookingForm,
    TimeOffForm,
    choices,
    fill_versions,
    translated_form,
    with_versions,
)
from app.web.staff_home import (
    current_actor,
    current_master,
    free_slots,
    local_today,
    parse_slot,
    picker_days,
)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BOOKING_ACTIONS = {
    "confirm": booking_services.confirm_booking,
    "complete": booking_services.complete_booking,
    "no-show": booking_services.mark_no_show,
    "cancel": booking_services.cancel_booking,
    "undo": booking_services.undo_outcome,
}


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


def _fail(exc: DomainError, endpoint: str, **values):
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


# ---------------------------------------------------------------- day view and bookings


def day_context() -> dict:
    """The day grid's context (see :mod:`app.web.calendar`)."""
    from app.web import calendar

    return calendar.day_context()


def show_phones() -> bool:
    if current_user.role in ("owner", "manager"):
        return True
    master = current_master()
    return bool(master and master.has_permission("see_client_phones"))


def index():
    return render_page_or_partial(f"{request.blueprint}/index.html", "components/_bookings_day.html", **day_context())


def ask_first(message: str, back: str):
    """A plain (no-JS) post of a destructive action answers with a page that asks first.

    Scripted pages ask in the browser (``data-confirm`` on the button, ``hx-confirm``) and
    send ``confirmed=1`` (htmx requests count as confirmed); this page re-posts the same
    fields with ``confirmed=1``.  None when the action may go ahead."""
    if is_htmx() or request.form.get("confirmed") == "1":
        return None
    fields = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "confirmed")]
    return render_template("calendar/confirm.html", message=message, action=request.path, fields=fields, back=back)


def _back(fallback: str) -> str:
    return safe_next(request.form.get("next"), request.referrer or fallback)


ACTION_DONE = {
    "confirm": lambda b: _("Confirmed: %(client)s.", client=b.client.name or b.client.phone),
    "complete": lambda b: _("Marked as done: %(client)s.", client=b.client.name or b.client.phone),
    "no-show": lambda b: _("Marked as no-show: %(client)s.", client=b.client.name or b.client.phone),
    "cancel": lambda b: _("Cancelled: %(client)s.", client=b.client.name or b.client.phone),
    "undo": lambda b: _("Undone: %(client)s is booked again.", client=b.client.name or b.client.phone),
}


def booking_action(booking_id: int, action: str):
    fn = BOOKING_ACTIONS.get(action)
    if fn is None:
        raise NotFound()
    actor = current_actor()
    booking = booking_services.get_booking_for(g.tenant, actor, booking_id)
    if action == "cancel":
        asking = ask_first(_("Cancel this booking?"), _back(area_url("index")))
        if asking is not None:
            return asking
    try:
        with savepoint():
            booking = fn(g.tenant, actor, booking)
    except DomainError as exc:
        if is_htmx():
            raise
        flash(" ".join(m for v in (exc.details or {}).values() for m in v) or str(exc.message), "error")
        return redirect(_back(area_url("index")))
    if is_htmx():
        return render_template(
            "components/_booking_item.html",
            b=booking,
            show_phones=show_phones(),
            now=utcnow(),
            undo_ok=booking_services.can_undo_outcome(booking),
        )
    flash(ACTION_DONE[action](booking), "success")
    return redirect(_back(area_url("index")))


def _staff_picker(
    service: Service | None, master: Master | None, location: Location | None, day_arg, endpoint: str, args: dict
) -> dict:
    if service is None or location is None:
        return {}
    days = picker_days(location.timezone, max(g.tenant.horizon_days, 60), count=21)
    day = next((d for d in days if d.isoformat() == day_arg), days[0])
    tz, slots = free_slots(
        g.tenant, service_id=service.id, day=day, master_id=master.id if master else None, location_id=location.id
    )
    names = {m.id: tr_name(m) for m in list_masters(location_id=location.id)}
    return {
        "days": days,
        "day": day,
        "slots": slots,
        "tz": tz,
        "today": local_today(location.timezone),
        "picker_endpoint": f"{request.blueprint}.{endpoint}",
        "picker_args": args,
        "slot_mode": "radio",
        "master_names": names,
    }


def tr_name(obj) -> str:
    """A service's, master's or location's name in the reader's language."""
    return text_in(obj, "name", reader_language())


def _pick(items: list, item_id):
    return next((i for i in items if i.id == item_id), None) if item_id is not None else None


def booking_new():
    source = request.form if request.method == "POST" else request.args
    locations = visible_locations()
    location = _pick(locations, source.get("location_id", type=int)) or (locations[0] if len(locations) == 1 else None)
    services = list_services(location_id=location.id) if location else []
    # From a calendar cell: the master (only the services they do) and the time to preselect.
    wanted = _pick(list_masters(location_id=location.id), source.get("master_id", type=int)) if location else None
    if wanted is not None:
        services = [s for s in services if s.id in wanted.service_ids] or services
    service = _pick(services, source.get("service_id", type=int))
    if service is None and len(services) == 1 and wanted is not None:
        service = services[0]
    masters = list_masters(location_id=location.id, service_id=service.id) if service else []
    master = _pick(masters, source.get("master_id", type=int))
    wanted_time = source.get("time", "") if re.fullmatch(r"\d{2}:\d{2}", source.get("time", "")) else ""
    form = StaffBookingForm()
    taken = None
    if form.validate_on_submit():
        slot = parse_slot(form.slot.data)
        if slot is None or service is None:
            form.slot.errors = [_("Choose a time from the list.")]
        else:
            try:
                with savepoint():
                    booking = booking_services.create_booking(
                        g.tenant,
                        current_actor(),
                        service_id=service.id,
                        master_id=slot[1],
                        start=slot[0],
                        client_data={"name": form.name.data or "", "phone": form.phone.data},
                        notes=form.notes.data or "",
                        source="staff",
                    )
            except SlotUnavailable as exc:
                taken = str(exc.message)
            except Forbidden as exc:  # e.g. the plan's monthly bookings are used up (app.billing)
                form.slot.errors = [str(exc.message)]
            except ValidationError as exc:
                details = dict(exc.details or {})
                if "client" in details:
                    details["phone"] = details.pop("client")
                apply_errors(form, ValidationError(details))
                form.slot.errors = list(form.slot.errors or []) + [
                    m for k, v in details.items() if not hasattr(form, k) for m in v
                ]
            else:
                flash(
                    _(
                        "Booked: %(client)s, %(time)s.",
                        client=booking.client.name or booking.client.phone,
                        time=local_date(booking.start_at, booking.timezone, "long")
                        + ", "
                        + local_time(booking.start_at, booking.timezone),
                    ),
                    "success",
                )
                return redirect(area_url("index", date=booking.local_start.date().isoformat()))
    args = {
        "location_id": location.id if location else None,
        "service_id": service.id if service else None,
        "master_id": master.id if master else None,
    }
    if wanted_time:
        args["time"] = wanted_time
    picker = _staff_picker(
        service, master, location, source.get("date"), "booking_new", {k: v for k, v in args.items() if v is not None}
    )
    if wanted_time and picker.get("slots"):
        value = _slot_at(picker["slots"], picker["tz"], wanted_time, master.id if master else None)
        if value and not form.slot.data:
            picker["selected_slot"] = value
    status = 409 if taken else 422 if form.errors else 200
    return render_page_or_partial(
        "owner/bookings/new.html",
        "components/_slot_picker.html",
        form=form,
        locations=locations,
        location=location,
        services=services,
        service=service,
        masters=masters,
        master=master,
        wanted=wanted,
        wanted_time=wanted_time,
        taken=taken,
        **picker,
    ), status


def _slot_at(slots: list, tz: str, hhmm: str, master_id: int | None) -> str | None:
    """The slot radio value starting at local ``hhmm`` (of ``master_id`` when given)."""
    zone = ZoneInfo(tz)
    for s in slots:
        if s["start"].astimezone(zone).strftime("%H:%M") == hhmm and master_id in (None, s["master_id"]):
            return f"{s['start'].isoformat()}|{s['master_id']}"
    return None


def booking_reschedule(booking_id: int):
    actor = current_actor()
    booking = booking_services.get_booking_for(g.tenant, actor, booking_id)
    masters = list_masters(location_id=booking.location_id, service_id=booking.service_id)
    if current_user.role == "master":
        masters = [m for m in masters if m.id == booking.master_id]
    master_arg = request.values.get("master_id", "")
    master = _pick(masters, int(master_arg)) if master_arg.isdigit() else None
    if not master_arg and booking.master.active:
        master = booking.master
    form = SlotForm()
    taken = None
    if form.validate_on_submit():
        slot = parse_slot(form.slot.data)
        if slot is None:
            form.slot.errors = [_("Choose a time from the list.")]
        else:
            try:
                with savepoint():
                    booking_services.update_booking(g.tenant, actor, booking, start=slot[0], master_id=slot[1])
            except SlotUnavailable as exc:
                taken = str(exc.message)
            except DomainError as exc:
                return _fail(exc, "booking_reschedule", booking_id=booking_id)
            else:
                flash(_("The booking is moved."), "success")
                fallback = area_url("index", date=booking.local_start.date().isoformat())
                return redirect(safe_next(request.args.get("next"), fallback))
        booking = booking_services.get_booking_for(g.tenant, actor, booking_id)
    picker_args = {"booking_id": booking.id, "master_id": master.id if master else "any"}
    if is_safe_path(request.args.get("next")):
        picker_args["next"] = request.args["next"]
    picker = _staff_picker(
        booking.service, master, booking.location, request.args.get("date"), "booking_reschedule", picker_args
    )
    # Dropped on a calendar cell: that time is ticked, the staff member confirms with one click.
    wanted_time = request.args.get("time", "")
    if re.fullmatch(r"\d{2}:\d{2}", wanted_time) and picker.get("slots") and not form.slot.data:
        value = _slot_at(picker["slots"], picker["tz"], wanted_time, master.id if master else None)
        if value:
            picker["selected_slot"] = value
    status = 409 if taken else 422 if form.errors else 200
    return render_page_or_partial(
        "owner/bookings/reschedule.html",
        "components/_slot_picker.html",
        b=booking,
        form=form,
        next_url=picker_args.get("next"),
        masters=masters,
        master=master,
        taken=taken,
        **picker,
    ), status


def reassign():
    loc = scope_location()
    inactive = [m for m in list_masters(active_only=False, location_id=loc.id if loc else None) if not m.active]
    groups = [(m, future_active_bookings(m.id, utcnow(), BLOCKING_STATUSES)) for m in inactive]
    return render_template("owner/reassign.html", groups=[(m, bs) for m, bs in groups if bs], show_phones=show_phones())


# ---------------------------------------------------------------- services


def named_choices(rows) -> list:
    """Select choices of services, masters or locations: their names in the reader's language, in order."""
    lang = reader_language()
    return choices((x.id, text_in(x, "name", lang)) for x in sorted(rows, key=sort_key(lang)))


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
    asking = ask_first(
        _("Stop offering %(name)s? Clients will no longer be able to book it.", name=tr_name(service)),
        area_url("services_list"),
    )
    if asking is not None:
        return asking
    try:
        with savepoint():
            catalog_services.deactivate_service(g.tenant, current_actor(), service)
    except DomainError as exc:
        return _fail(exc, "services_list")
    flash(_("%(name)s is no longer offered.", name=tr_name(service)), "success")
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
            return catalog_services.create_master(g.tenant, current_actor(), data)
        return catalog_services.update_master(g.tenant, current_actor(), master, data)

    done, saved, errors = submit(form, with_versions(form, save))
    if done:
        if master_id is None:
            flash(_("%(name)s is added. Now set their working hours.", name=tr_name(saved)), "success")
        else:
            flash(_("%(name)s is saved.", name=tr_name(saved)), "success")
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
    asking = ask_first(
        _("Deactivate %(name)s? Clients will no longer be able to book them.", name=tr_name(master)),
        area_url("masters_list"),
    )
    if asking is not None:
        return asking
    try:
        with savepoint():
            bookings = catalog_services.deactivate_master(g.tenant, current_actor(), master)
    except DomainError as exc:
        return _fail(exc, "masters_list")
    return render_template(
        "owner/masters/deactivated.html", master=master, bookings=bookings, show_phones=show_phones()
    )


# ---------------------------------------------------------------- schedules


def _weekly_from_form() -> dict:
    weekly: dict[str, list] = {}
    for day in DAYS:
        starts, ends = request.form.getlist(f"{day}_start"), request.form.getlist(f"{day}_end")
        weekly[day] = [{"start": s, "end": e} for s, e in zip(starts, ends, strict=False) if s or e]
    return weekly


def _parse_intervals(text: str) -> list[dict] | None:
    out = []
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        bits = [b.strip() for b in part.replace("–", "-").split("-")]
        if len(bits) != 2:
            return None
        out.append({"start": bits[0], "end": bits[1]})
    return out


def can_edit_schedule(master: Master) -> bool:
    if current_user.role in ("owner", "manager"):
        return True
    return master.has_permission("edit_own_schedule")


def schedule_context(master: Master, **extra) -> dict:
    tz = master.location.timezone
    return {
        "master": master,
        "weekly": extra.pop("weekly", None) or schedule_services.get_weekly(master),
        "time_off": schedule_services.list_time_off(master, upcoming_only=True),
        "overrides": schedule_services.list_overrides(master, date_from=local_today(tz)),
        "time_off_form": extra.pop("time_off_form", None) or TimeOffForm(),
        "override_form": extra.pop("override_form", None) or OverrideForm(),
        "can_edit": can_edit_schedule(master),
        "tz": tz,
        "days": DAYS,
        **extra,
    }


def master_schedule(master_id: int):
    master = load_master(master_id)
    weekly_errors: dict = {}
    weekly = None
    if request.method == "POST":
        weekly = _weekly_from_form()
        try:
            with savepoint():
                schedule_services.set_weekly(g.tenant, current_actor(), master, weekly)
        except ValidationError as exc:
            weekly_errors = exc.details or {}
        except DomainError as exc:
            return _fail(exc, "master_schedule", master_id=master_id)
        else:
            flash(_("Working hours saved."), "success")
            return redirect(area_url("master_schedule", master_id=master_id))
        master = load_master(master_id)
    return render_page_or_partial(
        "owner/masters/schedule.html",
        "owner/masters/_weekly.html",
        **schedule_context(master, weekly=weekly, weekly_errors=weekly_errors),
    ), (422 if weekly_errors else 200)


def master_time_off_add(master_id: int):
    master = load_master(master_id)
    form = TimeOffForm()
    if form.validate_on_submit():
        zone = ZoneInfo(master.location.timezone)
        try:
            with savepoint():
                schedule_services.add_time_off(
                    g.tenant,
                    current_actor(),
                    master,
                    form.start.data.replace(tzinfo=zone),
                    form.end.data.replace(tzinfo=zone),
                    form.reason.data or "",
                )
        except ValidationError as exc:
            for k, v in (exc.details or {}).items():
                getattr(form, k if hasattr(form, k) else "start").errors = list(v)
        except DomainError as exc:
            return _fail(exc, "master_schedule", master_id=master_id)
        else:
            flash(_("Time off added."), "success")
            return redirect(area_url("master_schedule", master_id=master_id))
    master = load_master(master_id)
    return render_template("owner/masters/schedule.html", **schedule_context(master, time_off_form=form)), 422


def master_time_off_delete(master_id: int, time_off_id: int):
    master = load_master(master_id)
    asking = ask_first(_("Remove this time off?"), area_url("master_schedule", master_id=master_id))
    if asking is not None:
        return asking
    try:
        with savepoint():
            schedule_services.delete_time_off(g.tenant, current_actor(), master, time_off_id)
    except DomainError as exc:
        return _fail(exc, "master_schedule", master_id=master_id)
    flash(_("Time off removed."), "success")
    return redirect(area_url("master_schedule", master_id=master_id))


def master_override_set(master_id: int):
    master = load_master(master_id)
    form = OverrideForm()
    if form.validate_on_submit():
        intervals = _parse_intervals(form.intervals.data)
        if intervals is None:
            form.intervals.errors = [_("Write the hours like 10:00-14:00, 15:00-18:00.")]
        else:
            try:
                with savepoint():
                    schedule_services.set_override(g.tenant, current_actor(), master, form.date.data, intervals)
            except ValidationError as exc:
                form.intervals.errors = [m for v in (exc.details or {}).values() for m in v]
            except DomainError as exc:
                return _fail(exc, "master_schedule", master_id=master_id)
            else:
                flash(_("Hours for %(date)s saved.", date=format_date(form.date.data, "long")), "success")
                return redirect(area_url("master_schedule", master_id=master_id))
    master = load_master(master_id)
    return render_template("owner/masters/schedule.html", **schedule_context(master, override_form=form)), 422


def master_override_delete(master_id: int, day: str):
    master = load_master(master_id)
    try:
        the_day = date.fromisoformat(day)
    except ValueError:
        abort(404)
    asking = ask_first(
        _("Remove the special hours of %(date)s?", date=format_date(the_day, "long")),
        area_url("master_schedule", master_id=master_id),
    )
    if asking is not None:
        return asking
    try:
        with savepoint():
            schedule_services.delete_override(g.tenant, current_actor(), master, the_day)
    except DomainError as exc:
        return _fail(exc, "master_schedule", master_id=master_id)
    flash(_("The usual hours apply again on %(date)s.", date=format_date(the_day, "long")), "success")
    return redirect(area_url("master_schedule", master_id=master_id))


# ---------------------------------------------------------------- permission requests


def requests_list():
    status = request.args.get("status", "pending")
    if status not in ("pending", "approved", "denied"):
        status = "pending"
    items = catalog_services.list_permission_requests(g.tenant, current_actor(), status=status)
    return render_template("owner/requests.html", items=items, status=status, labels=PERMISSION_LABELS)


def request_decide(request_id: int, decision: str):
    if decision not in ("approve", "deny"):
        raise NotFound()
    req = db.session.scalar(select(PermissionRequest).where(PermissionRequest.id == request_id))
    try:
        with savepoint():
            catalog_services.decide_permission_request(g.tenant, current_actor(), req, decision == "approve")
    except DomainError as exc:
        return _fail(exc, "requests_list")
    flash(
        _("The request is approved: the master has this permission now.")
        if decision == "approve"
        else _("The request is denied."),
        "success",
    )
    return redirect(area_url("requests_list"))


# ---------------------------------------------------------------- registration


def register_booking_routes(bp: Blueprint) -> None:
    """Day and week calendar, booking panel, status actions and schedules: every dashboard."""
    from app.web import calendar

    bp.add_url_rule("/", "index", index)
    calendar.register(bp)
    bp.add_url_rule("/bookings/<int:booking_id>/<action>", "booking_action", booking_action, methods=["POST"])
    bp.add_url_rule(
        "/bookings/<int:booking_id>/reschedule", "booking_reschedule", booking_reschedule, methods=["GET", "POST"]
    )
    bp.add_url_rule("/masters/<int:master_id>/schedule", "master_schedule", master_schedule, methods=["GET", "POST"])
    bp.add_url_rule("/masters/<int:master_id>/time-off", "master_time_off_add", master_time_off_add, methods=["POST"])
    bp.add_url_rule(
        "/masters/<int:master_id>/time-off/<int:time_off_id>/delete",
        "master_time_off_delete",
        master_time_off_delete,
        methods=["POST"],
    )
    bp.add_url_rule("/masters/<int:master_id>/overrides", "master_override_set", master_override_set, methods=["POST"])
    bp.add_url_rule(
        "/masters/<int:master_id>/overrides/<day>/delete",
        "master_override_delete",
        master_override_delete,
        methods=["POST"],
    )

    @bp.context_processor
    def _area():
        return {
            "area": bp.name,
            "area_url": area_url,
            "can_manage": getattr(current_user, "role", None) in ("owner", "manager"),
        }


def register_management_routes(bp: Blueprint) -> None:
    """Bookings for clients, services, masters and permission requests: owner and manager."""
    register_booking_routes(bp)
    bp.add_url_rule("/bookings/new", "booking_new", booking_new, methods=["GET", "POST"])
    bp.add_url_rule("/reassign", "reassign", reassign)
    bp.add_url_rule("/services", "services_list", services_list)
    bp.add_url_rule("/services/new", "service_new", service_edit, methods=["GET", "POST"])
    bp.add_url_rule("/services/<int:service_id>", "service_edit", service_edit, methods=["GET", "POST"])
    bp.add_url_rule("/services/<int:service_id>/deactivate", "service_deactivate", service_deactivate, methods=["POST"])
    bp.add_url_rule("/masters", "masters_list", masters_list)
    bp.add_url_rule("/masters/new", "master_new", master_edit, methods=["GET", "POST"])
    bp.add_url_rule("/masters/<int:master_id>", "master_edit", master_edit, methods=["GET", "POST"])
    bp.add_url_rule("/masters/<int:master_id>/deactivate", "master_deactivate", master_deactivate, methods=["POST"])
    bp.add_url_rule("/requests", "requests_list", requests_list)
    bp.add_url_rule("/requests/<int:request_id>/<decision>", "request_decide", request_decide, methods=["POST"])
