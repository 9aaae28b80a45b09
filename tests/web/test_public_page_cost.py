"""The booking page's month calendar builds its links and texts once, not per day, and
gives the same links and texts as building each one would; the templates' bound gettext
says what Flask-Babel's does."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from babel import dates as babel_dates
from flask import render_template_string, url_for
from werkzeug.routing import MapAdapter

from app.web.public.site import OPEN, url_pattern


def _book_url(salon, **extra) -> str:
    args = {"location_id": salon.location.id, "service_id": salon.service.id, "master_id": salon.master.id, **extra}
    return "/book?" + "&".join(f"{k}={v}" for k, v in args.items())


@pytest.fixture
def counted(monkeypatch):
    """Counts werkzeug URL builds and Babel date formats."""
    counts = {"urls": 0, "dates": 0}
    build, format_date = MapAdapter.build, babel_dates.format_date

    def counting_build(self, *a, **kw):
        counts["urls"] += 1
        return build(self, *a, **kw)

    def counting_format_date(*a, **kw):
        counts["dates"] += 1
        return format_date(*a, **kw)

    monkeypatch.setattr(MapAdapter, "build", counting_build)
    monkeypatch.setattr(babel_dates, "format_date", counting_format_date)
    return counts


@pytest.mark.parametrize("master", ["one", "any"])
def test_a_month_page_builds_a_few_urls_and_remembers_its_date_texts(salon, host_client, counted, master):
    c = host_client("anna")
    url = _book_url(salon, date="2026-12-07", **({"master_id": "any"} if master == "any" else {}))
    html = c.get(url).get_data(as_text=True)
    days = len(re.findall(r'<a href="[^"]*" hx-get="[^"]*"[^>]*\n\s*class="day', html))
    slots = html.count('class="outline slot"')
    assert days >= 20 and slots >= 5, (days, slots)
    counted["urls"] = counted["dates"] = 0
    c.get(url)
    # Not one per day and time: the page's own links, one for all days and one for all times.
    assert counted["urls"] <= 12, counted
    assert counted["dates"] <= 1, counted  # every date's text is remembered (the notice's is not needed)


def test_url_pattern_gives_what_url_for_gives(salon, app):
    starts = [datetime.fromisoformat("2026-12-07T09:00:00+05:00"), datetime.fromisoformat("2026-12-07T09:15:00-03:30")]
    for query in ("", "?embed=1", "?embed=1&lang=ru"):
        with app.test_request_context(f"/book{query}", base_url="http://anna.localhost:5000"):
            app.preprocess_request()
            book = url_pattern("public.book", location_id=OPEN, service_id=None, master_id="any")
            for value in (1, 22, "a b&c=d+e/é~"):
                assert book(location_id=value) == url_for("public.book", location_id=value, master_id="any")
            confirm = url_pattern("public.confirm", location_id=3, service_id=4, master_id=OPEN, start=OPEN, embed=None)
            for start in starts:
                expected = url_for(
                    "public.confirm", location_id=3, service_id=4, master_id=7, start=start.isoformat(), embed=None
                )
                assert confirm(master_id=7, start=start.isoformat()) == expected
            # An open value in the path: each URL is built in full.
            manage = url_pattern("public.booking", booking_id=OPEN)
            assert manage(booking_id=5) == url_for("public.booking", booking_id=5)


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_the_templates_bound_gettext_says_what_flask_babel_says(app, lang):
    source = (
        "{{ _('Book a visit') }}|{{ _('Next free day: %(day)s', day='<b>') }}|"
        "{% for n in (1, 2, 5, 21) %}{{ ngettext('%(num)d minute', '%(num)d minutes', n) }};{% endfor %}"
        "{% trans %}Change{% endtrans %}"
    )
    with app.test_request_context(f"/?lang={lang}"):
        bound = render_template_string(source)  # with the context processor's gettext
        plain = app.jinja_env.from_string(source).render()  # Jinja's newstyle gettext around Flask-Babel's
    assert bound == plain
    assert "&lt;b&gt;" in bound
    if lang != "en":
        assert "Book a visit" not in bound


def test_the_remembered_texts_follow_the_language(salon, host_client):
    c = host_client("anna")
    for lang, full, weekday in (("ru", "вторник, 8 декабря 2026", "вт"), ("en", "Tuesday, December 8, 2026", "Tue")):
        html = c.get(_book_url(salon, date="2026-12-08", lang=lang)).get_data(as_text=True)
        cell = rf'id="day-2026-12-08"\s+aria-label="{full}[^"]*">\s*<small class="wd">{weekday}</small>'
        assert re.search(cell, html), lang
