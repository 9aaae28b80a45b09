"""The booking flow of the public site: one page whose steps swap in place.

location -> service -> master -> day (month calendar) -> time -> phone -> confirm.

Every step is a plain link or form, so the flow works without JavaScript. With htmx the
same URLs answer with only the part of the page that changes (the ``HX-Target`` header
says which: the whole flow, or just the calendar) and push the URL, so back, reload and a
shared link show the same state. A history restore or a plain request gets the full page.

``?embed=1`` renders the same flow in a minimal layout that other sites may put in an
iframe (see :func:`app.core.security.allow_framing` and ``static/js/embed.js``); every
link of an embedded page keeps ``embed=1``.  Choosing a time opens the confirmation in a
new tab of the business's own site: phone verification and booking need the site's
cookies, which browsers do not send to a page framed by another site.

A warm ``GET /book`` is the HTML kept in Redis for the same URL, language and minute under
the versions of what it shows (:mod:`app.web.public.fragments`); only a miss builds it.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from app.bookings.services import create_booking
from app.catalog.queries import cached_masters, cached_services
from app.core import ratelimit
from app.core.auth import Actor
from app.core.db import savepoint
from app.core.errors import Forbidden, NotFound, SlotUnavailable, ValidationError
from app.core.templating import in_reading_order
from app.scheduling.calendar import booking_window, first_free_day, free_days, month_end, outside_window_message
from app.tenants.queries import cached_locations
from app.web.forms import apply_errors
from app.web.public import fragments
from app.web.public.forms import BookForm
from app.web.public.month import month_grid, slot_links, weekday_names
from app.web.public.site import bp, current_client, partial, pick
from app.web.public.verify import PENDING_PHONE, verify_context
from app.web.staff_home import free_slots, local_today

# ---------------------------------------------------------------- the steps


def _selection(args) -> dict:
    """Resolve the choices from the query; unknown, foreign or unbookable ids count as not chosen."""
    locations = in_reading_order(cached_locations(bookable=True))
    location = pick(locations, args.get("location_id", type=int))
    if location is None and len(locations) == 1:
        location = locations[0]
    services = in_reading_order(cached_services(bookable=True, location_id=location.id) if location else [])
    service = pick(services, args.get("service_id", type=int))
    masters = in_reading_order(
        cached_masters(bookable=True, location_id=location.id, service_id=service.id) if service else []
    )
    master_arg = args.get("master_id", "")
    master = pick(masters, int(master_arg)) if master_arg.isdigit() else None
    if master is None and len(masters) == 1:
        master = masters[0]  # only one master performs it here: nothing to choose
    any_master = master is None and master_arg == "any" and bool(masters)
    return {
        "locations": locations,
        "location": location,
        "services": services,
        "service": service,
        "service_arg": args.get("service_id", type=int),
        "masters": masters,
        "master": master,
        "any_master": any_master,
    }


def _weeks(md) -> list[list[date | None]]:
    """The month as weeks Monday..Sunday (None pads the first and last week)."""
    cells: list[date | None] = [None] * md.month.weekday()
    d = md.month
    last = month_end(md.month)
    while d <= last:
        cells.append(d)
        d = date.fromordinal(d.toordinal() + 1)
    cells += [None] * (-len(cells) % 7)
    return [cells[i : i + 7] for i in range(0, len(cells), 7)]


def _calendar(sel: dict, args) -> dict:
    """The month calendar and the chosen day's free times, in the location's time zone.

    ``?date=`` inside the booking window shows that day; outside it the page says so and
    opens the first day with a free time, as it does without a date. ``?month=`` shows a
    month and its first free day.
    """
    tenant, location, service = g.tenant, sel["location"], sel["service"]
    master_id = sel["master"].id if sel["master"] else None
    common = {"service_id": service.id, "master_id": master_id, "location_id": location.id}
    window_first, window_last = booking_window(tenant, location.timezone)
    notice, day, md = None, None, None
    date_arg, month_arg = args.get("date"), args.get("month")
    if date_arg:
        try:
            asked = date.fromisoformat(date_arg)
        except ValueError:
            notice = _("That link has no valid date. Here is the first day with a free time.")
        else:
            if window_first <= asked <= window_last:
                day = asked
                md = free_days(tenant, month=asked, **common)
            else:
                notice = _(
                    "%(date)s is outside the booking window: bookings are open from %(first)s to %(last)s.",
                    date=format_date(asked, "long"),
                    first=format_date(window_first, "long"),
                    last=format_date(window_last, "long"),
                )
    elif month_arg:
        try:
            month = date.fromisoformat(f"{month_arg}-01")
        except ValueError:
            month = None
        if month is not None:
            md = free_days(tenant, month=month, **common)
            if md.first is None:
                notice, md = outside_window_message(md), None
            else:
                day = md.free[0] if md.free else md.first
    if md is None:
        day, md = first_free_day(tenant, **common)
        if day is None:
            day = md.first or window_first
    tz, slots = free_slots(
        tenant,
        service_id=service.id,
        day=day,
        master_id=master_id,
        location_id=location.id,
        distinct_starts=sel["any_master"],
    )
    base = {
        "location_id": location.id,
        "service_id": service.id,
        "master_id": sel["master"].id if sel["master"] else "any",
    }
    masters = {m.id: m for m in sel["masters"]}
    free = set(md.free)
    weeks = _weeks(md)
    return {
        "md": md,
        "weeks": weeks,
        "grid": month_grid(weeks, md, day=day, today=local_today(location.timezone), free=free, calendar_args=base),
        "weekday_names": weekday_names(weeks),
        "free": free,
        "day": day,
        "day_free": day in free,
        "slots": slots,
        "slot_links": slot_links(slots, tz=tz, masters=masters, calendar_args=base, embed=bool(g.get("embed"))),
        "tz": tz,
        "notice": notice,
        "calendar_args": base,
        "nothing_free": not md.free and md.next_month is None and md.prev_month is None,
    }


PAGE = fragments.PAGE_TEMPLATE


def _flow_template(stage: str) -> str:
    """The whole page, or the part of it an htmx request swaps."""
    target = partial()
    if target == "slot-picker":
        return "public/book/_calendar.html"
    if target in ("flow", "verify-step") and stage != "verify":
        return "public/book/_flow.html"
    return PAGE


def _render_flow(stage: str, status: int = 200, kept: fragments.Kept | None = None, **ctx):
    """The flow's template; with ``kept`` the HTML kept in Redis, or rendered and kept there
    (:mod:`app.web.public.fragments`: a whole page with a hole for the CSRF token)."""
    ctx.setdefault("tenant", g.tenant)
    template = _flow_template(stage)
    if kept is None:
        return render_template(template, stage=stage, **ctx), status
    if kept.html is None:
        extra = {"csrf_token": fragments.hole} if template == PAGE else {}
        kept.html = render_template(template, stage=stage, **ctx, **extra)
        kept.store(kept.html)
    return (fragments.fill(kept.html) if template == PAGE else kept.html), status


def _opening_soon():
    return render_template("public/opening_soon.html", tenant=g.tenant)


@bp.route("/")
def index():
    locations = in_reading_order(cached_locations(bookable=True))
    if not locations:
        return _opening_soon()
    return render_template(
        "public/index.html",
        tenant=g.tenant,
        locations=locations,
        services=in_reading_order(cached_services(bookable=True)),
        masters=in_reading_order(cached_masters(bookable=True)),
    )


@bp.route("/embed")
def embed():
    """The widget's entry: the booking flow in the minimal, frameable layout."""
    args = {k: v for k, v in request.args.items() if k in ("location_id", "service_id", "master_id", "date", "lang")}
    return redirect(url_for("public.book", **args, embed=1))


def _prefetch():
    """The kept page's look-up, for the rate limiter's script call (app.core.ratelimit)."""
    if request.endpoint != "public.book" or request.method not in ("GET", "HEAD"):
        return None
    template = _flow_template("choose")
    return fragments.prefetch_key(template, page=template == PAGE)


ratelimit.set_prefetch(_prefetch)


@bp.route("/book")
def book():
    template = _flow_template("choose")
    kept = fragments.find(template, page=template == PAGE)
    if kept.html is not None:
        return _render_flow("choose", kept=kept)
    sel = _selection(request.args)
    if not sel["locations"]:
        return _opening_soon()
    if sel["service"] and (sel["master"] or sel["any_master"]):
        master_id = sel["master"].id if sel["master"] else None
        kept.calendar_of(sel["service"].id, master_id, sel["location"].id)  # before the calendar's data
        cal = _calendar(sel, request.args)
    else:
        kept.catalogue_only()
        cal = {}
    return _render_flow("choose", kept=kept, **sel, **cal)


# ---------------------------------------------------------------- confirm and book


def _confirm_context(form: BookForm, args) -> dict:
    sel = _selection(args)
    master = pick(sel["masters"], form.master_id.data)
    if sel["service"] is None or master is None or form.start.data is None:
        raise NotFound()
    tz = sel["location"].timezone
    return {
        "tenant": g.tenant,
        **sel,
        "master": master,
        "any_master": False,
        "start": form.start.data,
        "client": current_client(),
        "tz": tz,
        "start_day": form.start.data.astimezone(ZoneInfo(tz)).date(),
    }


@bp.route("/book/confirm")
def confirm():
    form = BookForm(formdata=request.args, meta={"csrf": False})
    form.validate()
    ctx = _confirm_context(form, request.args)
    ctx["form"] = BookForm(
        data={
            "location_id": ctx["location"].id,
            "service_id": ctx["service"].id,
            "master_id": ctx["master"].id,
            "start": ctx["start"],
        }
    )
    if ctx["client"] is None:
        ctx.update(verify_context(request.full_path))
    return _render_flow("confirm", **ctx)


@bp.route("/book", methods=["POST"])
def book_create():
    form = BookForm()
    client = current_client()
    if not form.validate():
        if not (form.start.data and form.master_id.data):
            flash(_("Choose a time from the list."), "error")
            return redirect(url_for("public.book"))
        ctx = _confirm_context(form, request.form)
        return _render_flow("confirm", 422, form=form, **ctx, **verify_context(""))
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
        ctx = _confirm_context(form, request.form)
        sel = {**ctx, "master": None, "any_master": True}
        cal = _calendar(sel, {"date": ctx["start_day"].isoformat()})
        return _render_flow("confirm", 409, taken=str(exc.message), **(ctx | cal | {"form": form}))
    except ValidationError as exc:
        ctx = _confirm_context(form, request.form)
        errors = apply_errors(form, exc)
        return _render_flow("confirm", 422, errors=errors, **(ctx | {"form": form}))
    except Forbidden as exc:  # e.g. the business's plan takes no more bookings this month (app.billing)
        ctx = _confirm_context(form, request.form)
        return _render_flow("confirm", 403, errors=[str(exc.message)], **(ctx | {"form": form}))
    session.pop(PENDING_PHONE, None)
    return redirect(url_for("public.booking", booking_id=booking.id, created=1))
