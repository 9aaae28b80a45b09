"""The booking page's month calendar builds its links and texts once, not per day, and
gives the same links and texts as building each one would; the templates' bound gettext
says what Flask-Babel's does.  A warm page is the page kept in Redis
(app.web.public.fragments): two script calls, no SQL, and never older than what it shows."""

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
def test_a_month_page_builds_a_few_urls_and_remembers_its_date_texts(salon, host_client, counted, master, monkeypatch):
    from app.web.public import fragments

    monkeypatch.setattr(fragments, "find", lambda template, page: fragments.Kept())  # built, not the kept page
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


# ---------------------------------------------------------------- the kept page (app.web.public.fragments)
#
# A warm booking page is the page kept in Redis, found with the tenant's versions in one
# script call; these tests show that it is never older than what it shows.


def _calendar_url(salon, **extra) -> str:
    return _book_url(salon, date="2026-12-07", **extra)


HTMX = {
    "page": {},
    "flow": {"HX-Request": "true", "HX-Target": "flow"},
    "calendar": {"HX-Request": "true", "HX-Target": "slot-picker"},
}


@pytest.mark.parametrize("part", HTMX)
def test_a_warm_calendar_page_is_two_redis_round_trips_and_no_sql(salon, host_client, count_queries, redis_trips, part):
    """The tenant (one script call), then the kept page with its versions checked (another):
    no list, calendar or template is built.  (Where the rate limiter shares the cache's
    Redis, the first call also counts the request: bench/profile_read.py shows two.)"""
    c = host_client("anna")
    for url in (_calendar_url(salon), _calendar_url(salon, master_id="any")):
        first = c.get(url, headers=HTMX[part])
        assert first.status_code == 200
        with count_queries() as q, redis_trips() as trips:
            warm = c.get(url, headers=HTMX[part])
        assert warm.status_code == 200
        assert q.count == 0, q.statements
        assert len(trips) == 2, trips
        assert all(t[0] == "EVALSHA" for t in trips), trips
        assert warm.get_data() == first.get_data() or part == "page"  # a page differs in its CSRF token only
        assert "2026-12-07T09:00:00+05:00" in warm.get_data(as_text=True)


def _without_token(html: str) -> str:
    return re.sub(r'<meta name="csrf-token" content="[^"]*">', "", html)


@pytest.mark.parametrize("part", HTMX)
def test_the_kept_page_is_the_page_rendered_afresh(salon, host_client, monkeypatch, part):
    from app.web.public import fragments

    c = host_client("anna")
    for url in (_calendar_url(salon), _calendar_url(salon, master_id="any", lang="ru"), "/book", _book_url(salon)):
        c.get(url, headers=HTMX[part])
        kept = c.get(url, headers=HTMX[part]).get_data(as_text=True)
        with monkeypatch.context() as m:
            m.setattr(fragments, "find", lambda template, page: fragments.Kept())
            fresh = c.get(url, headers=HTMX[part]).get_data(as_text=True)
        # the same client: the same CSRF token; its signature carries the second it was signed in
        assert _token_payload(kept) == _token_payload(fresh)


def _token_payload(html: str) -> str:
    """The page with its CSRF token cut to the signed value (``value.timestamp.signature``:
    two requests a second apart sign the same session token differently)."""
    return re.sub(r'(<meta name="csrf-token" content="[^".]*)\.[^"]*"', r'\1"', html)


def _starts(html: str) -> list[str]:
    return re.findall(r'data-start="([^"]+)"', html)


def test_a_booking_takes_its_time_off_the_kept_page(salon, app, host_client, sms_codes, redis_trips):
    """A booking made on the site moves the master's schedule version: the next visitor's
    page is built afresh and no longer offers the taken time."""
    from tests.web.test_public_booking import _verify

    start = "2026-12-07T10:00:00+05:00"
    visitor, booker = host_client("anna"), _visitor(app)
    for url in (_calendar_url(salon), _calendar_url(salon, master_id="any")):
        visitor.get(url)
        with redis_trips() as trips:
            assert start in _starts(visitor.get(url).get_data(as_text=True))
        assert len(trips) == 2, trips  # the kept page
    _verify(booker, sms_codes)
    resp = booker.post("/book", data={"service_id": salon.service.id, "master_id": salon.master.id, "start": start})
    assert resp.status_code == 302, resp.get_data(as_text=True)[-500:]
    for url in (_calendar_url(salon), _calendar_url(salon, master_id="any")):
        starts = _starts(visitor.get(url).get_data(as_text=True))
        assert start not in starts
        assert "2026-12-07T09:00:00+05:00" in starts and "2026-12-07T11:00:00+05:00" in starts


def test_time_off_and_service_changes_show_at_once(salon, host_client):
    from datetime import UTC

    from app.catalog.services import update_service
    from app.core.auth import Actor
    from app.extensions import db
    from app.scheduling.schedules import add_time_off

    c = host_client("anna")
    url = _calendar_url(salon)
    c.get(url)
    html = c.get(url).get_data(as_text=True)
    assert "Haircut" in html and 'id="day-2026-12-07"' in html and "2026-12-07T15:00:00+05:00" in _starts(html)
    owner = Actor.for_user(salon.owner)
    add_time_off(
        salon.tenant, owner, salon.master, datetime(2026, 12, 7, 9, tzinfo=UTC), datetime(2026, 12, 8, tzinfo=UTC)
    )
    db.session.commit()
    html = c.get(url).get_data(as_text=True)
    assert "2026-12-07T15:00:00+05:00" not in _starts(html)  # 14:00 local on is time off
    assert "2026-12-07T09:00:00+05:00" in _starts(html)
    update_service(salon.tenant, owner, salon.service, {"name": "Long haircut"})
    db.session.commit()
    html = c.get(url).get_data(as_text=True)
    assert "Long haircut" in html


def test_the_kept_page_follows_the_clock(salon, host_client, frozen_now):
    """Times that have begun leave the page (the kept page's key holds the minute)."""
    from datetime import timedelta

    from tests.web.conftest import NOW

    c = host_client("anna")
    url = _calendar_url(salon)
    c.get(url)
    assert "2026-12-07T09:00:00+05:00" in _starts(c.get(url).get_data(as_text=True))
    frozen_now(NOW + timedelta(hours=1, seconds=1))  # 09:00:01 local, an hour's notice: 10:00 is gone too
    starts = _starts(c.get(url).get_data(as_text=True))
    assert starts[0] == "2026-12-07T10:15:00+05:00", starts


def test_the_stretches_of_time_a_kept_page_lives_in():
    from app.web.public.fragments import _window

    m = 29_000_000 * 60
    assert _window(m) == (29_000_000, 0)
    assert _window(m + 0.25) == _window(m + 0.999) == (29_000_000, 1)
    assert _window(m + 1) == _window(m + 59.999) == (29_000_000, 2)
    assert _window(m + 60) == (29_000_001, 0)


def _visitor(app):
    """A new visitor of the booking site (their own cookies)."""
    from tests.conftest import HostClient

    return HostClient(app.test_client(), "anna")


def test_each_language_has_its_own_kept_page(salon, app):
    """?lang=, the language remembered in the visitor's session and Accept-Language all
    choose the page's language; each language is kept apart."""
    url = _calendar_url(salon)
    words = {"en": "Book a visit", "ru": "Записаться", "kk": "Жазылу"}
    pages = {}
    for lang in words:
        c = _visitor(app)
        c.get(url + f"&lang={lang}")
        pages[lang] = c.get(url + f"&lang={lang}").get_data(as_text=True)
        assert f'<html lang="{lang}">' in pages[lang]
        # The language stays in the visitor's session: the same URL without ?lang= is theirs.
        assert f'<html lang="{lang}">' in c.get(url).get_data(as_text=True)
    assert len({_without_token(p) for p in pages.values()}) == 3
    assert words["ru"] in pages["ru"] and words["en"] not in pages["ru"]
    assert words["kk"] in pages["kk"] and words["ru"] not in pages["kk"]
    # A new visitor gets the default, another asks for Russian in the header.
    assert '<html lang="en">' in _visitor(app).get(url).get_data(as_text=True)
    html = _visitor(app).get(url, headers={"Accept-Language": "ru-RU,ru;q=0.9"}).get_data(as_text=True)
    assert '<html lang="ru">' in html


def test_nothing_of_one_visitor_is_kept(salon, app):
    """A page is kept with a hole for the CSRF token; each visitor gets their own, and a
    visitor with a flashed message sees it while others do not."""
    from app.core import cache

    url = _calendar_url(salon)
    a, b = _visitor(app), _visitor(app)
    token = {}
    for name, c in (("a", a), ("b", b)):
        html = c.get(url).get_data(as_text=True)
        token[name] = re.search(r'<meta name="csrf-token" content="([^"]+)">', html).group(1)
    assert token["a"] != token["b"]
    with a.client.session_transaction(headers={"Host": a.host}) as s:
        s["_flashes"] = [("info", "Only for a")]
    assert "Only for a" in a.get(url).get_data(as_text=True)
    assert "Only for a" not in b.get(url).get_data(as_text=True)
    assert "Only for a" not in a.get(url).get_data(as_text=True)  # shown once
    kept = [cache.client().get(k) for k in cache.client().scan_iter("jz:http:*")]
    assert kept and all(b"\x00jz-csrf-token\x00" in v for v in kept)
    assert not any(t.encode() in v for v in kept for t in token.values())
    assert not any(b"Only for a" in v for v in kept)


def test_only_the_flows_own_urls_are_kept(salon, host_client, redis_trips):
    """A query the flow's links never make (another parameter, one given twice) is answered
    afresh every time and not kept: made-up URLs cannot fill Redis."""
    from app.core import cache

    c = host_client("anna")
    for url in (_calendar_url(salon, utm="x"), _calendar_url(salon) + "&date=2026-12-08"):
        assert c.get(url).status_code == 200
        with redis_trips() as trips:
            assert c.get(url).status_code == 200
        assert len(trips) > 2, trips
    assert not list(cache.client().scan_iter("jz:http:*"))
    c.get(_calendar_url(salon, embed=1, lang="ru"))
    assert len(list(cache.client().scan_iter("jz:http:*"))) == 1


@pytest.fixture
def limited_app(app_config):
    """The app with its rate limits on (the testing config turns them off)."""
    from app import create_app
    from app.extensions import limiter

    limited = create_app("testing", RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="100 per minute", **app_config)
    try:
        yield limited
    finally:  # the limiter object is shared by every app of this process: switch it back off
        limiter.enabled = False
        limiter.initialized = False


def test_with_the_rate_limiter_on_a_warm_page_is_one_redis_round_trip(salon, limited_app, redis_trips):
    """The limiter's script call counts the request and brings the tenant and the kept page
    (the key names the language the page was last shown in for the same ?lang=, session
    language and Accept-Language: app.web.public.fragments.prefetch_key)."""
    from tests.conftest import HostClient

    c = HostClient(limited_app.test_client(), "anna")
    for url in (_calendar_url(salon), _calendar_url(salon, lang="ru")):
        first = c.get(url)
        c.get(url)  # (cold, the look-up that came with the limiter's call knew no tenant yet)
        with redis_trips() as trips:
            warm = c.get(url)
        assert warm.status_code == 200 and int(warm.headers["X-RateLimit-Remaining"]) > 0
        assert len(trips) == 1, trips
        assert _without_token(warm.get_data(as_text=True)) == _without_token(first.get_data(as_text=True))
    # ?lang=ru is remembered in the session: the page without ?lang= is built in Russian,
    # then found by the limiter's call (its language is now known for these inputs).
    counts = []
    for _ in range(2):
        with redis_trips() as trips:
            assert '<html lang="ru">' in c.get(_calendar_url(salon)).get_data(as_text=True)
        counts.append(len(trips))
    assert counts[0] > 2 and counts[1] == 1, counts


def test_a_wrong_guess_of_the_language_costs_a_round_trip_not_a_wrong_page(
    salon, limited_app, redis_trips, monkeypatch
):
    from app.web.public import fragments
    from tests.conftest import HostClient

    c = HostClient(limited_app.test_client(), "anna")
    en, ru = _calendar_url(salon), _calendar_url(salon) + "&lang=ru"
    for url in (en, en, ru, ru, ru):  # both kept; the last one's inputs include the session's "ru"
        c.get(url)
    english = HostClient(limited_app.test_client(), "anna")
    english.get(en)
    english.get(en)
    inputs = [k for k in fragments._LANGUAGES if k[0] == "anna" and k[1] == ("", None, "")]
    assert inputs and fragments._LANGUAGES[inputs[0]] == "en"
    monkeypatch.setitem(fragments._LANGUAGES, inputs[0], "ru")  # as if the business's default had changed
    with redis_trips() as trips:
        html = english.get(en).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert len(trips) == 2, trips  # the limiter's call brought the Russian page; the view looked again


def test_each_app_of_a_process_counts_its_own_default_limit(salon, limited_app, app_config):
    """The limiter object is shared by every app of a process: each app's page is still
    limited by its own RATELIMIT_DEFAULT, not by the first app's."""
    from app import create_app
    from tests.conftest import HostClient

    other = create_app("testing", RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="7 per minute", **app_config)
    url = _calendar_url(salon)
    assert HostClient(other.test_client(), "anna").get(url).headers["X-RateLimit-Limit"] == "7"
    assert HostClient(limited_app.test_client(), "anna").get(url).headers["X-RateLimit-Limit"] == "100"
