"""Owner dashboard: every location of the business."""
from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.catalog.queries import list_masters, list_services
from app.tenants.queries import list_locations
from app.web.dashboard import make_dashboard
from app.web.staff_home import day_bookings, tenant_tz

bp = make_dashboard("owner", ("owner",), _l("Owner"))


@bp.route("/")
def index():
    day, bookings = day_bookings(tenant_tz())
    return render_template("owner/index.html", day=day, bookings=bookings, locations=list_locations(False),
                           services=list_services(active_only=False), masters=list_masters(active_only=False),
                           area_title=_("Owner"))
