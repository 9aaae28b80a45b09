"""Re-sending a failed message from a page: one adapter for the owner's and the admin's pages."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _

from app.core.auth import Actor
from app.core.db import savepoint
from app.core.errors import Conflict
from app.notifications import services as notification_services


def resend_and_flash(actor: Actor, notification_id: int, tenant_id: int | None = None) -> None:
    """Queue the message again and tell the user what happened (a refused re-send changes nothing)."""
    try:
        with savepoint():
            done = notification_services.resend(actor, notification_id, tenant_id=tenant_id)
    except Conflict as exc:
        flash(str(exc.message), "error")
    else:
        if done:
            flash(_("The message is queued to be sent again."), "success")
        else:
            flash(_("This message is not failed any more; nothing was sent again."), "info")
