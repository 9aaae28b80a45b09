"""The platform's main host: landing page, business registration, and one sign-in for all staff.

Sign-in checks the password here, then hands the browser over to the user's own dashboard
host with a one-time token (see :mod:`app.accounts.handoff`): the answer to the POST is a
page that navigates there, never a cross-host redirect, which the page's own CSP
(``form-action 'self'``) forbids after a form submission.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from redis import RedisError

from app.accounts import handoff
from app.accounts.forms import ForgotPasswordForm, LoginForm, RegisterBusinessForm
from app.accounts.models import User
from app.accounts.passwords import request_password_reset
from app.accounts.services import authenticate
from app.core import ratelimit
from app.core.errors import InvalidCredentials
from app.core.i18n import normalize
from app.core.types import utcnow
from app.extensions import db, limiter
from app.tenants import services as tenant_services
from app.web.forms import form_status, submit

bp = Blueprint("main", __name__)
log = logging.getLogger(__name__)

# How long the "registered" page may still open the new owner's dashboard without a password.
REGISTERED_SIGNIN_SECONDS = 30 * 60


def tenant_url(sub: str, area: str | None = None, path: str = "/") -> str:
    host = f"{area}.{sub}" if area else sub
    scheme = current_app.config.get("PREFERRED_URL_SCHEME", "http")
    return f"{scheme}://{host}.{current_app.config['SERVER_NAME']}{path}"


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _handoff_page(user: User, remember: bool = False):
    """200: a page that takes the browser to ``user``'s dashboard, signed in."""
    try:
        token = handoff.issue(user, remember=remember, language=normalize(session.get("lang")))
    except RedisError:
        log.exception("sign-in handoff unavailable; pointing to the dashboard's own sign-in")
        token = None
    target = handoff.handoff_url(user, token) if token else handoff.dashboard_url(user, "/login")
    page = render_template("main/handoff.html", target=target, signed_in=bool(token), user=user)
    return _no_store(make_response(page, 200))


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
        tenant, owner = result
        # The registered page may open the new owner's dashboard, signed in, for a while.
        session["registered"] = {"uid": owner.id, "sub": tenant.subdomain, "at": utcnow().timestamp()}
        return redirect(url_for("main.registered", sub=tenant.subdomain))
    return render_template("main/register.html", form=form, errors=errors), form_status(form, errors)


def _just_registered(sub: str) -> User | None:
    info = session.get("registered")
    if not isinstance(info, dict) or info.get("sub") != sub:
        return None
    try:
        fresh = utcnow().timestamp() - float(info.get("at", 0)) < REGISTERED_SIGNIN_SECONDS
        user = db.session.get(User, int(info.get("uid", 0))) if fresh else None
    except (TypeError, ValueError):
        return None
    if user is None or not user.active or user.role != "owner" or user.tenant is None or user.tenant.subdomain != sub:
        return None
    return user


@bp.route("/registered/<sub>")
def registered(sub: str):
    can_open = _just_registered(sub) is not None
    owner_url = url_for("main.open_dashboard", sub=sub) if can_open else tenant_url(sub, "owner", "/login")
    return render_template("main/registered.html", sub=sub, owner_url=owner_url, public_url=tenant_url(sub))


@bp.route("/registered/<sub>/open")
def open_dashboard(sub: str):
    """The registered page's button: the new owner's dashboard, signed in (a link, not a form,
    so the redirect to the owner's host is an ordinary navigation)."""
    user = _just_registered(sub)
    if user is None:
        return redirect(tenant_url(sub, "owner", "/login"))
    session.pop("registered", None)
    try:
        token = handoff.issue(user, language=normalize(session.get("lang")))
    except RedisError:
        log.exception("sign-in handoff unavailable after registration")
        return redirect(tenant_url(sub, "owner", "/login"))
    return _no_store(redirect(handoff.handoff_url(user, token)))


@bp.route("/login", methods=["GET", "POST"])
@ratelimit.login_ip
@ratelimit.login_email
def login():
    """One sign-in for the owner, managers, masters and the platform admin: the account says
    which dashboard to open."""
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except InvalidCredentials as exc:
            form.password.errors = [str(exc.message)]
        else:
            return _handoff_page(user, remember=bool(form.remember.data))
    status = 401 if form.is_submitted() and form.errors else 200
    return render_template("main/login.html", form=form), status


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def forgot_password():
    """A reset link for any staff account, sent to the address; it opens the user's own
    dashboard host.  The same answer whether or not the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data)
        flash(_("If the address belongs to an account, we have sent a link to set a new password."), "info")
        return redirect(url_for("main.login"))
    return render_template("auth/forgot.html", form=form, title="Jazyl", tenant=None, area="main")
