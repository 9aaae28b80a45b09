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
    """Exponential backoff from ``NOTIFY_RETRY_INTERVALS`` (read when the job is enqueued)."""
    intervals = services.retry_intervals()
    return Retry(max=len(intervals), interval=intervals)


@job("notifications", retry=_retry, timeout=120)
def send_notification(notification_id: int) -> str:
    """Deliver one outbox row (at most once; see :mod:`app.notifications.services`)."""
    with unscoped():  # the outbox is platform-level; rendering reads primitives only
        return services.deliver(notification_id, commit=db.session.commit)


def sweep_outbox() -> dict:
    """Reclaim rows stuck in ``sending`` and re-enqueue rows still queued after the delay."""
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
    return {"reclaimed": reclaimed, "enqueued": enqueued}


@job("notifications", timeout=300)
def outbox_sweep_job() -> dict:
    return sweep_outbox()
