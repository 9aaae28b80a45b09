"""Support sessions: a platform admin signs in as a business's owner to help them.

The admin starts one from the business's page in the admin panel; it is audited, opens the
owner's dashboard in the admin's browser through the one-time sign-in handoff
(:mod:`app.accounts.handoff`), shows a banner on every page, and is **read-only** until the
admin confirms that changes are wanted (audited too).  Ending it signs the browser out of the
owner's dashboard (audited).  Changes made after the confirmation are audited under the
owner's name with the admin named beside it (``owner@x (support: admin@y)``).

The session state lives in the dashboard host's signed session cookie: ``impersonator_id``
(the admin's user id), ``impersonator_label`` and ``impersonation_read_only``.
"""

from __future__ import annotations

from flask import session
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts import handoff
from app.accounts.models import User
from app.audit.services import record
from app.core.auth import ROLE_OWNER, Actor
from app.core.errors import Conflict
from app.extensions import db
from app.tenants.models import Tenant

KEY_ID, KEY_LABEL, KEY_READ_ONLY = "impersonator_id", "impersonator_label", "impersonation_read_only"


def owner_of(tenant: Tenant) -> User:
    owners = select(User).where(User.tenant_id == tenant.id, User.role == ROLE_OWNER, User.active.is_(True))
    owner = db.session.scalars(owners.order_by(User.id)).first()
    if owner is None:
        raise Conflict(_l("This business has no active owner to sign in as."))
    return owner


def start(admin: User, tenant: Tenant) -> str:
    """Audit the start and return the URL that opens the owner's dashboard in this browser."""
    owner = owner_of(tenant)
    record(
        Actor.for_user(admin),
        "admin.impersonation.start",
        "user",
        owner.id,
        tenant_id=tenant.id,
        after={"owner": owner.email, "read_only": True},
    )
    return handoff.handoff_url(owner, handoff.issue(owner, impersonator=admin))


def begin_session(arrival: handoff.Handoff) -> None:
    """On the owner's host, right after the handoff: mark the session as the admin's."""
    for key in (KEY_ID, KEY_LABEL, KEY_READ_ONLY):
        session.pop(key, None)
    if arrival.impersonator_id is None:
        return
    admin = db.session.get(User, arrival.impersonator_id)
    session[KEY_ID] = arrival.impersonator_id
    session[KEY_LABEL] = admin.email if admin is not None else str(arrival.impersonator_id)
    session[KEY_READ_ONLY] = True


def active() -> bool:
    return session.get(KEY_ID) is not None


def read_only() -> bool:
    return active() and bool(session.get(KEY_READ_ONLY, True))


def label() -> str | None:
    return session.get(KEY_LABEL) if active() else None


def allow_changes(owner: User) -> None:
    """The admin confirms that the support session may change things (audited)."""
    if not active():
        return
    session[KEY_READ_ONLY] = False
    record(
        Actor.for_user(owner),
        "admin.impersonation.allow_changes",
        "user",
        owner.id,
        tenant_id=owner.tenant_id,
        after={"support": session.get(KEY_LABEL), "read_only": False},
    )


def end(owner: User) -> None:
    """The support session ends (audited); the caller signs the browser out."""
    if not active():
        return
    record(
        Actor.for_user(owner),
        "admin.impersonation.end",
        "user",
        owner.id,
        tenant_id=owner.tenant_id,
        after={"support": session.get(KEY_LABEL)},
    )
    for key in (KEY_ID, KEY_LABEL, KEY_READ_ONLY):
        session.pop(key, None)
