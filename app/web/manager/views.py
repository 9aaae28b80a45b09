"""Manager dashboard: the owner's pages, limited by the services to the manager's location."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.web.dashboard import make_dashboard
from app.web.owner.staff import register_management_routes

bp = make_dashboard("manager", ("manager",), _l("Manager"))
register_management_routes(bp)


@bp.context_processor
def _title():
    return {"area_title": _("Manager")}
