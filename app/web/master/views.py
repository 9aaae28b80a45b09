"""Master dashboard: own day and own bookings."""
from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.catalog.queries import get_master_for_user
from app.web.dashboard import make_dashboard
from app.web.staff_home import day_bookings

bp = make_dashboard("master", ("master",), _l("Master"))


@bp.route("/")
def index():
    master = get_master_for_user(current_user.id)
    tz = master.location.timezone if master else "UTC"
    day, bookings = day_bookings(tz, master_id=master.id if master else -1)
    return render_template("master/index.html", day=day, bookings=bookings, master=master,
                           area_title=_("Master"))
