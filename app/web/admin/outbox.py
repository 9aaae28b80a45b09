"""Super admin: the notification outbox (every message, its status, attempts and error),
and re-sending a message that used up its retries."""

from __future__ import annotations

import re

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.audit.services import Actor
from app.core.redirects import safe_next
from app.notifications import services as notification_services
from app.notifications.models import NOTIFICATION_STATUSES
from app.notifications.queries import list_outbox, template_names
from app.web.admin.views import bp
from app.web.messages import resend_and_flash

PER_PAGE = 50
_CODE = re.compile(r"\b\d{4,8}\b")


def codes_visible() -> bool:
    """Verification codes are shown only where they are kept (development, dev SMS provider)."""
    return notification_services.codes_kept()


def mask(row) -> str:
    body = row.body or ""
    if row.template != "client_code" or codes_visible():
        return body
    code = str((row.payload or {}).get("code") or "")
    if code and code in body:
        return body.replace(code, "•" * len(code))
    return _CODE.sub(lambda m: "•" * len(m.group()), body)


@bp.route("/outbox")
def outbox():
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    q = request.args.get("q", "").strip()
    status = request.args.get("status", "")
    template = request.args.get("template", "")
    rows, total = list_outbox(q, status or None, template or None, PER_PAGE, (page - 1) * PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    return render_template(
        "admin/outbox.html",
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        q=q,
        status=status,
        template=template,
        statuses=NOTIFICATION_STATUSES,
        templates=template_names(),
        mask=mask,
        not_resendable=notification_services.NOT_RESENDABLE,
        area_title=_("Platform admin"),
    )


@bp.route("/outbox/<int:notification_id>/resend", methods=["POST"])
def outbox_resend(notification_id: int):
    resend_and_flash(Actor.for_user(current_user), notification_id)
    back = request.form.get("back") or ""
    fallback = url_for("admin.outbox", status="failed")
    return redirect(safe_next(back, fallback) if back.startswith("/outbox") else fallback)
