"""The kept booking page sent to a first-time visitor before Flask runs (app/web/public/fastpage.py).

The layer must be invisible: the same status, headers and page as Flask's own path (with
``PUBLIC_FAST_PAGES`` off), a CSRF token and session cookie of the visitor's own that the
booking form accepts, the rate limit counted once, no SQL; and every request it is not sure
about goes to Flask.  "Answered by the layer" is observed through Flask's
``request_started`` signal, which only Flask's path sends.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest

from app.extensions import db
from tests.conftest import HostClient, flask_requests

VOLATILE = {"Date", "X-Request-ID", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After", "Set-Cookie"}
TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def _url(salon, **extra) -> str:
    args = {"location_id": salon.location.id, "service_id": salon.service.id, "master_id": salon.master.id}
    args |= {"date": "2026-12-07", **extra}
    return "/book?" + "&".join(f"{k}={v}" for k, v in args.items())


def _visitor(app) -> HostClient:
    """Someone opening the link for the first time: no cookie (and none kept between requests)."""
    return HostClient(app.test_client(use_cookies=False), "anna")


@contextmanager
def layer_off(app):
    app.config["PUBLIC_FAST_PAGES"] = False
    try:
        yield
    finally:
        app.config["PUBLIC_FAST_PAGES"] = True


def _stable(resp) -> dict:
    return {k: v for k, v in resp.headers.items() if k not in VOLATILE}


def _cookie_attributes(resp) -> list[str]:
    (cookie,) = resp.headers.getlist("Set-Cookie")
    name, _, rest = cookie.partition("=")
    return [name, *sorted(part.strip() for part in rest.split(";")[1:])]


def _without_token(html: str) -> str:
    return TOKEN.sub("", html)


@pytest.mark.parametrize("accept", [None, "ru", "kk-KZ,kk;q=0.9,ru;q=0.5"], ids=["none", "ru", "kk"])
def test_a_first_visit_is_answered_before_flask_exactly_as_flask_answers(app, salon, accept):
    url = _url(salon)
    headers = {"Accept-Language": accept} if accept else {}
    first = _visitor(app).get(url, headers=headers)  # Flask: renders and keeps the page
    assert first.status_code == 200
    with layer_off(app):
        viewed = _visitor(app).get(url, headers=headers)
    with flask_requests(app) as seen:
        fast = _visitor(app).get(url, headers=headers)
    assert seen == [], "the first visit went through Flask"
    assert fast.status_code == viewed.status_code == 200
    assert _stable(fast) == _stable(viewed)
    assert _cookie_attributes(fast) == _cookie_attributes(viewed)
    page, viewed_page = fast.get_data(as_text=True), viewed.get_data(as_text=True)
    assert _without_token(page) == _without_token(viewed_page) == _without_token(first.get_data(as_text=True))
    lang = {None: "en", "ru": "ru", "kk-KZ,kk;q=0.9,ru;q=0.5": "kk"}[accept]
    assert f'<html lang="{lang}">' in page
    assert fast.headers["X-Request-ID"]


def test_each_visitor_gets_a_token_of_their_own_that_the_booking_form_accepts(app, salon, count_queries, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # as in production (the tests' config turns it off)
    url = _url(salon)
    _visitor(app).get(url)
    visitors = [HostClient(app.test_client(), "anna") for _ in range(2)]  # these keep their cookie
    tokens = []
    for visitor in visitors:
        with flask_requests(app) as seen, count_queries() as q:
            html = visitor.get(url).get_data(as_text=True)
        assert seen == [] and q.count == 0, q.statements
        tokens.append(TOKEN.search(html).group(1))
    assert tokens[0] != tokens[1]
    # The form posts with the visitor's own cookie: CSRF passes (the form itself then asks for
    # a time); another visitor's token does not.
    ok = visitors[0].post("/book", data={"csrf_token": tokens[0]})
    assert ok.status_code == 302
    refused = visitors[0].post("/book", data={"csrf_token": tokens[1]})
    assert refused.status_code == 400


@pytest.mark.parametrize(
    ("extra", "headers"),
    [
        ({}, {"Cookie": "jz_seen=1"}),  # any cookie: a returning visitor
        ({}, {"HX-Request": "true", "HX-Target": "flow"}),
        ({}, {"Authorization": "Bearer x"}),
        ({"lang": "ru"}, {}),  # remembered in the session
        ({"embed": "1"}, {}),  # framable: other headers
        ({"utm": "x"}, {}),  # not the flow's own query
        ({}, {"Accept-Language": "de"}),  # a header not seen yet for this business
    ],
    ids=["cookie", "htmx", "authorization", "lang", "embed", "other-query", "new-language"],
)
def test_anything_else_goes_to_flask(app, salon, extra, headers):
    url = _url(salon, **extra)
    _visitor(app).get(_url(salon))  # the plain page is kept and its language known
    with flask_requests(app) as seen:
        resp = _visitor(app).get(url, headers=headers)
    assert resp.status_code in (200, 302)
    assert len(seen) == 1, url


def test_a_head_request_or_a_closed_business_goes_to_flask(app, salon, commit):
    url = _url(salon)
    _visitor(app).get(url)
    with flask_requests(app) as seen:
        assert _visitor(app).head(url).status_code == 200
    assert len(seen) == 1
    tenant = db.session.merge(salon.tenant)
    tenant.status = "suspended"
    commit()
    with flask_requests(app) as seen:
        assert _visitor(app).get(url).status_code == 403
    assert len(seen) == 1


def test_a_change_of_the_business_languages_is_never_served_from_the_old_page(app, salon, commit):
    url = _url(salon)
    assert '<html lang="en">' in _visitor(app).get(url).get_data(as_text=True)
    tenant = db.session.merge(salon.tenant)
    tenant.default_language = "ru"
    commit()
    # Someone who asks for English keeps an English page under the new version, with the key
    # the old choice would name for a visitor who asks for nothing.
    assert '<html lang="en">' in _visitor(app).get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    with flask_requests(app) as seen:
        html = _visitor(app).get(url).get_data(as_text=True)
    assert seen, "the language was chosen under the old site version: Flask chooses again"
    assert '<html lang="ru">' in html
    with flask_requests(app) as seen:
        assert '<html lang="ru">' in _visitor(app).get(url).get_data(as_text=True)
    assert seen == []


@pytest.fixture
def limited_app(app_with_limits):
    return app_with_limits("3 per minute")


def test_the_limit_is_counted_once_on_the_limiters_own_key_with_one_round_trip(limited_app, salon, redis_trips):
    url = _url(salon)
    r = limited_app.extensions["redis"]
    answers, trips = [], []
    for _ in range(4):
        with flask_requests(limited_app) as seen, redis_trips() as sent:
            answers.append(_visitor(limited_app).get(url))
        trips.append((len(seen), len(sent)))
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    assert trips[2] == (0, 1), trips  # the third: the layer, one script call
    assert trips[3][0] == 1  # over the limit: Flask renders the 429
    assert [int(r.get(k)) for k in r.keys("LIMITS:*public.book*")] == [4]  # once per request
