"""Super admin: the notification outbox (every message, its status, attempts and error),
and re-sending a message that used up its retries."""

from __future__ import annotations

import re

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.core.auth import Actor
from app.core.redirects import safe_next
from app.notifications import services as notification_services
from app.notifications.models import NOTIFICATION_STATUSES
from app.notifications.queries import list_outbox, template_names
from app.web.admin.views import bp, business_choices, int_arg
from app.web.messages import resend_and_flash

PER_PAGE = 50
CHANNELS = ("email", "sms")

#: Template ids -> what the message is, for people; an unknown id is shown as it is.
TEMPLATE_LABELS = {
    "booking_created": _l("Booking received (to the client)"),
    "booking_new": _l("New booking (to the master)"),
    "booking_confirmed": _l("Booking confirmed"),
    "booking_rescheduled": _l("Booking moved"),
    "booking_cancelled": _l("Booking cancelled"),
    "booking_reminder": _l("Booking reminder"),
    "client_code": _l("Verification code"),
    "tenant_registered": _l("Welcome after registration"),
    "tenant_approved": _l("Business approved"),
    "tenant_rejected": _l("Business not approved"),
    "trial_ending": _l("Trial ends soon"),
    "trial_ended": _l("Trial has ended"),
    "password_reset": _l("Password reset"),
    "master_invitation": _l("Invitation to a master"),
    "permission_request_decided": _l("Permission request answered"),
    "permission_request_new": _l("Permission requested (to the owner)"),
}


def template_label(template: str) -> str:
    label = TEMPLATE_LABELS.get(template)
    return str(label) if label is not None else template


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
    channel = request.args.get("channel", "")
    channel = channel if channel in CHANNELS else ""
    business = int_arg("business")
    rows, total = list_outbox(
        q,
        status or None,
        template or None,
        PER_PAGE,
        (page - 1) * PER_PAGE,
        channel=channel or None,
        tenant_id=business,
    )
    businesses = business_choices()
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
        channel=channel,
        business=business,
        channels=CHANNELS,
        businesses=businesses,
        business_names=dict(businesses),
        args={k: v for k, v in request.args.items() if k in ("q", "status", "template", "channel", "business")},
        statuses=NOTIFICATION_STATUSES,
        templates=template_names(),
        template_label=template_label,
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
