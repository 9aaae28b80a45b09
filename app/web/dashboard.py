"""One login/logout/guard for every dashboard host (admin, owner, manager, master).

Each host has its own login page and its own host-only session cookie; the guard lets a
user in only with the host's role and, on a business host, only for that business.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.accounts import handoff as handoffs
from app.accounts import impersonation
from app.accounts.forms import ForgotPasswordForm, LoginForm, ResetPasswordForm, WelcomeForm
from app.accounts.passwords import (
    accept_invitation,
    request_password_reset,
    user_for_invitation_token,
    user_for_reset_token,
)
from app.accounts.passwords import reset_password as do_reset
from app.accounts.services import authenticate, end_web_session, start_web_session
from app.core import ratelimit
from app.core.errors import Forbidden, InvalidCredentials, ValidationError
from app.core.redirects import safe_next
from app.extensions import limiter


def make_dashboard(name: str, roles: tuple[str, ...], title) -> Blueprint:
    bp = Blueprint(name, __name__)
    public_endpoints = {
        f"{name}.login",
        f"{name}.logout",
        f"{name}.forgot_password",
        f"{name}.reset_password",
        f"{name}.handoff",
        f"{name}.welcome",
    }
    support_endpoints = {f"{name}.logout", f"{name}.support_allow", f"{name}.support_end"}

    @bp.before_request
    def _guard():
        if request.endpoint in public_endpoints:
            return None
        tenant = g.get("tenant")
        if (
            not current_user.is_authenticated
            or current_user.role not in roles
            or (tenant is not None and current_user.tenant_id != tenant.id)
            or (tenant is None and current_user.tenant_id is not None)
        ):
            if current_user.is_authenticated:
                logout_user()
            return redirect(url_for(f"{name}.login", next=request.full_path.rstrip("?")))
        g.actor_language = current_user.language
        if impersonation.active():
            g.support_label = impersonation.label()
            writes = request.method not in ("GET", "HEAD", "OPTIONS")
            if writes and impersonation.read_only() and request.endpoint not in support_endpoints:
                raise Forbidden(_("This support session is read-only. Choose “Allow changes” in the banner first."))
        return None

    @bp.route("/login", methods=["GET", "POST"])
    @ratelimit.login_ip
    @ratelimit.login_email
    def login():
        form = LoginForm()
        tenant = g.get("tenant")
        if form.validate_on_submit():
            try:
                user = authenticate(
                    form.email.data, form.password.data, roles=roles, tenant_id=tenant.id if tenant else None
                )
            except InvalidCredentials as exc:
                form.password.errors = [str(exc.message)]
            else:
                login_user(start_web_session(user), remember=form.remember.data)
                return redirect(safe_next(request.args.get("next"), url_for(f"{name}.index")))
        status = 401 if form.is_submitted() and form.errors else 200
        return render_template("auth/login.html", form=form, area=name, title=title, tenant=tenant), status

    @bp.route("/auth/handoff")
    def handoff():
        """Arrival from the main site's sign-in: spend the one-time token, open the session."""
        tenant = g.get("tenant")
        try:
            arrival = handoffs.consume(request.args.get("token"), roles=roles, tenant_id=tenant.id if tenant else None)
        except handoffs.HandoffRefused as exc:
            page = render_template(
                "auth/handoff_refused.html",
                reason=exc.reason,
                signin_url=url_for("main.login", _external=True),
                area=name,
                title=title,
                tenant=tenant,
            )
            response = make_response(page, 400)
            response.headers["Cache-Control"] = "no-store"
            return response
        if current_user.is_authenticated:
            end_web_session(current_user)
            logout_user()
        if arrival.language:
            session["lang"] = arrival.language
        login_user(start_web_session(arrival.user), remember=arrival.remember)
        impersonation.begin_session(arrival)
        return redirect(url_for(f"{name}.index"))

    @bp.route("/auth/support/allow", methods=["POST"])
    def support_allow():
        """The admin in a support session allows changes (audited)."""
        impersonation.allow_changes(current_user)
        flash(_("Changes are allowed for this support session."), "info")
        return redirect(safe_next(request.referrer, url_for(f"{name}.index")))

    @bp.route("/auth/support/end", methods=["POST"])
    def support_end():
        """End the support session: audited, signed out here, back to the admin panel."""
        tenant_id = current_user.tenant_id
        impersonation.end(current_user)
        end_web_session(current_user)
        logout_user()
        target = url_for("admin.tenant_detail", tenant_id=tenant_id, _external=True)
        # A page that navigates, not a redirect: the form's CSP (form-action 'self') forbids another host.
        return render_template("main/handoff.html", target=target, signed_in=True)

    @bp.route("/welcome/<token>", methods=["GET", "POST"])
    @limiter.limit("10 per minute", methods=["POST"])
    def welcome(token: str):
        """An invited member of staff sets a first password and is signed in."""
        tenant = g.get("tenant")
        user = user_for_invitation_token(token)
        if user is None or user.role not in roles or (tenant is not None and user.tenant_id != tenant.id):
            page = render_template("auth/welcome.html", form=None, area=name, title=title, tenant=tenant, invalid=True)
            return page, 400
        g.actor_language = user.language  # the page speaks the invitee's language, like the email
        form = WelcomeForm()
        if form.validate_on_submit():
            try:
                accept_invitation(token, form.password.data)
            except ValidationError as exc:
                form.password.errors = [m for msgs in (exc.details or {}).values() for m in msgs]
            else:
                if current_user.is_authenticated:
                    logout_user()
                login_user(start_web_session(user))
                flash(_("Your password is set. Welcome!"), "success")
                return redirect(url_for(f"{name}.index"))
        status = 422 if form.is_submitted() and form.errors else 200
        page = render_template("auth/welcome.html", form=form, area=name, title=title, tenant=tenant, user=user)
        return page, status

    @bp.route("/logout", methods=["POST"])
    def logout():
        if current_user.is_authenticated:
            end_web_session(current_user)
        logout_user()
        flash(_("You have signed out."), "info")
        return redirect(url_for(f"{name}.login"))

    @bp.route("/forgot", methods=["GET", "POST"])
    @limiter.limit("5 per minute", methods=["POST"])
    def forgot_password():
        form = ForgotPasswordForm()
        tenant = g.get("tenant")
        if form.validate_on_submit():
            # The same answer whether or not the account exists (no user enumeration).
            request_password_reset(form.email.data, roles=roles, tenant_id=tenant.id if tenant else None)
            flash(_("If the address belongs to an account, we have sent a link to set a new password."), "info")
            return redirect(url_for(f"{name}.login"))
        return render_template("auth/forgot.html", form=form, area=name, title=title, tenant=tenant)

    @bp.route("/reset/<token>", methods=["GET", "POST"])
    @limiter.limit("10 per minute", methods=["POST"])
    def reset_password(token: str):
        tenant = g.get("tenant")
        user = user_for_reset_token(token)
        if user is None or user.role not in roles or (tenant is not None and user.tenant_id != tenant.id):
            flash(_("This link is invalid or has expired. Ask for a new one."), "error")
            return redirect(url_for(f"{name}.forgot_password"))
        form = ResetPasswordForm()
        if form.validate_on_submit():
            try:
                do_reset(token, form.password.data)
            except ValidationError as exc:
                form.password.errors = [m for msgs in (exc.details or {}).values() for m in msgs]
            else:
                flash(_("Your password is set. Sign in with it now."), "info")
                return redirect(url_for(f"{name}.login"))
        return render_template("auth/reset.html", form=form, area=name, title=title, tenant=tenant)

    return bp
