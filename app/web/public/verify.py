"""Phone verification on the public site: a code by SMS, then the client's cookie.

Alone on ``/verify`` or as a step inside the booking flow's page (an htmx partial).
"""

from __future__ import annotations

import json

from flask import current_app, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale

from app.accounts.clients import code_state, complete_client_verification, start_client_verification
from app.core.db import savepoint
from app.core.errors import ValidationError
from app.core.htmx import is_htmx
from app.core.phones import normalize_phone
from app.core.ratelimit import RateLimited
from app.core.redirects import safe_next
from app.extensions import limiter
from app.web.forms import apply_errors
from app.web.public.forms import CodeForm, PhoneForm
from app.web.public.site import bp, partial, set_client_cookie

PENDING_PHONE = "public_pending_phone"  # the phone whose code was sent, kept across reloads


def verify_context(next_url: str) -> dict:
    """The phone step, or the code step when a code sent to this browser is still live."""
    phone = session.get(PENDING_PHONE)
    if phone:
        state = code_state(phone)
        if state.live or state.resend_at:
            return {
                "verify_step": "code",
                "verify_form": CodeForm(data={"phone": phone, "next": next_url}),
                "code": state,
            }
    return {"verify_step": "phone", "verify_form": PhoneForm(data={"next": next_url})}


def _render_verify(step: str, form, status: int = 200, state=None):
    """The verification step: alone on /verify, or inside the booking page's flow."""
    ctx = {"tenant": g.tenant, "verify_step": step, "verify_form": form, "code": state}
    if step == "code" and state is None and form.phone.data:
        try:
            ctx["code"] = code_state(form.phone.data)
        except ValidationError:
            ctx["code"] = None
    template = "public/verify/_verify.html" if partial() else "public/verify/index.html"
    return render_template(template, **ctx), status


@bp.route("/verify", methods=["GET"])
def verify():
    if request.args.get("change") == "1":
        session.pop(PENDING_PHONE, None)
        return _render_verify("phone", PhoneForm(data={"next": request.args.get("next", "")}))
    ctx = verify_context(request.args.get("next", ""))
    return _render_verify(ctx["verify_step"], ctx["verify_form"], state=ctx.get("code"))


@bp.route("/verify", methods=["POST"])
@limiter.limit("10 per minute", methods=["POST"])
def verify_start():
    form = PhoneForm()
    if not form.validate():
        return _render_verify("phone", form, 422)
    code_form = CodeForm(data={"phone": form.phone.data, "next": form.next.data})
    try:
        with savepoint():
            start_client_verification(g.tenant, form.phone.data, str(get_locale() or "en"))
    except ValidationError as exc:
        apply_errors(form, exc)
        return _render_verify("phone", form, 422)
    except RateLimited as exc:
        code_form.code.errors = [str(exc.message)]
        session[PENDING_PHONE] = normalize_phone(form.phone.data)
        return _render_verify("code", code_form, 429)
    session[PENDING_PHONE] = normalize_phone(form.phone.data)
    return _render_verify("code", code_form)


def _verify_next(form) -> str:
    return safe_next(form.next.data, url_for("public.my_bookings"))


@bp.route("/verify/code", methods=["POST"])
@limiter.limit("20 per minute", methods=["POST"])
def verify_complete():
    form = CodeForm()
    if not form.validate():
        return _render_verify("code", form, 422)
    try:
        with savepoint():  # a wrong code is counted by the service itself, outside this transaction
            _client, token = complete_client_verification(
                g.tenant,
                form.phone.data,
                form.code.data.strip(),
                name=(form.name.data or "").strip() or None,
                language=str(get_locale() or "en"),
            )
    except ValidationError as exc:
        orphans = apply_errors(form, exc)
        form.code.errors = list(form.code.errors or []) + orphans
        return _render_verify("code", form, 422)
    session.pop(PENDING_PHONE, None)
    target = _verify_next(form)
    if is_htmx():
        resp = current_app.response_class("", status=204)
        if target.startswith(("/book", "/book?")) and partial() == "verify-step":
            # Back to the booking page's next step, swapped in place like every other step.
            resp.headers["HX-Location"] = json.dumps({"path": target, "target": "#flow", "swap": "outerHTML"})
        else:
            resp.headers["HX-Redirect"] = target
    else:
        resp = redirect(target)
    return set_client_cookie(resp, token)
