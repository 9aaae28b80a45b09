"""A master's working hours, time off and special days (every dashboard)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import abort, flash, g, redirect, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from app.catalog.models import Master
from app.core.db import savepoint
from app.core.errors import DomainError, ValidationError
from app.core.htmx import render_page_or_partial
from app.scheduling import schedules as schedule_services
from app.web.owner.area import (
    area_url,
    confirmed_attempt,
    fail,
    load_master,
)
from app.web.owner.forms import (
    OverrideForm,
    TimeOffForm,
)
from app.web.staff_home import (
    current_actor,
    local_today,
)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


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
            return fail(exc, "master_schedule", master_id=master_id)
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
            return fail(exc, "master_schedule", master_id=master_id)
        else:
            flash(_("Time off added."), "success")
            return redirect(area_url("master_schedule", master_id=master_id))
    master = load_master(master_id)
    return render_template("owner/masters/schedule.html", **schedule_context(master, time_off_form=form)), 422


def master_time_off_delete(master_id: int, time_off_id: int):
    master = load_master(master_id)
    _result, failed = confirmed_attempt(
        _("Remove this time off?"),
        "master_schedule",
        lambda: schedule_services.delete_time_off(g.tenant, current_actor(), master, time_off_id),
        master_id=master_id,
    )
    if failed is not None:
        return failed
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
                return fail(exc, "master_schedule", master_id=master_id)
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
    _result, failed = confirmed_attempt(
        _("Remove the special hours of %(date)s?", date=format_date(the_day, "long")),
        "master_schedule",
        lambda: schedule_services.delete_override(g.tenant, current_actor(), master, the_day),
        master_id=master_id,
    )
    if failed is not None:
        return failed
    flash(_("The usual hours apply again on %(date)s.", date=format_date(the_day, "long")), "success")
    return redirect(area_url("master_schedule", master_id=master_id))
