"""Reading plans, subscriptions, invoices and what a business uses of its plan."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import and_, bindparam, case, func, select

from app.billing.models import Invoice, Plan, Subscription
from app.bookings.models import Booking
from app.core.tenancy import unscoped
from app.extensions import db
from app.tenants.models import Tenant


def list_plans(active_only: bool = True) -> list[Plan]:
    stmt = select(Plan).order_by(Plan.position, Plan.id)
    if active_only:
        stmt = stmt.where(Plan.active.is_(True))
    return list(db.session.scalars(stmt))


def get_plan(code: str | None) -> Plan | None:
    if not code:
        return None
    return db.session.scalar(select(Plan).where(Plan.code == code))


def get_subscription(tenant_id: int, *, for_update: bool = False) -> Subscription | None:
    """The business's subscription; ``for_update`` locks its row until the transaction ends
    (PostgreSQL; SQLite writers are serialized already)."""
    stmt = select(Subscription).where(Subscription.tenant_id == tenant_id)
    return db.session.scalar(stmt.with_for_update() if for_update else stmt)


def get_invoice(tenant_id: int, invoice_id: int) -> Invoice | None:
    return db.session.scalar(select(Invoice).where(Invoice.tenant_id == tenant_id, Invoice.id == invoice_id))


def list_invoices(tenant_id: int, limit: int = 50) -> list[Invoice]:
    stmt = (
        select(Invoice)
        .where(Invoice.tenant_id == tenant_id)
        .order_by(Invoice.created_at.desc(), Invoice.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def count_active(model, tenant_id: int, exclude_id: int | None = None) -> int:
    """Active locations or masters of a business (the ones a plan counts)."""
    stmt = select(func.count()).select_from(model).where(model.tenant_id == tenant_id, model.active.is_(True))
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    return db.session.scalar(stmt) or 0


def count_bookings_since(tenant_id: int, since: datetime) -> int:
    stmt = select(func.count()).select_from(Booking).where(Booking.tenant_id == tenant_id, Booking.created_at >= since)
    return db.session.scalar(stmt) or 0


HEADROOM_TENANT = "headroom_tenant_id"
HEADROOM_SINCE = "headroom_since"


@cache
def monthly_booking_headroom_subquery():
    """The business's plan name, monthly booking limit and bookings created since a moment,
    as a derived table (columns ``name``, ``limit``, ``used``; no row without a subscription)
    for another statement to join: one statement reads it with what that statement reads.

    Built once; the business and the moment are the bound parameters ``HEADROOM_TENANT`` and
    ``HEADROOM_SINCE`` (:func:`headroom_params`).  The count runs only when the plan has a
    limit (a CASE around a scalar subquery)."""
    tenant_id, since = bindparam(HEADROOM_TENANT), bindparam(HEADROOM_SINCE)
    counted = (
        select(func.count())
        .select_from(Booking)
        .where(Booking.tenant_id == tenant_id, Booking.created_at >= since)
        .scalar_subquery()
    )
    limit = Plan.max_monthly_bookings
    return (
        select(
            Plan.name.label("name"),
            limit.label("limit"),
            func.coalesce(case((limit.is_not(None), counted)), 0).label("used"),
        )
        .select_from(Subscription)
        .join(Plan, Plan.code == Subscription.plan_code)
        .where(Subscription.tenant_id == tenant_id)
        .subquery("plan_headroom")
    )


def headroom_params(tenant_id: int, since: datetime) -> dict:
    return {HEADROOM_TENANT: tenant_id, HEADROOM_SINCE: since}


@cache
def _headroom_stmt():
    h = monthly_booking_headroom_subquery()
    return select(h.c.name, h.c.limit, h.c.used)


def monthly_booking_headroom(tenant_id: int, since: datetime):
    """(plan name, monthly limit, bookings created since ``since``) in one statement; no row
    when the business has no subscription yet."""
    return db.session.execute(_headroom_stmt(), headroom_params(tenant_id, since)).first()


# ------------------------------------------------------------------ sweeps (every business)


def _active_tenant():
    return and_(Tenant.id == Subscription.tenant_id, Tenant.status == "active")


def trials_to_notify(now: datetime, before: timedelta) -> list[int]:
    """Businesses whose trial ends within ``before`` and who were not told yet."""
    with unscoped("trial sweep: trials ending soon"):
        return list(
            db.session.scalars(
                select(Subscription.tenant_id)
                .join(Tenant, _active_tenant())
                .where(
                    Subscription.status == "trial",
                    Subscription.trial_ends_at > now,
                    Subscription.trial_ends_at <= now + before,
                    Subscription.trial_notice_sent_at.is_(None),
                )
            )
        )


def trials_ended(now: datetime) -> list[int]:
    """Open businesses whose trial is over and who never paid (still trial, or past due after it)."""
    with unscoped("trial sweep: trials that ended"):
        return list(
            db.session.scalars(
                select(Subscription.tenant_id)
                .join(Tenant, _active_tenant())
                .where(
                    Subscription.status.in_(("trial", "past_due")),
                    Subscription.current_period_end.is_(None),
                    Subscription.trial_ends_at <= now,
                )
            )
        )


def periods_ended(now: datetime) -> list[int]:
    """Paying businesses whose paid period is over."""
    with unscoped("billing sweep: paid periods that ended"):
        return list(
            db.session.scalars(
                select(Subscription.tenant_id).where(
                    Subscription.status == "active", Subscription.current_period_end <= now
                )
            )
        )
