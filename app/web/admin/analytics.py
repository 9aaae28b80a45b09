"""The platform admin's analytics: businesses by status, new businesses, bookings and the
messages sent and failed per week (weeks of UTC dates), with a table beside every chart."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import format_date
from flask_babel import gettext as _

from app.analytics import charts
from app.analytics.services import PERIOD_WEEKS, period_weeks, platform_report
from app.core.types import utcnow
from app.web.admin.views import bp
from app.web.charts import weekly_bookings

STATUS_ORDER = ("pending", "active", "suspended", "rejected")


@bp.route("/analytics")
def analytics():
    weeks = period_weeks(request.args.get("weeks"))
    report = platform_report(weeks, utcnow().date())
    labels = [format_date(d, "d MMM") for d in report.weeks]
    status_labels = {
        "pending": _("Pending"),
        "active": _("Active"),
        "suspended": _("Suspended"),
        "rejected": _("Rejected"),
    }
    statuses = [(status_labels[s], report.tenants_by_status.get(s, 0)) for s in STATUS_ORDER]
    chart = {
        "statuses": charts.hbar_chart(_("Businesses by status"), [n for n, _v in statuses], [v for _n, v in statuses]),
        "registrations": charts.bar_chart(
            _("New businesses per week"), labels, [(_("New businesses"), report.registrations, "s3")]
        ),
        "bookings": weekly_bookings(labels, report.bookings),
        "notifications": charts.bar_chart(
            _("Messages per week"),
            labels,
            [
                (_("Sent"), report.notifications_sent, "s2"),
                (_("Failed"), report.notifications_failed, "s5"),
            ],
        ),
    }
    return render_template(
        "analytics/admin.html",
        report=report,
        charts=chart,
        statuses=statuses,
        labels=labels,
        weeks=weeks,
        periods=PERIOD_WEEKS,
        format_date=format_date,
        area_title=_("Platform admin"),
    )
