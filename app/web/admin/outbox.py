"""Super admin: the notification outbox (every message, its status, attempts and error)."""

from __future__ import annotations

import re

from flask import current_app, render_template, request
from flask_babel import gettext as _

from app.notifications.models import NOTIFICATION_STATUSES
from app.notifications.queries import list_outbox, template_names
from app.web.admin.views import bp

PER_PAGE = 50
_CODE = re.compile(r"\b\d{4,8}\b")


def codes_visible() -> bool:
    """Verification codes are shown only on development and test setups."""
    return current_app.config.get("ENV_NAME") in ("development", "testing")


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
        area_title=_("Platform admin"),
    )
