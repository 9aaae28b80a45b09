"""An API request answered once per ``Idempotency-Key``: a repeat gets the stored answer."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.bookings import rules
from app.bookings.models import IdempotencyKey
from app.core.errors import Conflict
from app.core.fields import clean_or_raise
from app.core.types import utcnow
from app.extensions import db
from app.tenants.models import Tenant

IDEMPOTENCY_TTL = timedelta(hours=24)


def _body_hash(body: dict) -> str:
    raw = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def run_idempotent(
    tenant: Tenant, actor_key: str, key: str, body: dict, fn: Callable[[], tuple[int, dict]]
) -> tuple[int, dict]:
    """``fn()`` once per (actor, key) within 24 h; a repeat returns the stored answer.

    The key row is claimed (inserted) before ``fn`` runs, inside a SAVEPOINT: a concurrent
    duplicate waits on the unique index and then gets the stored answer or ``conflict``.
    A failed ``fn`` rolls the whole transaction back, claim included, so it can be retried.
    """
    key = clean_or_raise("Idempotency-Key", rules.IDEMPOTENCY_KEY, key)
    actor_key = str(actor_key)[:64]
    digest = _body_hash(body)
    now = utcnow()

    def existing() -> IdempotencyKey | None:
        return db.session.scalar(
            select(IdempotencyKey).where(IdempotencyKey.actor == actor_key, IdempotencyKey.key == key)
        )

    row = existing()
    if row is not None and row.expires_at <= now:
        db.session.delete(row)
        db.session.flush()
        row = None
    if row is None:
        row = IdempotencyKey(
            actor=actor_key,
            key=key,
            request_hash=digest,
            response_status=0,
            response_body={},
            expires_at=now + IDEMPOTENCY_TTL,
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
        except IntegrityError:
            row = existing()
            if row is None:
                raise Conflict() from None
        else:
            status, payload = fn()
            row.response_status, row.response_body = int(status), payload
            db.session.flush()
            return int(status), payload
    if row.request_hash != digest:
        raise Conflict(_l("This Idempotency-Key was already used with a different request."))
    if not row.response_status:
        raise Conflict(_l("The same request is still being processed."))
    return row.response_status, row.response_body
