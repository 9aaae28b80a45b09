"""Background jobs of the notifications package: send one row, sweep the outbox."""

from __future__ import annotations

import logging

from rq import Retry

from app.core.jobs import job
from app.core.tenancy import unscoped
from app.extensions import db
from app.notifications import services

log = logging.getLogger(__name__)


def _retry() -> Retry:
    """RQ's retries, on the row's own schedule (``NOTIFY_RETRY_INTERVALS``, read at enqueue).

    For a job enqueued with its row (attempt 1) RQ's n-th retry comes when the row's n-th
    wait is over.  A job enqueued later (by the sweep, or a re-send) starts RQ's list from
    the top, so its retries may come before the row is due: the claim then leaves the row
    alone and the sweep sends it once due.  The row, not RQ, counts attempts and decides
    ``failed``, so neither can give up early or try early.
    """
    intervals = services.retry_intervals()
    return Retry(max=max(1, len(intervals)), interval=intervals or [60])


@job("notifications", retry=_retry, timeout=120, platform=True)
def send_notification(notification_id: int) -> str:
    """Deliver one outbox row (at most once; see :mod:`app.notifications.services`)."""
    with unscoped():  # the outbox is platform-level; rendering reads primitives only
        return services.deliver(notification_id, commit=db.session.commit)


def sweep_outbox() -> dict:
    """Drop expired codes, reclaim rows stuck in ``sending`` and re-enqueue rows that have
    been due for longer than ``NOTIFY_SWEEP_DELAY_SECONDS`` (a lost job, Redis or the worker down)."""
    expired = services.expire_codes()
    reclaimed = services.reclaim_stuck()
    ids = services.due_for_requeue()
    db.session.commit()
    enqueued = 0
    for nid in ids:
        try:
            send_notification.enqueue_now(nid)
        except Exception as exc:
            log.warning("outbox sweep: enqueue failed (%s)", exc)
            break
        enqueued += 1
    services.mark_requeued(ids[:enqueued])
    db.session.commit()
    return {"reclaimed": reclaimed, "enqueued": enqueued, "expired": expired}
