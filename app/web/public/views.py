"""The client's "my bookings" pages: the list, a visit, cancelling and moving it, signing out.

The booking flow itself (location -> service -> master -> day -> time -> phone -> confirm)
is in :mod:`app.web.public.flow`, registered on the same blueprint (:mod:`app.web.public.site`).
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.accounts.clients import (
    revoke_client_token,
)
from app.bookings.services import (
    cancel_booking,
    get_booking_for,
    list_bookings_for,
    update_booking,
)
from app.core.auth import Actor
from app.core.db import savepoint
from app.core.errors import DomainError
from app.core.htmx import is_htmx, render_page_or_partial
from app.core.types import utcnow
from app.web.public.forms import RescheduleForm
from app.web.public.manage import calendar_links
from app.web.public.site import CLIENT_COOKIE, bp, current_client
from app.web.reschedule import move_booking, slot_picker


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


@bp.route("/my/<int:booking_id>/reschedule", methods=["GET", "POST"])
def booking_reschedule(booking_id: int):
    client, redirect_resp = _require_client()
    if redirect_resp:
        return redirect_resp
    b = _load_booking(client, booking_id)
    form = RescheduleForm()

    def move(start, _master_id):  # a client keeps the master
        update_booking(g.tenant, Actor.for_client(client), b, start=start)

    try:
        moved = move_booking(form, move)
    except DomainError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("public.my_bookings"))
    if moved.done:
        flash(_("The booking is moved."), "success")
        return redirect(url_for("public.booking", booking_id=b.id))
    if moved.posted:
        b = _load_booking(client, booking_id)
    picker = slot_picker(
        tz=b.timezone,
        day_arg=request.args.get("date"),
        service_id=b.service_id,
        master_id=b.master_id,
        location_id=b.location_id,
        endpoint="public.booking_reschedule",
        args={"booking_id": b.id},
    )
    return render_page_or_partial(
        "public/my/reschedule.html",
        "components/_slot_picker.html",
        tenant=g.tenant,
        b=b,
        form=form,
        taken=moved.taken,
        **picker,
    ), moved.status(form)
