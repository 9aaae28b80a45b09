"""Booking pages of every dashboard: the day view, status actions, a new booking for a
client, moving a booking, and future bookings of deactivated masters."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from flask import flash, g, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.bookings import services as booking_services
from app.bookings.models import BLOCKING_STATUSES
from app.bookings.queries import future_active_bookings
from app.catalog.models import Master, Service
from app.catalog.queries import list_masters, list_services
from app.core.db import savepoint
from app.core.errors import DomainError, Forbidden, NotFound, SlotUnavailable, ValidationError
from app.core.htmx import is_htmx, render_page_or_partial
from app.core.redirects import is_safe_path, safe_next
from app.core.templating import local_date, local_time, tr
from app.core.types import utcnow
from app.tenants.models import Location
from app.web import calendar
from app.web.forms import apply_errors
from app.web.owner.area import (
    area_url,
    ask_first,
    back,
    fail,
    pick,
    scope_location,
    show_phones,
    visible_locations,
)
from app.web.owner.forms import (
    SlotForm,
    StaffBookingForm,
)
from app.web.reschedule import move_booking, slot_picker
from app.web.staff_home import (
    current_actor,
    parse_slot,
)

BOOKING_ACTIONS = {
    "confirm": booking_services.confirm_booking,
    "complete": booking_services.complete_booking,
    "no-show": booking_services.mark_no_show,
    "cancel": booking_services.cancel_booking,
    "undo": booking_services.undo_outcome,
}


def index():
    return render_page_or_partial(
        f"{request.blueprint}/index.html", "components/_bookings_day.html", **calendar.day_context()
    )


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
        asking = ask_first(_("Cancel this booking?"), back(area_url("index")))
        if asking is not None:
            return asking
    try:
        with savepoint():
            booking = fn(g.tenant, actor, booking)
    except DomainError as exc:
        if is_htmx():
            raise
        flash(" ".join(m for v in (exc.details or {}).values() for m in v) or str(exc.message), "error")
        return redirect(back(area_url("index")))
    if is_htmx():
        return render_template(
            "components/_booking_item.html",
            b=booking,
            show_phones=show_phones(),
            now=utcnow(),
            undo_ok=booking_services.can_undo_outcome(booking),
        )
    flash(ACTION_DONE[action](booking), "success")
    return redirect(back(area_url("index")))


def _staff_picker(
    service: Service | None, master: Master | None, location: Location | None, day_arg, endpoint: str, args: dict
) -> dict:
    if service is None or location is None:
        return {}
    picker = slot_picker(
        tz=location.timezone,
        day_arg=day_arg,
        service_id=service.id,
        master_id=master.id if master else None,
        location_id=location.id,
        endpoint=f"{request.blueprint}.{endpoint}",
        args=args,
        horizon_days=max(g.tenant.horizon_days, 60),
        count=21,
    )
    picker["master_names"] = {m.id: tr(m) for m in list_masters(location_id=location.id)}
    return picker


def booking_new():
    source = request.form if request.method == "POST" else request.args
    locations = visible_locations()
    location = pick(locations, source.get("location_id", type=int)) or (locations[0] if len(locations) == 1 else None)
    services = list_services(location_id=location.id) if location else []
    # From a calendar cell: the master (only the services they do) and the time to preselect.
    wanted = pick(list_masters(location_id=location.id), source.get("master_id", type=int)) if location else None
    if wanted is not None:
        services = [s for s in services if s.id in wanted.service_ids] or services
    service = pick(services, source.get("service_id", type=int))
    if service is None and len(services) == 1 and wanted is not None:
        service = services[0]
    masters = list_masters(location_id=location.id, service_id=service.id) if service else []
    master = pick(masters, source.get("master_id", type=int))
    wanted_time = _wanted_time(source)
    form = StaffBookingForm()
    taken = None
    posted = parse_slot(form.slot.data) if request.method == "POST" else None
    if form.validate_on_submit():
        slot = posted
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
    # A posted form that comes back (a wrong phone, a taken time) shows the day of the time
    # it chose, that time still chosen: nothing the owner picked is lost.
    day_arg = source.get("date")
    if posted and location is not None:
        day_arg = posted[0].astimezone(ZoneInfo(location.timezone)).date().isoformat()
    picker = _staff_picker(
        service, master, location, day_arg, "booking_new", {k: v for k, v in args.items() if v is not None}
    )
    if posted and picker:
        picker["selected_slot"] = form.slot.data
    _tick(picker, form, wanted_time, master)
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


def _wanted_time(source) -> str:
    """The ``time`` (local ``HH:MM``) a calendar cell asked for, else ""."""
    value = source.get("time", "")
    return value if re.fullmatch(r"\d{2}:\d{2}", value) else ""


def _tick(picker: dict, form, hhmm: str, master: Master | None) -> None:
    """Preselect the slot starting at local ``hhmm`` (of ``master`` when given), unless the
    form already carries a choice."""
    if not hhmm or not picker.get("slots") or form.slot.data:
        return
    zone = ZoneInfo(picker["tz"])
    for s in picker["slots"]:
        if s["start"].astimezone(zone).strftime("%H:%M") == hhmm and (master is None or master.id == s["master_id"]):
            picker["selected_slot"] = f"{s['start'].isoformat()}|{s['master_id']}"
            return


def booking_reschedule(booking_id: int):
    actor = current_actor()
    booking = booking_services.get_booking_for(g.tenant, actor, booking_id)
    masters = list_masters(location_id=booking.location_id, service_id=booking.service_id)
    if current_user.role == "master":
        masters = [m for m in masters if m.id == booking.master_id]
    master_arg = request.values.get("master_id", "")
    master = pick(masters, int(master_arg)) if master_arg.isdigit() else None
    if not master_arg and booking.master.active:
        master = booking.master
    form = SlotForm()

    def move(start, master_id):
        booking_services.update_booking(g.tenant, actor, booking, start=start, master_id=master_id)

    try:
        moved = move_booking(form, move)
    except DomainError as exc:
        return fail(exc, "booking_reschedule", booking_id=booking_id)
    if moved.done:
        flash(_("The booking is moved."), "success")
        fallback = area_url("index", date=booking.local_start.date().isoformat())
        return redirect(safe_next(request.args.get("next"), fallback))
    if moved.posted:
        booking = booking_services.get_booking_for(g.tenant, actor, booking_id)
    picker_args = {"booking_id": booking.id, "master_id": master.id if master else "any"}
    if is_safe_path(request.args.get("next")):
        picker_args["next"] = request.args["next"]
    picker = _staff_picker(
        booking.service, master, booking.location, request.args.get("date"), "booking_reschedule", picker_args
    )
    # Dropped on a calendar cell: that time is ticked, the staff member confirms with one click.
    _tick(picker, form, _wanted_time(request.args), master)
    return render_page_or_partial(
        "owner/bookings/reschedule.html",
        "components/_slot_picker.html",
        b=booking,
        form=form,
        next_url=picker_args.get("next"),
        masters=masters,
        master=master,
        taken=moved.taken,
        **picker,
    ), moved.status(form)


def reassign():
    loc = scope_location()
    inactive = [m for m in list_masters(active_only=False, location_id=loc.id if loc else None) if not m.active]
    groups = [(m, future_active_bookings(m.id, utcnow(), BLOCKING_STATUSES)) for m in inactive]
    return render_template("owner/reassign.html", groups=[(m, bs) for m, bs in groups if bs], show_phones=show_phones())
