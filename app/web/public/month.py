"""The booking flow's month calendar and day's times, prepared for ``public/book/_calendar.html``.

A month page shows some thirty day links (a URL, a weekday, a month and a full date each)
and often a few dozen time links.  Built one by one in the template that was about a
hundred Babel date formats and fifty ``url_for`` calls per page, most of the page's CPU.
Here the links of a kind share one URL built once (:func:`app.web.public.site.url_pattern`)
and the texts come from :func:`app.web.public.site.format_day`, which remembers them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.core.templating import local_time, reader_language, tr
from app.web.public.site import OPEN, format_day, url_pattern


def _translated(text: str) -> Markup:
    """A translation as the template's ``_()`` gives it (marked safe, newstyle ``%`` applied)."""
    return Markup(text) % {}  # noqa: S704 -- as the template's _(): the catalogue's text is trusted


@dataclass(slots=True)
class Day:
    """A day of the month grid inside the booking window: its link and texts."""

    day: int
    iso: str
    href: str
    css: str  # "day", then "free" or "full", "selected", "today"
    selected: bool
    label: Markup  # the full date, and "no free time" when it has none
    weekday: Markup | str  # "Today" or the short weekday
    month: str


@dataclass(slots=True)
class Slot:
    """A free time's link to the confirmation."""

    iso: str
    href: str
    time: str
    label: Markup  # the time, and the master's name in "any master"


def month_grid(weeks, md, *, day: date, today: date, free: set, calendar_args: dict) -> list[list]:
    """``weeks`` (dates Monday..Sunday, None for padding) with every date inside the booking
    window turned into its :class:`Day`, a date outside it into its day of the month (padding
    stays None)."""
    lang = reader_language()
    day_url = url_pattern("public.book", **calendar_args, date=OPEN)
    no_free = _translated(_("no free time"))
    today_word = _translated(_("Today"))
    first, last = md.first, md.last
    grid = []
    for week in weeks:
        row: list = []
        for d in week:
            if d is None or not first or d < first or d > last:
                row.append(d and d.day)
                continue
            iso = d.isoformat()
            is_free = d in free
            full = escape(format_day(d, "full", lang))
            row.append(
                Day(
                    day=d.day,
                    iso=iso,
                    href=day_url(date=iso),
                    css="day"
                    + (" free" if is_free else " full")
                    + (" selected" if d == day else "")
                    + (" today" if d == today else ""),
                    selected=d == day,
                    label=full if is_free else Markup(f"{full}: {no_free}"),  # noqa: S704 -- both escaped
                    weekday=today_word if d == today else format_day(d, "EEE", lang),
                    month=format_day(d, "MMM", lang),
                )
            )
        grid.append(row)
    return grid


def weekday_names(weeks) -> list[str]:
    """The grid's column heads, Monday..Sunday ("Mo", "Tu"... in the page's language)."""
    lang = reader_language()
    return [format_day(d, "EEEEEE", lang) for d in weeks[1] if d]


@functools.lru_cache(maxsize=8192)
def _time_text(start: datetime, tz: str, lang: str) -> str:
    with force_locale(lang):
        return local_time(start, tz)


def slot_links(slots, *, tz: str, masters: dict, calendar_args: dict, embed: bool) -> list[Slot]:
    """The day's free times (``{"start", "master_id"}``) as links to the confirmation; in
    the widget without ``embed`` (it opens in a new tab of the business's site)."""
    lang = reader_language()
    confirm_url = url_pattern(
        "public.confirm",
        location_id=calendar_args["location_id"],
        service_id=calendar_args["service_id"],
        master_id=OPEN,
        start=OPEN,
        **({"embed": None} if embed else {}),
    )
    names: dict = {}
    links = []
    for s in slots:
        start, master_id = s["start"], s["master_id"]
        iso = start.isoformat()
        time = _time_text(start, tz, lang)
        label = escape(time)
        who = masters.get(master_id)
        if who is not None:
            if master_id not in names:
                names[master_id] = escape(tr(who))
            label = Markup(f"{label}, {names[master_id]}")  # noqa: S704 -- both escaped
        links.append(Slot(iso=iso, href=confirm_url(master_id=master_id, start=iso), time=time, label=label))
    return links
