"""Manager dashboard: one location."""
from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.catalog.queries import list_masters
from app.extensions import db
from app.tenants.models import Location
from app.web.dashboard import make_dashboard
from app.web.staff_home import day_bookings

bp = make_dashboard("manager", ("manager",), _l("Manager"))


@bp.route("/")
def index():
    location = db.session.get(Location, current_user.location_id) if current_user.location_id else None
    tz = location.timezone if location else None
    day, bookings = day_bookings(tz or "UTC", location_id=location.id if location else -1)
    return render_template("manager/index.html", day=day, bookings=bookings, location=location,
                           masters=list_masters(location_id=location.id) if location else [],
                           area_title=_("Manager"))
