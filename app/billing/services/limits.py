"""The limits a plan sets: active locations, active masters, bookings a calendar month."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

# Lazy (translated when rendered, in the reader's language) under the name the message
# extractor knows (Makefile: -k ngettext:1,2).
from flask_babel import lazy_ngettext as ngettext

from app.billing import queries
from app.billing.models import LIMITS
from app.catalog.models import Master
from app.core.auth import Actor
from app.core.errors import Forbidden
from app.core.types import utcnow
from app.tenants.models import Location, Tenant


def _month_start(tenant: Tenant) -> datetime:
    local = utcnow().astimezone(ZoneInfo(tenant.timezone or "UTC"))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _limit_message(kind: str, plan_name: str, limit: int, actor: Actor | None):
    if kind == "masters":
        return ngettext(
            "Your plan (%(plan)s) allows %(num)d active master. Upgrade the plan to add more.",
            "Your plan (%(plan)s) allows %(num)d active masters. Upgrade the plan to add more.",
            limit,
            plan=plan_name,
        )
    if kind == "locations":
        return ngettext(
            "Your plan (%(plan)s) allows %(num)d active location. Upgrade the plan to add more.",
            "Your plan (%(plan)s) allows %(num)d active locations. Upgrade the plan to add more.",
            limit,
            plan=plan_name,
        )
    if actor is not None and actor.role == "client":
        return _l("This business cannot take more online bookings this month. Please contact it directly.")
    return ngettext(
        "Your plan (%(plan)s) allows %(num)d booking a month. Upgrade the plan to take more.",
        "Your plan (%(plan)s) allows %(num)d bookings a month. Upgrade the plan to take more.",
        limit,
        plan=plan_name,
    )


def monthly_headroom(tenant: Tenant) -> tuple:
    """What :func:`ensure_within_limit` needs for ``monthly_bookings``: a derived table
    (``name``, ``limit``, ``used``) another statement can join (``LEFT JOIN ... ON true``) and
    the bound parameters it takes; that statement's three columns come back as ``headroom``,
    and the booking check costs no statement of its own."""
    return queries.monthly_booking_headroom_subquery(), queries.headroom_params(tenant.id, _month_start(tenant))


def ensure_within_limit(
    tenant: Tenant,
    kind: str,
    *,
    actor: Actor | None = None,
    exclude_id: int | None = None,
    headroom: tuple | None = None,
) -> None:
    """Refuse (403 ``forbidden``) one more active location or master, or one more booking this
    calendar month (in the business's time zone), than the business's plan allows.

    ``exclude_id`` is the row being re-activated (it is not counted twice).  Masters and
    locations are counted under a lock on the subscription row, so concurrent additions
    cannot pass the limit together.  The booking check is one statement, counting only when
    the plan has a monthly limit, and takes no lock (bookings of different masters run in
    parallel), so bookings racing for the month's last place may pass it by a few.
    ``headroom``: the ``(name, limit, used)`` of :func:`monthly_headroom`, already read by the
    caller's statement (``name`` is None without a subscription); else it is read here."""
    if kind == "monthly_bookings":
        row = headroom if headroom is not None else queries.monthly_booking_headroom(tenant.id, _month_start(tenant))
        if row is None or row[0] is None:
            return
        name, limit, used = row
    else:
        # Two owners adding the last allowed master at once: the lock on the subscription
        # row makes the second count see the first one's row.
        sub = queries.get_subscription(tenant.id, for_update=True)
        plan = queries.get_plan(sub.plan_code) if sub is not None else None
        if plan is None:
            return
        name, limit = plan.name, plan.limit(kind)
        if limit is None:
            return
        model = {"masters": Master, "locations": Location}[kind]
        used = queries.count_active(model, tenant.id, exclude_id)
    if limit is not None and used >= limit:
        raise Forbidden(_limit_message(kind, name, limit, actor))


def usage(tenant: Tenant) -> list[dict]:
    """What the business uses of each limit of its plan (the billing page)."""
    sub = queries.get_subscription(tenant.id)
    plan = queries.get_plan(sub.plan_code) if sub is not None else None
    used = {
        "locations": queries.count_active(Location, tenant.id),
        "masters": queries.count_active(Master, tenant.id),
        "monthly_bookings": queries.count_bookings_since(tenant.id, _month_start(tenant)),
    }
    return [{"kind": kind, "used": used[kind], "limit": plan.limit(kind) if plan else None} for kind in LIMITS]
