"""The business's public booking site."""
from __future__ import annotations

from flask import Blueprint, g, render_template

from app.catalog.queries import list_masters, list_services
from app.core.hosts import require_active_tenant
from app.tenants.queries import list_locations

bp = Blueprint("public", __name__)


@bp.before_request
def _only_active():
    require_active_tenant()


@bp.route("/")
def index():
    return render_template("public/index.html", tenant=g.tenant, locations=list_locations(),
                           services=list_services(), masters=list_masters())
