"""The platform's main host: landing page, business registration, "where do I sign in"."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.accounts.forms import RegisterBusinessForm
from app.extensions import limiter
from app.tenants import services as tenant_services
from app.tenants.queries import get_tenant_by_subdomain
from app.web.forms import form_status, submit

bp = Blueprint("main", __name__)


def tenant_url(sub: str, area: str | None = None, path: str = "/") -> str:
    host = f"{area}.{sub}" if area else sub
    scheme = current_app.config.get("PREFERRED_URL_SCHEME", "http")
    return f"{scheme}://{host}.{current_app.config['SERVER_NAME']}{path}"


@bp.route("/")
def index():
    return render_template("main/index.html")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register():
    form = RegisterBusinessForm()
    if request.method == "GET":
        form.language.data = form.language.data or current_app.config["DEFAULT_LANGUAGE"]
    done, result, errors = submit(form, tenant_services.register_business)
    if done:
        tenant, _owner = result
        return redirect(url_for("main.registered", sub=tenant.subdomain))
    return render_template("main/register.html", form=form, errors=errors), form_status(form, errors)


@bp.route("/registered/<sub>")
def registered(sub: str):
    return render_template(
        "main/registered.html", sub=sub, owner_url=tenant_url(sub, "owner", "/login"), public_url=tenant_url(sub)
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Each business signs in on its own host; this page only points the way there."""
    error = None
    sub = (request.values.get("subdomain") or "").strip().lower()
    area = request.values.get("area", "owner")
    if area not in ("owner", "manager", "master"):
        area = "owner"
    if request.method == "POST":
        if sub and get_tenant_by_subdomain(sub):
            return redirect(tenant_url(sub, area, "/login"))
        error = _("We could not find a business with that address.")
    return render_template("main/login.html", sub=sub, area=area, error=error), (404 if error else 200)
