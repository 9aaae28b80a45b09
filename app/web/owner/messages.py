"""Owner: the business's messages that could not be delivered, with the error and a re-send."""

from __future__ import annotations

from flask import g, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l

from app.notifications import services as notification_services
from app.notifications.queries import count_failed_for_tenant, failed_for_tenant
from app.web.messages import resend_and_flash
from app.web.owner.views import bp
from app.web.staff_home import current_actor

TEMPLATE_LABELS = {
    "booking_created": _l("Booking confirmation"),
    "booking_new": _l("New booking for a master"),
    "booking_confirmed": _l("Booking confirmed"),
    "booking_rescheduled": _l("Booking moved"),
    "booking_cancelled": _l("Booking cancelled"),
    "booking_reminder": _l("Booking reminder"),
    "client_code": _l("Verification code"),
    "password_reset": _l("Password reset"),
    "permission_request_decided": _l("Permission request answered"),
    "tenant_registered": _l("Welcome email"),
    "tenant_approved": _l("Business approved"),
    "tenant_rejected": _l("Business not approved"),
    "trial_ending": _l("Trial ending"),
    "trial_ended": _l("Trial ended"),
}


@bp.context_processor
def _failed_messages():
    # A callable: the count is only queried by the pages that show it.
    return {"failed_message_count": lambda: count_failed_for_tenant(g.tenant.id)}


@bp.route("/messages")
def failed_messages():
    return render_template(
        "owner/messages.html",
        rows=failed_for_tenant(g.tenant.id),
        labels=TEMPLATE_LABELS,
        not_resendable=notification_services.NOT_RESENDABLE,
    )


@bp.route("/messages/<int:notification_id>/resend", methods=["POST"])
def failed_message_resend(notification_id: int):
    resend_and_flash(current_actor(), notification_id, tenant_id=g.tenant.id)
    return redirect(url_for("owner.failed_messages"))
