"""Re-deriving booking instants from their local start after a time zone rule change.

The same DST rules as availability (:mod:`app.scheduling.localtime`): an ambiguous local
start takes its first occurrence, a non-existent one the end of the gap.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from app.audit.services import record
from app.bookings import queries as bq
from app.bookings.models import BLOCKING_STATUSES
from app.bookings.services.writing import is_overlap
from app.core.auth import Actor
from app.core.types import utcnow
from app.extensions import db
from app.scheduling import queries as sq
from app.scheduling.localtime import local_to_instant


def rederive_booking_times(*, tenant_id: int | None = None, dry_run: bool = False) -> dict:
    """Recompute the UTC instants of future active bookings from their local start and zone.

    Run after a time zone database update (e.g. Kazakhstan's move to UTC+5): a 10:00 booking
    stays at 10:00 local time.  A booking whose re-derived interval would overlap another
    active booking of its master is *not* moved; it is listed under ``collisions`` for the
    business to resolve.  Returns ``{"checked", "changed": [...], "collisions": [...]}``
    where each item is ``{"id", "tenant_id", "master_id", "old_start", "new_start"}``.
    Platform-wide unless ``tenant_id`` is given; flushes, the caller commits.
    """
    rows = bq.future_bookings_all_tenants(utcnow(), BLOCKING_STATUSES, tenant_id=tenant_id)
    planned: dict[tuple[int, int], list[dict]] = {}
    for r in rows:
        new_start = local_to_instant(r.local_start.date(), r.local_start.time(), ZoneInfo(r.timezone))
        end = new_start + timedelta(minutes=r.duration_minutes)
        planned.setdefault((r.tenant_id, r.master_id), []).append(
            {
                "id": r.id,
                "tenant_id": r.tenant_id,
                "master_id": r.master_id,
                "old_start": r.start_at,
                "new_start": new_start,
                "end_at": end,
                "block_end_at": end + timedelta(minutes=r.buffer_minutes),
                "moved": new_start != r.start_at,
            }
        )
    changed: list[dict] = []
    collisions: list[dict] = []
    system = Actor.system("rederive-times")
    for (tid, mid), items in planned.items():
        items.sort(key=lambda i: (i["new_start"], i["id"]))
        clash: set[int] = set()
        for i, a in enumerate(items):
            for b in items[i + 1 :]:
                if b["new_start"] >= a["block_end_at"]:
                    break
                clash.update({a["id"], b["id"]})
        moving = [i for i in items if i["moved"]]
        for item in moving:
            public = {k: item[k] for k in ("id", "tenant_id", "master_id", "old_start", "new_start")}
            (collisions if item["id"] in clash else changed).append(public)
        if dry_run:
            continue
        pending = [i for i in moving if i["id"] not in clash]
        # Neighbours may still sit at their old instants: retry until nothing more can move.
        while pending:
            left = []
            for item in pending:
                try:
                    with db.session.begin_nested():
                        bq.set_instants(tid, item["id"], item["new_start"], item["end_at"], item["block_end_at"])
                except IntegrityError as exc:
                    if not is_overlap(exc):
                        raise
                    left.append(item)
                    continue
                record(
                    system,
                    "booking.rederive_times",
                    "booking",
                    item["id"],
                    tenant_id=tid,
                    before={"start_at": item["old_start"]},
                    after={"start_at": item["new_start"]},
                )
            if len(left) == len(pending):
                for item in left:
                    changed[:] = [c for c in changed if c["id"] != item["id"]]
                    collisions.append({k: item[k] for k in ("id", "tenant_id", "master_id", "old_start", "new_start")})
                break
            pending = left
        if moving:
            sq.bump_master_versions(tid, [mid])
    return {"checked": len(rows), "changed": changed, "collisions": collisions}
