"""Schedules: a master's weekly hours, date overrides and time off, and who may edit them.

Owners edit every master's schedule, managers those of their location, a master their own
with the ``edit_own_schedule`` permission.  Each write is audited and bumps the master's
schedule version, so cached availability (:mod:`app.scheduling.services`) is recomputed.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.services import record
from app.catalog.models import Master
from app.core.auth import Actor
from app.core.errors import Forbidden, NotFound, ValidationError
from app.core.fields import clean_or_raise
from app.core.types import utcnow
from app.core.validation import parse_instant
from app.extensions import db
from app.scheduling import queries as q
from app.scheduling import rules
from app.scheduling.models import ScheduleOverride, TimeOff, WorkingHours
from app.tenants.models import Tenant

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


# ----------------------------------------------------------------------- authorization


def authorize_schedule(tenant: Tenant, actor: Actor, master: Master) -> None:
    """Owner: any master; manager: masters of own location; master: self with
    ``edit_own_schedule``.  Another tenant's or location's master is not found."""
    if master is None or master.tenant_id != tenant.id:
        raise NotFound()
    role = actor.role
    if role in ("owner", "system"):
        return
    if role == "manager":
        if master.location_id != actor.location_id:
            raise NotFound()
        return
    if role == "master":
        if actor.master_id != master.id:
            raise NotFound()
        if not actor.has("edit_own_schedule"):
            raise Forbidden(_l("You need the permission to edit your own schedule."))
        return
    raise Forbidden()


# ----------------------------------------------------------------------- weekly hours


def _fmt(t: time) -> str:
    return t.strftime("%H:%M")


def _parse_hhmm(value: Any) -> time | None:
    m = _HHMM.match(str(value or "").strip())
    return time(int(m.group(1)), int(m.group(2))) if m else None


def _clean_intervals(raw: Any, field: str, errors: dict[str, list]) -> list[tuple[time, time]]:
    if not isinstance(raw, list):
        errors.setdefault(field, []).append(_l("Give a list of intervals."))
        return []
    out: list[tuple[time, time]] = []
    for item in raw:
        if isinstance(item, dict):
            start, end = _parse_hhmm(item.get("start")), _parse_hhmm(item.get("end"))
        elif isinstance(item, list | tuple) and len(item) == 2:
            start, end = _parse_hhmm(item[0]), _parse_hhmm(item[1])
        else:
            start = end = None
        if start is None or end is None:
            errors.setdefault(field, []).append(_l("Use the HH:MM format, for example 09:00."))
            continue
        if not start < end:
            errors.setdefault(field, []).append(_l("The end must be later than the start."))
            continue
        out.append((start, end))
    out.sort()
    for (_s1, e1), (s2, _e2) in itertools.pairwise(out):
        if s2 < e1:
            errors.setdefault(field, []).append(_l("Intervals must not overlap."))
            break
    return out


def get_weekly(master: Master) -> dict:
    rows = db.session.scalars(
        select(WorkingHours)
        .where(WorkingHours.master_id == master.id)
        .order_by(WorkingHours.weekday, WorkingHours.start_time)
    ).all()
    weekly: dict[str, list] = {d: [] for d in DAYS}
    for r in rows:
        weekly[DAYS[r.weekday]].append({"start": _fmt(r.start_time), "end": _fmt(r.end_time)})
    return weekly


def set_weekly(tenant: Tenant, actor: Actor, master: Master, weekly: dict) -> dict:
    """Replace the master's weekly hours; missing weekdays are days off."""
    authorize_schedule(tenant, actor, master)
    if not isinstance(weekly, dict):
        raise ValidationError.field("weekly", _l("Give the hours per weekday."))
    errors: dict[str, list] = {}
    unknown = [k for k in weekly if k not in DAYS]
    for k in unknown:
        errors.setdefault(str(k), []).append(_l("Unknown weekday."))
    clean = {d: _clean_intervals(weekly.get(d) or [], d, errors) for d in DAYS}
    if errors:
        raise ValidationError(errors)
    before = get_weekly(master)
    for row in db.session.scalars(select(WorkingHours).where(WorkingHours.master_id == master.id)):
        db.session.delete(row)
    db.session.flush()
    for wd, day in enumerate(DAYS):
        for start, end in clean[day]:
            db.session.add(WorkingHours(master_id=master.id, weekday=wd, start_time=start, end_time=end))
    db.session.flush()
    q.bump_master_versions(tenant.id, [master.id])
    after = get_weekly(master)
    record(actor, "schedule.set_weekly", "master", master.id, tenant_id=tenant.id, before=before, after=after)
    return after


# ----------------------------------------------------------------------- time off, overrides


_aware = parse_instant


def add_time_off(
    tenant: Tenant, actor: Actor, master: Master, start: datetime, end: datetime, reason: str = ""
) -> TimeOff:
    authorize_schedule(tenant, actor, master)
    start, end = _aware(start, "start"), _aware(end, "end")
    if not start < end:
        raise ValidationError.field("end", _l("The end must be later than the start."))
    reason = clean_or_raise("reason", rules.TIME_OFF_REASON, reason)
    item = TimeOff(master_id=master.id, start_at=start, end_at=end, reason=reason)
    db.session.add(item)
    db.session.flush()
    q.bump_master_versions(tenant.id, [master.id])
    record(
        actor,
        "schedule.add_time_off",
        "time_off",
        item.id,
        tenant_id=tenant.id,
        after={"master_id": master.id, "start": start, "end": end, "reason": item.reason},
    )
    return item


def list_time_off(master: Master, *, upcoming_only: bool = False) -> list[TimeOff]:
    stmt = select(TimeOff).where(TimeOff.master_id == master.id).order_by(TimeOff.start_at)
    if upcoming_only:
        stmt = stmt.where(TimeOff.end_at > utcnow())
    return list(db.session.scalars(stmt))


def delete_time_off(tenant: Tenant, actor: Actor, master: Master, time_off_id: int) -> None:
    authorize_schedule(tenant, actor, master)
    item = db.session.scalar(select(TimeOff).where(TimeOff.id == time_off_id, TimeOff.master_id == master.id))
    if item is None:
        raise NotFound()
    before = {"master_id": master.id, "start": item.start_at, "end": item.end_at, "reason": item.reason}
    db.session.delete(item)
    db.session.flush()
    q.bump_master_versions(tenant.id, [master.id])
    record(actor, "schedule.delete_time_off", "time_off", time_off_id, tenant_id=tenant.id, before=before)


def _override_dict(ov: ScheduleOverride | None) -> dict | None:
    if ov is None:
        return None
    return {"date": ov.date, "intervals": [{"start": s, "end": e} for s, e in ov.intervals or []]}


def set_override(tenant: Tenant, actor: Actor, master: Master, day: date, intervals: list[dict]) -> ScheduleOverride:
    """Hours for one date instead of the weekly ones; ``[]`` makes it a day off."""
    authorize_schedule(tenant, actor, master)
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ValidationError.field("date", _l("Give a date."))
    errors: dict[str, list] = {}
    clean = _clean_intervals(intervals, "intervals", errors)
    if errors:
        raise ValidationError(errors)
    ov = db.session.scalar(
        select(ScheduleOverride).where(ScheduleOverride.master_id == master.id, ScheduleOverride.date == day)
    )
    before = _override_dict(ov)
    if ov is None:
        ov = ScheduleOverride(master_id=master.id, date=day)
        db.session.add(ov)
    ov.intervals = [[_fmt(s), _fmt(e)] for s, e in clean]
    db.session.flush()
    q.bump_master_versions(tenant.id, [master.id])
    record(
        actor,
        "schedule.set_override",
        "master",
        master.id,
        tenant_id=tenant.id,
        before=before,
        after=_override_dict(ov),
    )
    return ov


def delete_override(tenant: Tenant, actor: Actor, master: Master, day: date) -> None:
    authorize_schedule(tenant, actor, master)
    ov = db.session.scalar(
        select(ScheduleOverride).where(ScheduleOverride.master_id == master.id, ScheduleOverride.date == day)
    )
    if ov is None:
        raise NotFound()
    before = _override_dict(ov)
    db.session.delete(ov)
    db.session.flush()
    q.bump_master_versions(tenant.id, [master.id])
    record(actor, "schedule.delete_override", "master", master.id, tenant_id=tenant.id, before=before)


def list_overrides(master: Master, *, date_from: date | None = None) -> list[ScheduleOverride]:
    stmt = select(ScheduleOverride).where(ScheduleOverride.master_id == master.id).order_by(ScheduleOverride.date)
    if date_from is not None:
        stmt = stmt.where(ScheduleOverride.date >= date_from)
    return list(db.session.scalars(stmt))
