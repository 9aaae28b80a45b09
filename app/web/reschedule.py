"""Moving a booking to another time, as the staff dashboards and the client's "my bookings"
pages both do it: the slot picker's context, the posted slot checked and the move made in a
savepoint, and the page's status (409 when the time was just taken, 422 on a form error).

The rules (who may move what, to which master, inside which window) are the booking
service's; the callers differ only in who the actor is and where they go afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from flask import g
from flask_babel import gettext as _

from app.core.db import savepoint
from app.core.errors import SlotUnavailable
from app.web.staff_home import free_slots, local_today, parse_slot, picker_days


def slot_picker(
    *,
    tz: str,
    day_arg: str | None,
    service_id: int,
    master_id: int | None,
    location_id: int,
    endpoint: str,
    args: dict,
    horizon_days: int | None = None,
    **count,
) -> dict:
    """The context of ``components/_slot_picker.html`` (radio slots) for one day of the
    business's horizon (``horizon_days`` to widen it; ``count=`` days shown)."""
    try:
        asked = date.fromisoformat(day_arg) if day_arg else None
    except ValueError:
        asked = None  # not a date: the strip's first day, as for a day outside the horizon
    days = picker_days(tz, horizon_days if horizon_days is not None else g.tenant.horizon_days, around=asked, **count)
    day: date = next((d for d in days if d == asked), days[0])
    zone, slots = free_slots(g.tenant, service_id=service_id, day=day, master_id=master_id, location_id=location_id)
    return {
        "days": days,
        "day": day,
        "slots": slots,
        "tz": zone,
        "today": local_today(tz),
        "picker_endpoint": endpoint,
        "picker_args": args,
        "slot_mode": "radio",
    }


@dataclass
class Move:
    """What a post of the reschedule form did."""

    posted: bool = False  # a valid form was posted (the booking may need reloading)
    done: bool = False
    taken: str | None = None  # the time was taken meanwhile: the message

    def status(self, form) -> int:
        return 409 if self.taken else 422 if form.errors else 200


def move_booking(form, move: Callable[[datetime, int], object]) -> Move:
    """Validate the posted slot (``<ISO start>|<master id>``) and call ``move(start, master_id)``
    in a savepoint.  A domain error other than a taken slot propagates to the caller."""
    if not form.validate_on_submit():
        return Move()
    slot = parse_slot(form.slot.data)
    if slot is None:
        form.slot.errors = [_("Choose a time from the list.")]
        return Move(posted=True)
    try:
        with savepoint():
            move(*slot)
    except SlotUnavailable as exc:
        return Move(posted=True, taken=str(exc.message))
    return Move(posted=True, done=True)
