"""Sending outbox rows: claim, render in the recipient's language, deliver, record.

A row moves ``queued -> sending -> sent`` (or back to ``queued`` for a retry, and finally
``failed``; a verification code not sent within its lifetime ends ``expired``).  The move to
``sending`` is a conditional UPDATE (a claim): of two jobs for the same row only one wins,
so a row is sent at most once even if its job is enqueued or run twice, and a queued row is
claimed only once its ``next_attempt_at`` has come, so a job that runs early (an RQ retry on
a schedule of its own, a duplicate, the sweep) leaves it alone instead of spending an
attempt.  A row left in ``sending`` by a worker that died is reclaimed by the sweep after
``NOTIFY_STUCK_SECONDS``; the provider gets a stable idempotency key / Message-ID per row,
so a gateway can drop the rare repeat of a message it had already accepted.

The waits between attempts come from ``NOTIFY_RETRY_INTERVALS``; the default spans more than
a day, so a day-long mail or SMS outage ends in delivery, not in ``failed``.  A ``failed`` row
is listed on the owner dashboard and the admin Outbox and can be queued again with
:func:`resend` (also ``flask notifications-resend``).

Rendering (context, subject, text, calendar file) is in :mod:`app.notifications.rendering`.
Business rules only; the job (:mod:`app.notifications.jobs`) is the transaction boundary.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update

from app.audit import services as audit
from app.core import metrics
from app.core.auth import Actor
from app.core.errors import Conflict, NotFound
from app.core.types import utcnow
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.providers import DeliveryError, Message, provider_for
from app.notifications.rendering import render

log = logging.getLogger(__name__)

# 14 retries over 27 h 51 min: more than a day-long outage, and at most 3 h between tries.
DEFAULT_RETRY_INTERVALS = "1m,5m,15m,30m,1h,2h,3h,3h,3h,3h,3h,3h,3h,3h"
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
# RQ keeps a scheduled retry's time in whole seconds (rounded down), so the retry of a row due
# at 10:00:00.900 runs from 10:00:00.000 on: a row this close to its time counts as due.
DUE_SLACK = timedelta(seconds=1)
# A verification code is useless once expired and unreadable once sent: never re-sent.
NOT_RESENDABLE = ("client_code",)

# ---------------------------------------------------------------- settings


def _setting(name: str, default: str) -> str:
    value = current_app.config.get(name)
    if value in (None, ""):
        value = os.environ.get(name) or default
    return str(value)


def retry_intervals() -> list[int]:
    """Seconds to wait before each retry (``NOTIFY_RETRY_INTERVALS``, e.g. ``1m,5m,1h``)."""
    return parse_intervals(_setting("NOTIFY_RETRY_INTERVALS", ""))


def parse_intervals(raw: str | None) -> list[int]:
    """``"30, 5m, 2h, 1d"`` -> ``[30, 300, 7200, 86400]`` (a bare number is seconds); empty: the default."""
    parts = [p for p in (raw or "").replace(" ", "").lower().split(",") if p]
    if not parts:
        parts = DEFAULT_RETRY_INTERVALS.split(",")
    seconds = []
    for part in parts:
        m = re.fullmatch(r"(\d+)([smhd]?)", part)
        if m is None:
            raise ValueError(f"NOTIFY_RETRY_INTERVALS: {part!r} is not a wait like 30, 90s, 5m, 2h or 1d")
        seconds.append(int(m[1]) * _UNITS[m[2]])
    return seconds


def max_attempts() -> int:
    return len(retry_intervals()) + 1


def stuck_after() -> timedelta:
    return timedelta(seconds=int(_setting("NOTIFY_STUCK_SECONDS", "600")))


def sweep_delay() -> timedelta:
    return timedelta(seconds=int(_setting("NOTIFY_SWEEP_DELAY_SECONDS", "60")))


def codes_kept() -> bool:
    """Verification codes stay readable in the outbox only in development with the development
    SMS provider (the admin Outbox is then the "phone"); anywhere else they are redacted once
    the row is sent, failed or expired."""
    config = current_app.config
    return config.get("ENV_NAME") == "development" and (config.get("SMS_PROVIDER") or "dev").lower() == "dev"


def code_ttl() -> timedelta:
    return timedelta(minutes=int(current_app.config.get("SMS_CODE_TTL_MINUTES") or 10))


def backoff(attempt: int) -> timedelta:
    intervals = retry_intervals() or [30]
    return timedelta(seconds=intervals[min(attempt, len(intervals)) - 1] if attempt >= 1 else intervals[0])


# ---------------------------------------------------------------- claim / record


@dataclass(frozen=True)
class Claim:
    id: int
    claimed_at: datetime


def claim(notification_id: int) -> Claim | None:
    """Move the row to ``sending`` if it is queued and due (or stuck); None when another job
    has it or its next attempt has not come yet (the job that runs then, or the sweep, sends it)."""
    now = utcnow()
    stale = now - stuck_after()
    due = or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now + DUE_SLACK)
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            or_(
                and_(Notification.status == "queued", due),
                and_(Notification.status == "sending", Notification.claimed_at < stale),
            ),
        )
        .values(status="sending", claimed_at=now, attempts=Notification.attempts + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return Claim(notification_id, now) if result.rowcount == 1 else None


def _mine(c: Claim):
    return and_(Notification.id == c.id, Notification.status == "sending", Notification.claimed_at == c.claimed_at)


def _scrub(row_template: str, payload: dict, body: str | None) -> tuple[dict, str | None]:
    """A verification code is not kept in plain text once sent, failed or expired (see :func:`codes_kept`)."""
    if row_template != "client_code" or codes_kept():
        return payload, body
    code = str(payload.get("code") or "")
    payload = {**payload, "code": "•" * len(code)}
    if body and code:
        body = body.replace(code, "•" * len(code))
    return payload, body


def mark_sent(c: Claim, message: Message, provider_id: str, template: str, payload: dict) -> bool:
    payload, body = _scrub(template, payload, message.text)
    result = db.session.execute(
        update(Notification)
        .where(_mine(c))
        .values(
            status="sent",
            sent_at=utcnow(),
            subject=message.subject or None,
            body=body,
            provider_id=(provider_id or "")[:200],
            last_error=None,
            next_attempt_at=None,
            payload=payload,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def mark_error(c: Claim, error: str, attempts: int, template: str, payload: dict) -> str:
    """Record a failed attempt: back to ``queued`` with a backoff, or ``failed`` after the last."""
    final = attempts >= max_attempts()
    values = {"last_error": error[:2000], "updated_at": utcnow()}
    if final:
        values.update(status="failed", next_attempt_at=None)
        values["payload"], _body = _scrub(template, payload, None)
    else:
        values.update(status="queued", next_attempt_at=utcnow() + backoff(attempts))
    db.session.execute(
        update(Notification).where(_mine(c)).values(**values).execution_options(synchronize_session=False)
    )
    return values["status"]


# ---------------------------------------------------------------- delivery


class RetryLater(RuntimeError):
    """Raised by the job after a failed attempt so RQ schedules the next one."""


def deliver(notification_id: int, *, commit) -> str:
    """Send one row.  ``commit`` ends each step's transaction (the job passes the session's)."""
    if expire_codes([notification_id]):
        commit()
        return "expired"
    c = claim(notification_id)
    commit()
    if c is None:
        return "skipped"
    row = db.session.get(Notification, notification_id)
    template, payload, attempts = row.template, dict(row.payload or {}), row.attempts
    try:
        message = render(row)
        provider = provider_for(row.channel)
    except Exception as exc:  # a broken template or provider setting: retried, then failed
        commit()
        status = mark_error(c, f"render: {exc!r}", attempts, template, payload)
        commit()
        if status == "queued":
            raise RetryLater(f"notification {notification_id}: {exc}") from exc
        raise
    commit()  # no transaction (and on SQLite no write lock) is held while talking to the provider
    try:
        provider_id = provider.send(message)
    except DeliveryError as exc:
        status = mark_error(c, str(exc), attempts, template, payload)
        commit()
        metrics.count_notification(row.channel, "failed")
        log.warning("notification %s attempt %s failed: %s (%s)", notification_id, attempts, exc, status)
        raise RetryLater(f"notification {notification_id}: {exc}") from exc
    if not mark_sent(c, message, provider_id, template, payload):
        log.warning("notification %s was reclaimed while sending", notification_id)
    else:
        metrics.count_notification(row.channel, "sent")
        log.info(
            "notification %s sent: %s by %s in %s via %s",
            notification_id,
            template,
            row.channel,
            row.language,
            type(provider).__name__,
        )
    commit()
    return "sent"


# ---------------------------------------------------------------- sweep


def reclaim_stuck() -> int:
    """Rows left in ``sending`` by a dead worker go back to ``queued``."""
    now = utcnow()
    result = db.session.execute(
        update(Notification)
        .where(Notification.status == "sending", Notification.claimed_at < now - stuck_after())
        .values(
            status="queued",
            next_attempt_at=None,
            updated_at=now,
            last_error=func.coalesce(Notification.last_error, "worker stopped while sending"),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def due_for_requeue(limit: int = 500) -> list[int]:
    """Queued rows whose job should have run by now (lost enqueue, Redis or worker down)."""
    cutoff = utcnow() - sweep_delay()
    return list(
        db.session.scalars(
            select(Notification.id)
            .where(
                Notification.status == "queued",
                func.coalesce(Notification.next_attempt_at, Notification.created_at) <= cutoff,
            )
            .order_by(Notification.id)
            .limit(limit)
        )
    )


def mark_requeued(ids: list[int]) -> None:
    if ids:
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(ids), Notification.status == "queued")
            .values(next_attempt_at=utcnow())
            .execution_options(synchronize_session=False)
        )


def expire_codes(ids: list[int] | None = None) -> int:
    """Queued verification codes older than their lifetime are dropped: status ``expired``,
    the code redacted.  Sent later they would only confuse; kept they would be readable."""
    now = utcnow()
    stmt = select(Notification).where(
        Notification.template == "client_code",
        Notification.status == "queued",
        Notification.created_at <= now - code_ttl(),
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    done = 0
    for row in db.session.scalars(stmt.limit(500)).all():
        payload, _body = _scrub(row.template, dict(row.payload or {}), None)
        result = db.session.execute(
            update(Notification)
            .where(Notification.id == row.id, Notification.status == "queued")
            .values(
                status="expired",
                payload=payload,
                next_attempt_at=None,
                updated_at=now,
                last_error=func.coalesce(Notification.last_error, "the code expired before it could be sent"),
            )
            .execution_options(synchronize_session=False)
        )
        done += result.rowcount or 0
    return done


# ---------------------------------------------------------------- re-send


def resend(actor: Actor, notification_id: int, *, tenant_id: int | None = None) -> bool:
    """Queue a ``failed`` notification again with a fresh set of retries (audited).

    ``tenant_id`` limits it to one business's messages (another's is :class:`NotFound`).
    Returns False, changing nothing, when the row is not ``failed`` any more (re-sent
    already, so a second click sends nothing).  The job is enqueued after commit.
    """
    row = db.session.get(Notification, notification_id)
    if row is None or (tenant_id is not None and row.tenant_id != tenant_id):
        raise NotFound()
    if row.template in NOT_RESENDABLE:
        raise Conflict(_l("A verification code cannot be sent again; the client can ask for a new one."))
    before = {"status": row.status, "attempts": row.attempts, "last_error": row.last_error}
    now = utcnow()
    result = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == "failed")
        .values(status="queued", attempts=0, next_attempt_at=None, claimed_at=None, last_error=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(row)
    if result.rowcount != 1:
        return False
    audit.record(
        actor,
        "notification.resend",
        "notification",
        notification_id,
        tenant_id=row.tenant_id,
        before=before,
        after={"status": "queued", "attempts": 0},
    )
    from app.notifications.jobs import send_notification  # cycle: app.notifications.jobs imports this module

    send_notification.delay(notification_id)
    return True


def resend_failed(
    actor: Actor, *, ids: list[int] | None = None, tenant_id: int | None = None
) -> tuple[list[int], dict[int, str]]:
    """Re-send the given rows, or every failed one (of ``tenant_id`` if given).

    Returns the ids queued again and, for the others, why not.
    """
    if ids is None:
        stmt = select(Notification.id).where(Notification.status == "failed")
        if tenant_id is not None:
            stmt = stmt.where(Notification.tenant_id == tenant_id)
        ids = list(db.session.scalars(stmt.order_by(Notification.id)))
    done: list[int] = []
    skipped: dict[int, str] = {}
    for nid in ids:
        try:
            if resend(actor, nid, tenant_id=tenant_id):
                done.append(nid)
            else:
                skipped[nid] = "not failed"
        except NotFound:
            skipped[nid] = "not found"
        except Conflict:
            skipped[nid] = "a verification code (not re-sent)"
    return done, skipped
