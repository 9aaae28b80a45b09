"""Warm public reads answered before Flask runs (app/api/v1/fastpath.py).

The layer must be invisible to callers: the same status, body and headers as the view's
own path (with ``API_FAST_READS`` off), the same rate-limit count, the same 403/404 for a
closed or foreign business, and the same log line and metrics.  "Answered by the layer" is
observed through Flask's ``request_started`` signal, which only the view's path sends.
"""

from __future__ import annotations

import gzip
import logging
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime

import pytest

from app.api.v1.caching import GZIP_MIN_BYTES, accepts_gzip
from app.core import tenancy
from app.extensions import db
from tests.conftest import flask_requests

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # a Monday 08:00 in Almaty: the day is ahead
API = "/api/v1/public/business"
HOST = "localhost:5000"
# Differ between any two answers, whoever gives them.
VOLATILE = {"Date", "X-Request-ID", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"}


@pytest.fixture
def shop(create_tenant, create_service, create_master, commit, frozen_now):
    frozen_now(NOW)
    tenant = create_tenant("anna", name="Anna Beauty")
    service = create_service(tenant, name="Haircut", duration=60, price="5000")
    master = create_master(tenant, name="Aigerim", services=[service])
    create_tenant("bella", name="Bella")
    commit()
    with tenancy.tenant_scope(tenant.id):
        location_id = master.location_id
    sid, mid = service.id, master.id
    return {
        "tenant": tenant,
        "urls": [
            f"{API}/anna",
            f"{API}/anna/services?location_id={location_id}",
            f"{API}/anna/masters?service_id={sid}",
            f"{API}/anna/availability?service_id={sid}&date=2026-12-07&master_id={mid}",
            f"{API}/anna/availability?service_id={sid}&date=2026-12-07&location_id={location_id}&days=7",
            f"{API}/anna/availability/days?service_id={sid}&month=2026-12",
        ],
    }


def _fetch(app, url, method="get", host=HOST, **headers):
    return getattr(app.test_client(), method)(url, headers={"Host": host, **headers})


def _stable(resp) -> dict:
    return {k: v for k, v in resp.headers.items() if k not in VOLATILE}


@pytest.fixture
def slow_path(app):
    @contextmanager
    def off():
        app.config["API_FAST_READS"] = False
        try:
            yield
        finally:
            app.config["API_FAST_READS"] = True

    return off


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Accept-Language": "kk"},
        {"Origin": "https://widget.example"},
        {"Accept-Encoding": "gzip, deflate, br"},
    ],
    ids=["plain", "kazakh", "cors", "gzip"],
)
def test_a_warm_read_is_answered_before_flask_exactly_as_the_view_answers(app, shop, slow_path, headers):
    app.config["CORS_ORIGINS"] = ["https://widget.example"]
    try:
        for url in shop["urls"]:
            cold = _fetch(app, url, **headers)  # fills the stored answer
            assert cold.status_code == 200, (url, cold.data[:200])
            with slow_path():
                viewed = _fetch(app, url, **headers)
            with flask_requests(app) as seen:
                fast = _fetch(app, url, **headers)
            assert seen == [], f"{url} went through Flask"
            assert fast.status_code == 200
            assert fast.data == viewed.data == cold.data
            assert _stable(fast) == _stable(viewed), url
            assert fast.headers["X-Request-ID"]
    finally:
        app.config["CORS_ORIGINS"] = []


def test_not_modified_and_head_match_the_view(app, shop, slow_path):
    url = shop["urls"][3]
    tag = _fetch(app, url).headers["ETag"]
    with slow_path():
        viewed_304 = _fetch(app, url, **{"If-None-Match": tag})
        viewed_head = _fetch(app, url, method="head")
    with flask_requests(app) as seen:
        fast_304 = _fetch(app, url, **{"If-None-Match": tag})
        fast_head = _fetch(app, url, method="head")
    assert seen == []
    assert fast_304.status_code == viewed_304.status_code == 304
    assert fast_304.data == b""
    assert _stable(fast_304) == _stable(viewed_304)
    assert fast_head.status_code == 200 and fast_head.data == b""
    assert _stable(fast_head) == _stable(viewed_head)
    # A stale tag gets the whole answer.
    assert _fetch(app, url, **{"If-None-Match": '"0000"'}).status_code == 200


def test_a_long_answer_is_kept_compressed_and_sent_compressed_to_clients_that_take_gzip(app, shop, slow_path):
    url, short_url = shop["urls"][4], shop["urls"][0]  # a location-week; the business
    assert _fetch(app, short_url).status_code == 200  # stored: the fast path may answer it
    plain = _fetch(app, url)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert len(plain.data) >= GZIP_MIN_BYTES
    assert "Accept-Encoding" in plain.headers["Vary"]
    # Redis keeps the compressed form (head line, then the gzip stream).
    r = app.extensions["redis"]
    kept = [r.get(k).partition(b"\n")[2] for k in r.scan_iter("jz:http:*")]
    packed = [body for body in kept if body[:2] == b"\x1f\x8b"]
    assert [gzip.decompress(body) for body in packed] == [plain.data]
    gz_tag = plain.headers["ETag"][:-1] + '-gz"'
    for path in ("fast", "view"):
        with slow_path() if path == "view" else nullcontext(), flask_requests(app) as seen:
            gz = _fetch(app, url, **{"Accept-Encoding": "gzip, deflate, br"})
            assert gz.status_code == 200 and gz.headers["Content-Encoding"] == "gzip", path
            assert gzip.decompress(gz.data) == plain.data
            assert len(gz.data) * 5 < len(plain.data) and int(gz.headers["Content-Length"]) == len(gz.data)
            assert gz.headers["ETag"] == gz_tag
            head = _fetch(app, url, method="head", **{"Accept-Encoding": "gzip"})
            assert head.data == b"" and head.headers["Content-Length"] == gz.headers["Content-Length"]
            # A client that does not take gzip gets the plain answer and its tag.
            for refuses in ("identity", "gzip;q=0, *", "br", ""):
                other = _fetch(app, url, **{"Accept-Encoding": refuses})
                assert "Content-Encoding" not in other.headers, (path, refuses)
                assert other.data == plain.data and other.headers["ETag"] == plain.headers["ETag"]
            # Either tag revalidates; the 304 names the one that matched.
            for tag in (gz_tag, plain.headers["ETag"]):
                again = _fetch(app, url, **{"Accept-Encoding": "gzip", "If-None-Match": tag})
                assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == tag
                assert "Content-Encoding" not in again.headers
            # A short answer is kept and sent as it is.
            short = _fetch(app, short_url, **{"Accept-Encoding": "gzip"})
            assert short.status_code == 200 and "Content-Encoding" not in short.headers
            assert "Accept-Encoding" in short.headers["Vary"]
        assert (seen == []) == (path == "fast"), path


def test_what_the_layer_keeps_per_process_is_bounded_and_tells_questions_apart(app, shop, monkeypatch):
    from app.api.v1 import caching, fastpath

    layer = app.wsgi_app
    assert isinstance(layer, fastpath.CachedReads)
    monkeypatch.setattr(fastpath, "ROUTES_KEPT", 2)
    monkeypatch.setattr(caching, "_KEYS_KEPT", 3)
    layer._routes.clear()
    caching._KEYS.clear()
    for url in shop["urls"]:
        assert _fetch(app, url).status_code == 200
    assert len(layer._routes) <= 2 and len(caching._KEYS) <= 3
    # The same path on another host, or in another language, is another question.
    assert _fetch(app, shop["urls"][0], host=f"bella.{HOST}").status_code == 404
    assert _fetch(app, shop["urls"][0], host=f"anna.{HOST}").status_code == 200
    english = _fetch(app, shop["urls"][0], **{"Accept-Language": "en"})
    kazakh = _fetch(app, shop["urls"][0], **{"Accept-Language": "kk"})
    assert english.headers["ETag"] != kazakh.headers["ETag"]
    with flask_requests(app) as seen:
        again = _fetch(app, shop["urls"][0], **{"Accept-Language": "kk"})
    assert seen == [] and again.headers["ETag"] == kazakh.headers["ETag"]


@pytest.mark.parametrize(
    ("header", "takes"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.8, *;q=0.1", True),
        ("x-gzip", True),
        ("*", True),
        ("GZIP", True),
        ("gzip;q=0, *", False),
        ("*;q=0", False),
        ("identity", False),
        ("br, deflate", False),
        ("", False),
        (None, False),
    ],
)
def test_which_accept_encoding_takes_gzip(header, takes):
    assert accepts_gzip(header) is takes


@pytest.mark.parametrize("debug", [False, True])
def test_an_answer_is_stored_as_jsonify_writes_it(app, debug, monkeypatch):
    """``json_body`` skips the response object, not a byte of jsonify's output: compact, or
    indented in debug mode; non-ASCII, dates and decimals as the app's JSON provider writes them."""
    from datetime import date
    from decimal import Decimal

    from flask import jsonify

    from app.api.v1.caching import json_body

    monkeypatch.setattr(app, "debug", debug)
    payload = {"name": "Айгерім", "day": date(2026, 12, 8), "price": Decimal("5000.50"), "slots": [{"a": 1}]}
    with app.app_context():
        assert json_body(payload) == jsonify(payload).get_data()


def test_a_closed_business_or_another_host_is_not_served_from_the_stored_answer(app, shop, commit):
    url = shop["urls"][0]
    assert _fetch(app, url).status_code == 200
    # Asked on another business's host, the answer is 404, as the view says.
    foreign = _fetch(app, url, host=f"bella.{HOST}")
    assert foreign.status_code == 404
    assert _fetch(app, url, host=f"anna.{HOST}").status_code == 200
    tenant = db.session.merge(shop["tenant"])
    tenant.status = "suspended"
    commit()
    with flask_requests(app) as seen:
        closed = _fetch(app, url)
    assert closed.status_code == 403
    assert closed.get_json()["error"] == "tenant_not_active"
    assert seen, "a closed business must be answered by Flask"


def test_other_requests_go_to_flask(app, shop):
    url = shop["urls"][1]
    _fetch(app, url)
    with flask_requests(app) as seen:
        _fetch(app, url, Authorization="Bearer not-a-token")  # a credential may set the language
        _fetch(app, url.replace("location_id", "location_id=1&x"))  # another query: not stored
        _fetch(app, f"{API}/nobody/services")  # unknown business: Flask's 404
    assert len(seen) == 3


def test_the_layer_logs_and_counts_like_any_request(app, shop, caplog):
    url = shop["urls"][3]
    _fetch(app, url)
    endpoint = "api.public_availability"
    before = _requests_counted(app, endpoint)
    with caplog.at_level(logging.INFO, logger="jazyl.access"), flask_requests(app) as seen:
        caplog.clear()  # the warming request's line is kept when an earlier test left the level at INFO
        fast = _fetch(app, url, **{"X-Request-ID": "probe-request-0001"})
    assert seen == []
    assert fast.headers["X-Request-ID"] == "probe-request-0001"
    lines = [r for r in caplog.records if r.name == "jazyl.access"]
    assert len(lines) == 1
    line = lines[0]
    assert (line.method, line.path, line.status, line.tenant, line.request_id) == (
        "GET",
        url.split("?")[0],
        200,
        "anna",
        "probe-request-0001",
    )
    assert _requests_counted(app, endpoint) == before + 1


def _requests_counted(app, endpoint: str) -> float:
    """``jazyl_http_requests_total`` of the endpoint's 200s, as the scrape reports it."""
    text = app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True)
    for line in text.splitlines():
        labels = line.split(" ")[0]
        if labels.startswith("jazyl_http_requests_total{") and f'endpoint="{endpoint}"' in labels and "200" in labels:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.fixture
def limited_app(app_with_limits):
    return app_with_limits("3 per minute")


def test_the_layer_counts_the_limit_once_on_the_limiters_own_key(limited_app, shop):
    url = shop["urls"][0]
    with flask_requests(limited_app) as seen:
        answers = [_fetch(limited_app, url) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    # The first fills the answer and the 429 is Flask's; the two between came from the layer.
    assert len(seen) == 2
    assert [a.headers["X-RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    assert {a.headers["X-RateLimit-Limit"] for a in answers} == {"3"}
    assert int(answers[1].headers["Retry-After"]) > 0
    refused = answers[3].get_json()
    assert refused["error"] == "rate_limited"
    # One count per request, shared with the view's path: Redis holds 4, not more.
    r = limited_app.extensions["redis"]
    counts = [int(r.get(k)) for k in r.keys("LIMITS:*public_business:api*")]
    assert counts == [4]


def _forget_answers(app) -> None:
    r = app.extensions["redis"]
    for key in r.scan_iter("jz:http:*"):
        r.delete(key)


def test_a_new_availability_question_is_computed_before_flask_as_the_view_computes_it(app, shop, slow_path):
    for url in shop["urls"][3:5]:  # one master-day, a location-week
        with slow_path():
            viewed = _fetch(app, url)  # the view computes and stores it
        _forget_answers(app)
        with flask_requests(app) as seen:
            fast = _fetch(app, url)
        assert seen == [], f"{url} went through Flask"
        assert fast.status_code == viewed.status_code == 200
        assert fast.data == viewed.data
        assert _stable(fast) == _stable(viewed), url
        # Stored as the view stores it: the next read is a warm one with the same ETag.
        with flask_requests(app) as seen:
            again = _fetch(app, url)
        assert seen == [] and again.data == fast.data
        assert again.headers["ETag"] == fast.headers["ETag"]
        _forget_answers(app)
        with flask_requests(app) as seen:
            fresh_304 = _fetch(app, url, **{"If-None-Match": fast.headers["ETag"]})
            fresh_head = _fetch(app, url, method="head")
        assert seen == []
        assert fresh_304.status_code == 304 and fresh_304.data == b""
        assert fresh_head.status_code == 200 and fresh_head.data == b""
        assert fresh_head.headers["ETag"] == fast.headers["ETag"]


@pytest.mark.parametrize(
    "query",
    [
        "service_id={sid}&date=2026-13-40&master_id={mid}",  # the model refuses it: 422
        "service_id=abc&date=2026-12-07",  # 400
        "service_id=999999&date=2026-12-07",  # no such service: 404
        "service_id={sid}&date=2026-12-07&days=99",  # beyond the days allowed: 422
        "service_id={sid}&date=2026-12-07&x=%00",  # a NUL in a parameter: 422 (hardening)
        "service_id={sid}&date=2026-12-07&master_id=99999999999999999999",  # beyond 64 bits: 422
    ],
)
def test_a_new_question_the_view_refuses_is_answered_by_flask(app, shop, slow_path, query):
    sid = shop["urls"][3].split("service_id=")[1].split("&")[0]
    mid = shop["urls"][3].rsplit("master_id=", 1)[1]
    url = f"{API}/anna/availability?" + query.format(sid=sid, mid=mid)
    with slow_path():
        viewed = _fetch(app, url)
    with flask_requests(app) as seen:
        answered = _fetch(app, url)
    assert seen, "Flask answers what the view refuses"
    assert answered.status_code == viewed.status_code >= 400
    assert answered.get_json() == viewed.get_json()


def test_a_new_question_costs_two_redis_round_trips_with_the_limiter_on(limited_app, shop, monkeypatch):
    """The limiter's hit, the look-up and the masters' list with their schedule versions in
    one script call; then the answer stored."""
    import redis.connection

    sent: list[bytes] = []
    original = redis.connection.AbstractConnection.send_packed_command

    def send(conn, command, check_health=True):
        parts = command if isinstance(command, list) else [command]
        sent.append(b"".join(bytes(p) for p in parts))
        return original(conn, command, check_health)

    url = shop["urls"][3]
    assert _fetch(limited_app, url).status_code == 200  # the masters' list is cached now
    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", send)
    with flask_requests(limited_app) as seen:
        fresh = _fetch(limited_app, url.replace("2026-12-07", "2026-12-08"))
    assert fresh.status_code == 200 and fresh.get_json()["slots"]
    assert seen == []
    assert [b"EVALSHA" in p for p in sent] == [True, False] and b"SET" in sent[1], sent


def test_ids_not_written_plainly_are_answered_the_same(app, shop, slow_path):
    url = shop["urls"][3]
    sid = url.split("service_id=")[1].split("&")[0]
    odd = url.replace(f"service_id={sid}", f"service_id=0{sid}")
    with slow_path():
        viewed = _fetch(app, odd)
    _forget_answers(app)
    with flask_requests(app) as seen:
        fast = _fetch(app, odd)
    assert seen == []
    assert fast.status_code == viewed.status_code == 200
    assert fast.data == viewed.data == _fetch(app, url).data
