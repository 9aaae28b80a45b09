"""The analytics page of the owner (whole business, or one location) and the manager (their
location): bookings, revenue, utilization, no-show and cancellation rates per week, and the
period's numbers per location, master and service, from the daily roll-up."""

from __future__ import annotations

from operator import attrgetter

from flask import Blueprint, g, render_template, request
from flask_babel import format_date, format_decimal, format_percent
from flask_babel import gettext as _

from app.analytics import charts
from app.analytics.services import PERIOD_WEEKS, business_report, period_weeks
from app.core.templating import money, reader_language
from app.tenants.queries import list_locations
from app.web.charts import weekly_bookings
from app.web.owner.area import scope_location
from app.web.staff_home import local_today


def _pct(value: float | None) -> str:
    return "—" if value is None else format_percent(value, "#,##0.#%")


def _hours(minutes: int) -> str:
    return _("%(hours)s h", hours=format_decimal(round(minutes / 60, 1), "#,##0.#"))


def build_charts(report) -> dict:
    """The page's SVG charts (their numbers are in the tables beside them)."""
    labels = [format_date(d, "d MMM") for d in report.weeks]
    cur = report.currency

    def short_money(v: float) -> str:
        return money(round(v), cur)

    def rate(v: float) -> str:
        return format_percent(v, "#,##0%")

    groups = {
        "location": report.by_location,
        "master": report.by_master,
        "service": report.by_service,
    }
    out = {
        "bookings": weekly_bookings(labels, report.weekly),
        "revenue": charts.bar_chart(
            _("Revenue per week"),
            labels,
            [(_("Revenue"), [float(t.revenue) for t in report.weekly], "s2")],
            short_money,
        ),
        "utilization": charts.bar_chart(
            _("Utilization per week"),
            labels,
            [(_("Utilization"), [t.utilization for t in report.weekly], "s3")],
            rate,
            max_value=max(1.0, *(t.utilization or 0 for t in report.weekly)),
        ),
        "rates": charts.bar_chart(
            _("No-show and cancellation rates per week"),
            labels,
            [
                (_("No-show rate"), [t.no_show_rate for t in report.weekly], "s4"),
                (_("Cancellation rate"), [t.cancellation_rate for t in report.weekly], "s5"),
            ],
            rate,
        ),
    }
    for key, rows in groups.items():
        names = [name for name, _t in rows]
        out[f"{key}_bookings"] = charts.hbar_chart(_("Bookings"), names, [t.bookings for _n, t in rows])
        out[f"{key}_revenue"] = charts.hbar_chart(
            _("Revenue"), names, [float(t.revenue) for _n, t in rows], short_money, css="s2"
        )
        if key != "service":  # working time belongs to masters, so no utilization per service
            out[f"{key}_utilization"] = charts.hbar_chart(
                _("Utilization"), names, [t.utilization for _n, t in rows], rate, css="s3", max_value=1.0
            )
    return out


def table_cells(currency: str) -> dict:
    """How the weekly tables write a week's numbers."""
    return {
        "attrgetter": attrgetter,
        "revenue_of": lambda t: money(t.revenue, currency),
        "booked_of": lambda t: _hours(t.booked_minutes),
        "working_of": lambda t: _hours(t.working_minutes),
        "utilization_of": lambda t: _pct(t.utilization),
        "no_show_of": lambda t: _pct(t.no_show_rate),
        "cancel_of": lambda t: _pct(t.cancellation_rate),
    }


def analytics():
    weeks = period_weeks(request.args.get("weeks"))
    scoped = scope_location()
    locations = [scoped] if scoped else list_locations(active_only=False)
    location = scoped or next((x for x in locations if x.id == request.args.get("location_id", type=int)), None)
    tz = location.timezone if location else g.tenant.timezone
    report = business_report(g.tenant, weeks, local_today(tz), location.id if location else None, reader_language())
    return render_template(
        "analytics/index.html",
        report=report,
        charts=build_charts(report),
        weeks=weeks,
        periods=PERIOD_WEEKS,
        location=location,
        locations=locations,
        can_pick_location=scoped is None and len(locations) > 1,
        pct=_pct,
        format_date=format_date,
        **table_cells(report.currency),
    )


def register_analytics_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/analytics", "analytics", analytics)
