"""The business's public booking site: location -> service -> master -> day -> slot -> phone -> confirm."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from app.accounts.clients import (
    client_from_token,
    complete_client_verification,
    revoke_client_token,
    start_client_verification,
)
from app.audit.services import Actor
from app.bookings.services import (
    cancel_booking,
    create_booking,
    get_booking_for,
    list_bookings_for,
    update_booking,
)
from app.catalog.queries import list_masters, list_services
from app.core.db import savepoint
from app.core.errors import DomainError, NotFound, SlotUnavailable, ValidationError
from app.core.hosts import require_active_tenant
from app.core.htmx import is_htmx, render_page_or_partial
from app.core.ratelimit import RateLimited
from app.core.redirects import safe_next
from app.core.types import utcnow
from app.extensions import limiter
from app.tenants.queries import list_locations
from app.web.forms import apply_errors
from app.web.public.forms import BookForm, CodeForm, PhoneForm, RescheduleForm
from app.web.staff_home import free_slots, local_today, parse_slot, picker_days

bp = Blueprint("public", __name__)
CLIENT_COOKIE = "jz_client"


@bp.before_request
def _only_active():
    require_active_tenant()
    client = current_client()
    if client is not None:
        g.actor_language = client.language


def current_client():
    """The verified client of this booking site (from the 30-day session cookie), or None."""
    if "public_client" not in g:
        token = request.cookies.get(CLIENT_COOKIE)
        g.public_client = client_from_token(g.tenant, token) if token else None
    return g.public_client


@bp.app_template_global("format_day")
def format_day(day, fmt: str = "medium") -> str:
    """A calendar date in the page's language (``EEE`` weekday, ``MMM`` month, ``full``...)."""
    return format_date(day, fmt)


def _pick(items: list, item_id):
    return next((i for i in items if i.id == item_id), None) if item_id is not None else None


def _selection(args) -> dict:
    """Resolve the wizard's choices from the query; unknown or foreign ids count as not chosen."""
    locations = list_locations()
    location = _pick(locations, args.get("location_id", type=int))
    if location is None and len(locations) == 1:
        location = locations[0]
    services = list_services(location_id=location.id) if location else []
    service = _pick(services, args.get("service_id", type=int))
    masters = list_masters(location_id=location.id, service_id=service.id) if service else []
    master_arg = args.get("master_id", "")
    master = _pick(masters, int(master_arg)) if master_arg.isdigit() else None
    any_master = master_arg == "any" and bool(masters)
    return {
        "locations": locations,
        "location": location,
        "services": services,
        "service": service,
        "masters": masters,
        "master": master,
        "any_master": any_master,
    }


def _picker(sel: dict, day_arg: str | None = None) -> dict:
    """The day strip and the free slots of the chosen day, in the location's time zone."""
    tenant, location = g.tenant, sel["location"]
    days = picker_days(location.timezone, tenant.horizon_days)
    day = next((d for d in days if d.isoformat() == day_arg), days[0])
    tz, slots = free_slots(
        tenant,
        service_id=sel["service"].id,
        day=day,
        master_id=sel["master"].id if sel["master"] else None,
        location_id=location.id,
        distinct_starts=sel["any_master"],
    )
    base = {
        "location_id": location.id,
        "service_id": sel["service"].id,
        "master_id": sel["master"].id if sel["master"] else "any",
    }
    return {
        "days": days,
        "day": day,
        "slots": slots,
        "tz": tz,
        "today": local_today(location.timezone),
        "picker_endpoint": "public.book",
        "picker_args": base,
        "slot_mode": "link",
        "slot_endpoint": "public.confirm",
        "slot_args": {"location_id": location.id, "service_id": sel["service"].id},
    }


@bp.route("/")
def index():
    return render_template(
        "public/index.html",
        tenant=g.tenant,
        locations=list_locations(),
        services=list_services(),
        masters=list_masters(),
    )


@bp.route("/book")
def book():
    sel = _selection(request.args)
    picker = _picker(sel, request.args.get("date")) if sel["service"] and (sel["master"] or sel["any_master"]) else {}
    return render_page_or_partial(
        "public/book/index.html", "components/_slot_picker.html", tenant=g.tenant, **sel, **picker
    )


def _confirm_context(form: BookForm) -> dict:
    sel = _selection(request.args if request.method == "GET" else request.form)
    master = _pick(sel["masters"], form.master_id.data)
    if sel["service"] is None or master is None or form.start.data is None:
        raise NotFound()
    tz = sel["location"].timezone
    return {
        "tenant": g.tenant,
        **sel,
        "master": master,
        "start": form.start.data,
        "form": form,
        "client": current_client(),
        "tz": tz,
        "start_day": form.start.data.astimezone(ZoneInfo(tz)).date(),
    }


@bp.route("/book/confirm")
def confirm():
    form = BookForm(formdata=request.args, meta={"csrf": False})
    form.validate()
    ctx = _confirm_context(form)
    book_form = BookForm(
        data={
            "location_id": ctx["location"].id,
            "service_id": ctx["service"].id,
            "master_id": ctx["master"].id,
            "start": ctx["start"],
        }
    )
    ctx["form"] = book_form
    ctx["verify_form"] = PhoneForm(data={"next": request.full_path})
    return render_template("public/book/confirm.html", **ctx)


@bp.route("/book", methods=["POST"])
def book_create():
    form = BookForm()
    client = current_client()
    if not form.validate():
        ctx = _confirm_context(form) if form.start.data and form.master_id.data else None
        if ctx is None:
            flash(_("Choose a time from the list."), "error")
            return redirect(url_for("public.book"))
        return render_template("public/book/confirm.html", verify_form=PhoneForm(), **ctx), 422
    if client is None:
        return redirect(
            url_for(
                "public.confirm",
                location_id=form.location_id.data,
                service_id=form.service_id.data,
                master_id=form.master_id.data,
                start=form.start.data.isoformat(),
            )
        )
    try:
        with savepoint():
            booking = create_booking(
                g.tenant,
                Actor.for_client(client),
                service_id=form.service_id.data,
                master_id=form.master_id.data,
                start=form.start.data,
                client=client,
                notes=form.notes.data or "",
                source="public",
            )
    except SlotUnavailable as exc:
        ctx = _confirm_context(form)
        sel = {k: ctx[k] for k in ("location", "service")} | {"master": None, "any_master": True}
        picker = _picker(sel, form.start.data.astimezone(ZoneInfo(ctx["tz"])).date().isoformat())
        return render_template(
            "public/book/confirm.html", verify_form=PhoneForm(), taken=str(exc.message), **ctx | picker | {"form": form}
        ), 409
    except ValidationError as exc:
        ctx = _confirm_context(form)
        errors = apply_errors(form, exc)
        return render_template("public/book/confirm.html", verify_form=PhoneForm(), errors=errors, **ctx), 422
    return redirect(url_for("public.booking", booking_id=booking.id, created=1))


# ---------------------------------------------------------------- phone verification


def _verify_next(form) -> str:
    return safe_next(form.next.data, url_for("public.my_bookings"))


def _render_verify(step: str, form, status: int = 200):
    return render_page_or_partial(
        "public/verify/index.html", "public/verify/_verify.html", tenant=g.tenant, step=step, form=form
    ), status


@bp.route("/verify", methods=["GET"])
def verify():
    return _render_verify("phone", PhoneForm(data={"next": request.args.get("next", "")}))


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
        return _render_verify("code", code_form, 429)
    return _render_verify("code", code_form)


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
    target = _verify_next(form)
    if is_htmx():
        resp = current_app.response_class("", status=204)
        resp.headers["HX-Redirect"] = target
    else:
        resp = redirect(target)
    resp.set_cookie(
        CLIENT_COOKIE,
        token,
        max_age=int(current_app.config["CLIENT_SESSION_TTL"].total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return resp


@bp.route("/logout", methods=["POST"])
def client_logout():
    token = request.cookies.get(CLIENT_COOKIE)
    if token:
        revoke_client_token(token)
    resp = redirect(url_for("public.index"))
    resp.delete_cookie(CLIENT_COOKIE)
    flash(_("You have signed out."), "info")
    return resp


# ---------------------------------------------------------------- my bookings


def _require_client():
    client = current_client()
    if client is None:
        return None, redirect(url_for("public.verify", next=request.full_path.rstrip("?")))
    return client, None


def _load_booking(client, booking_id: int):
    return get_booking_for(g.tenant, Actor.for_client(client), booking_id)


@bp.route("/my")
def my_bookings():
    client, redirect_resp = _require_client()
    if redirect_resp:
        return redirect_resp
    actor, now = Actor.for_client(client), utcnow()
    ahead, _n = list_bookings_for(g.tenant, actor, start_from=now, limit=100)
    past, _n = list_bookings_for(g.tenant, actor, start_to=now, limit=200)
    return render_template(
        "public/my/index.html",
        tenant=g.tenant,
        client=client,
        upcoming=[b for b in ahead if b.status != "cancelled"],  # a cancelled visit is not "upcoming"
        cancelled=[b for b in ahead if b.status == "cancelled"],
        past=list(reversed(past))[:20],
        now=now,
    )


@bp.route("/my/<int:booking_id>")
def booking(booking_id: int):
    client, redirect_resp = _require_client()
    if redirect_resp:
        return redirect_resp
    from app.web.public.manage import calendar_links

    b = _load_booking(client, booking_id)
    return render_template(
        "public/my/booking.html",
        tenant=g.tenant,
        b=b,
        created=request.args.get("created") == "1",
        now=utcnow(),
        **calendar_links(b),
    )


@bp.route("/my/<int:booking_id>/cancel", methods=["POST"])
def booking_cancel(booking_id: int):
    client, redirect_resp = _require_client()
    if redirect_resp:
        return redirect_resp
    b = _load_booking(client, booking_id)
    try:
        with savepoint():
            b = cancel_booking(g.tenant, Actor.for_client(client), b)
    except DomainError as exc:
        if is_htmx():
            raise
        flash(str(exc.message), "error")
        return redirect(url_for("public.my_bookings"))
    if is_htmx():
        return render_template("public/my/_booking.html", b=b, now=utcnow())
    flash(_("The booking is cancelled."), "success")
    if request.form.get("back") == "visit":
        return redirect(url_for("public.booking", booking_id=b.id))
    return redirect(url_for("public.my_bookings"))


def _reschedule_picker(b, day_arg: str | None) -> dict:
    days = picker_days(b.timezone, g.tenant.horizon_days)
    day = next((d for d in days if d.isoformat() == day_arg), days[0])
    tz, slots = free_slots(g.tenant, service_id=b.service_id, day=day, master_id=b.master_id, location_id=b.location_id)
    return {
        "days": days,
        "day": day,
        "slots": slots,
        "tz": tz,
        "today": local_today(b.timezone),
        "picker_endpoint": "public.booking_reschedule",
        "picker_args": {"booking_id": b.id},
        "slot_mode": "radio",
    }


@bp.route("/my/<int:booking_id>/reschedule", methods=["GET", "POST"])
def booking_reschedule(booking_id: int):
    client, redirect_resp = _require_client()
    if redirect_resp:
        return redirect_resp
    b = _load_booking(client, booking_id)
    form = RescheduleForm()
    error = None
    if form.validate_on_submit():
        slot = parse_slot(form.slot.data)
        if slot is None:
            form.slot.errors = [_("Choose a time from the list.")]
        else:
            try:
                with savepoint():
                    update_booking(g.tenant, Actor.for_client(client), b, start=slot[0])
            except SlotUnavailable as exc:
                error = str(exc.message)
            except DomainError as exc:
                flash(str(exc.message), "error")
                return redirect(url_for("public.my_bookings"))
            else:
                flash(_("The booking is moved."), "success")
                return redirect(url_for("public.booking", booking_id=b.id))
        b = _load_booking(client, booking_id)
    picker = _reschedule_picker(b, request.args.get("date"))
    status = 409 if error else 422 if form.errors else 200
    return render_page_or_partial(
        "public/my/reschedule.html",
        "components/_slot_picker.html",
        tenant=g.tenant,
        b=b,
        form=form,
        taken=error,
        **picker,
    ), status
