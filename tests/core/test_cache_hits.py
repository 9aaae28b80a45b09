"""A cache hit costs no SQL; every write that changes an answer invalidates it at once;
without Redis the same endpoints answer from the database.

Statements are counted with SQLAlchemy's ``before_cursor_execute`` over the whole request
(the ``count_queries`` fixture).  "Warm" means the same request (or one sharing its cached
parts) was answered once before.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import redis
from flask import current_app
from sqlalchemy import select

from app.core import cache, tenancy
from app.core.auth import Actor
from app.core.cache import rows
from app.extensions import db

# A Monday 08:00 in Almaty (UTC+5): the whole working day is still ahead.
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
API = "/api/v1/public/business"


@pytest.fixture
def shop(create_tenant, create_service, create_master, create_user, commit, frozen_now):
    frozen_now(NOW)
    tenant = create_tenant("anna", name="Anna Beauty")
    service = create_service(tenant, name="Haircut", duration=60, price="5000")
    master = create_master(tenant, name="Aigerim", services=[service])
    owner = create_user(tenant, role="owner", email="owner@example.com")
    commit()

    class Shop:
        pass

    s = Shop()
    s.tenant, s.service, s.master, s.owner = tenant, service, master, owner
    with tenancy.tenant_scope(tenant.id):
        s.location_id = master.location_id
        yield s


def _reads(shop) -> list[str]:
    sid, mid, lid = shop.service.id, shop.master.id, shop.location_id
    return [
        f"{API}/anna",
        f"{API}/anna/services",
        f"{API}/anna/services?location_id={lid}",
        f"{API}/anna/masters",
        f"{API}/anna/masters?service_id={sid}",
        f"{API}/anna/availability?service_id={sid}&date=2026-12-07&master_id={mid}",  # one master-day
        f"{API}/anna/availability?service_id={sid}&date=2026-12-07&location_id={lid}&days=7",  # location-week
        f"{API}/anna/availability/days?service_id={sid}&month=2026-12",  # free days of a month
    ]


def _get(client, url, **headers):
    resp = client.get(url, headers=headers)
    assert resp.status_code in (200, 304), (url, resp.status_code, resp.data[:300])
    return resp


def test_warm_public_api_reads_run_no_sql(shop, client, count_queries):
    for url in _reads(shop):
        cold = _get(client, url)
        with count_queries() as q:
            warm = _get(client, url)
        assert q.count == 0, (url, q.statements)
        assert warm.get_json() == cold.get_json()


def test_warm_reads_on_the_tenant_host_run_no_sql(shop, host_client, count_queries):
    # Resolving the tenant from the host name (app.core.hosts) is answered from Redis too.
    c = host_client("anna")
    for url in _reads(shop):
        _get(c, url)
        with count_queries() as q:
            _get(c, url)
        assert q.count == 0, (url, q.statements)


def test_a_warm_public_api_read_is_one_redis_round_trip(shop, client, count_queries, redis_trips):
    """The tenant, its versions and the stored answer come back from one script call
    (``cache.lookup``), whatever the endpoint; the rate limiter adds one more when it is on
    (tests/api/test_ratelimit.py)."""
    for url in _reads(shop):
        _get(client, url)
        with count_queries() as q, redis_trips() as trips:
            _get(client, url)
        assert q.count == 0, (url, q.statements)
        assert len(trips) == 1, (url, trips)
        tag = _get(client, url).headers["ETag"]
        with redis_trips() as trips:
            assert _get(client, url, **{"If-None-Match": tag}).status_code == 304
        assert len(trips) == 1, (url, trips)


def test_a_stored_answer_is_dropped_when_a_master_it_names_changes(shop, client, create_booking, redis_trips):
    """The answer's head names the schedule versions it was computed under; the look-up
    script refuses it once one of them moves, so the next read computes afresh."""
    sid, mid = shop.service.id, shop.master.id
    url = f"{API}/anna/availability?service_id={sid}&date=2026-12-07&master_id={mid}"
    before = _get(client, url)
    cache.bump_schedules(shop.tenant.id, [mid])
    db.session.commit()
    with redis_trips() as trips:
        after = _get(client, url)
    assert len(trips) > 1  # recomputed: versions, master list, the new answer stored
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.get_json() == before.get_json()


def test_revalidation_with_the_etag_runs_no_sql(shop, client, count_queries):
    for url in _reads(shop):
        tag = _get(client, url).headers["ETag"]
        with count_queries() as q:
            resp = _get(client, url, **{"If-None-Match": tag})
        assert resp.status_code == 304
        assert q.count == 0, (url, q.statements)


def test_the_cached_lists_themselves_are_answered_without_sql(shop, client, count_queries):
    """Below the copy of the HTTP body: another page of the same list, another day of the same
    master, reads the cached lists, tenant and versions, so no statement either."""
    sid, mid = shop.service.id, shop.master.id
    _get(client, f"{API}/anna/services")
    _get(client, f"{API}/anna/masters")
    _get(client, f"{API}/anna/availability?service_id={sid}&date=2026-12-07&master_id={mid}")
    with count_queries() as q:
        assert _get(client, f"{API}/anna/services?limit=10").get_json()["total"] == 1
        assert _get(client, f"{API}/anna/masters?offset=0").get_json()["total"] == 1
    assert q.count == 0, q.statements
    # Another day is another slot computation: it reads the calendar rows (one statement, plus
    # the transaction's BEGIN where the driver sends one), but not the masters or versions.
    # (On PostgreSQL the EXECUTE comes after ``SET LOCAL plan_cache_mode ...;`` in the same call.)
    with count_queries() as q:
        _get(client, f"{API}/anna/availability?service_id={sid}&date=2026-12-08&master_id={mid}")
    starts = ("SELECT", "EXECUTE", "WITH", "SET LOCAL PLAN_CACHE_MODE")
    reads = [s for s in q.statements if s.lstrip().upper().startswith(starts)]
    assert len(reads) == 1, q.statements


def test_warm_public_booking_pages_run_no_sql(shop, host_client, count_queries):
    """The booking site for an anonymous visitor: the tenant (host), the bookable locations,
    services and masters, the month's free days and the day's free times all come from Redis.
    0 statements: nothing on these pages needs the database once the cache is warm.  (A
    signed-in client adds the look-up of their session token, which is not cached.)"""
    c = host_client("anna")
    sid, mid = shop.service.id, shop.master.id
    pages = [
        "/",
        "/book",
        f"/book?service_id={sid}&master_id=any",
        f"/book?service_id={sid}&master_id={mid}&date=2026-12-08",
    ]
    for url in pages:
        assert c.get(url).status_code == 200
        with count_queries() as q:
            resp = c.get(url)
        assert resp.status_code == 200
        assert q.count == 0, (url, q.statements)
    assert "2026-12-07T09:00:00+05:00" in c.get(f"/book?service_id={sid}&master_id=any").get_data(as_text=True)


def test_warm_public_booking_pages_take_few_redis_round_trips(shop, host_client, redis_trips):
    """The tenant comes with the first look-up (one script call); then each list or calendar
    the page shows is one more entry: bookable locations, services and masters, and on the
    calendar step the masters with their schedule versions (one call), the month's free days
    and the day's free times.  The numbers pin today's design; fewer is welcome."""
    c = host_client("anna")
    sid, mid = shop.service.id, shop.master.id
    expected = {
        "/": 4,  # tenant, locations, services, masters
        "/book": 3,  # tenant, locations, services
        f"/book?service_id={sid}&master_id=any": 7,  # + masters, schedules with versions, free days, times
        f"/book?service_id={sid}&master_id={mid}&date=2026-12-08": 7,
    }
    for url, most in expected.items():
        assert c.get(url).status_code == 200
        with redis_trips() as trips:
            assert c.get(url).status_code == 200
        assert len(trips) <= most, (url, trips)


def test_cold_requests_do_read_the_database(shop, client, count_queries):
    """The counter is live: the first request of a kind does run statements."""
    with count_queries() as q:
        _get(client, f"{API}/anna/services")
    assert q.count > 0


# ---------------------------------------------------------------- every write invalidates


def _names(client, url="/api/v1/public/business/anna/services") -> list[str]:
    return [x["name"] for x in _get(client, url).get_json()["items"]]


def _starts(client, shop, day="2026-12-07") -> list[str]:
    url = f"{API}/anna/availability?service_id={shop.service.id}&date={day}&master_id={shop.master.id}"
    return [s["start"] for s in _get(client, url).get_json()["slots"]]


def test_creating_and_updating_a_service_through_the_api_shows_at_once(shop, client):
    assert _names(client) == ["Haircut"]
    resp = client.post("/api/v1/login", json={"email": "owner@example.com", "password": "password123"})
    assert resp.status_code == 200, resp.data
    auth = {"Authorization": f"Bearer {resp.get_json()['access_token']}"}
    body = {"name": "Beard trim", "duration_minutes": 30, "price": "2000", "location_ids": [shop.location_id]}
    created = client.post("/api/v1/service", json=body, headers=auth)
    assert created.status_code == 201, created.data
    assert _names(client) == ["Haircut"]  # nobody performs it yet: not bookable, not public
    sid = created.get_json()["service"]["id"]
    master = {"service_ids": [shop.service.id, sid]}
    assert client.put(f"/api/v1/master/{shop.master.id}", json=master, headers=auth).status_code == 200
    assert _names(client) == ["Beard trim", "Haircut"]
    assert client.put(f"/api/v1/service/{sid}", json={"name": "Beard shave"}, headers=auth).status_code == 200
    assert _names(client) == ["Beard shave", "Haircut"]


def test_service_changes_in_a_transaction_show_after_its_commit_only(shop, client):
    from app.catalog import services as catalog

    assert _names(client) == ["Haircut"]
    actor = Actor.for_user(shop.owner)
    catalog.update_service(shop.tenant, actor, shop.service, {"name": "Long haircut"})
    db.session.rollback()  # rolled back: nothing to see, the cache keeps answering
    assert _names(client) == ["Haircut"]
    with tenancy.tenant_scope(shop.tenant.id):
        catalog.update_service(shop.tenant, actor, db.session.merge(shop.service), {"name": "Long haircut"})
    db.session.commit()
    assert _names(client) == ["Long haircut"]


def test_master_and_location_changes_show_at_once(shop, client):
    from app.tenants.models import Location

    url = f"{API}/anna/masters"
    assert [m["name"] for m in _get(client, url).get_json()["items"]] == ["Aigerim"]
    assert [x["name"] for x in _get(client, f"{API}/anna").get_json()["locations"]] == ["Main"]
    with tenancy.tenant_scope(shop.tenant.id):
        db.session.merge(shop.master).name = "Aigerim K."
        db.session.scalar(select(Location).where(Location.id == shop.location_id)).name = "Central"
    db.session.commit()
    assert [m["name"] for m in _get(client, url).get_json()["items"]] == ["Aigerim K."]
    assert [x["name"] for x in _get(client, f"{API}/anna").get_json()["locations"]] == ["Central"]


def test_suspending_the_tenant_closes_the_public_site_at_once(shop, client, host_client):
    from app.tenants.services import reactivate_tenant, suspend_tenant

    site = host_client("anna")
    assert _get(client, f"{API}/anna").status_code == 200
    assert site.get("/").status_code == 200
    assert site.get("/").status_code == 200  # warm
    suspend_tenant(Actor.system(), db.session.merge(shop.tenant), "unpaid")
    db.session.commit()
    assert client.get(f"{API}/anna").status_code == 403
    assert client.get(f"{API}/anna/services").status_code == 403
    assert site.get("/").status_code == 403
    reactivate_tenant(Actor.system(), db.session.merge(shop.tenant))
    db.session.commit()
    assert client.get(f"{API}/anna").status_code == 200
    assert site.get("/").status_code == 200


def test_pending_and_unknown_tenants_answer_as_without_the_cache(shop, client, create_tenant, commit):
    create_tenant("later", status="pending")
    commit()
    for _ in range(2):  # cold, then warm
        assert client.get(f"{API}/later").status_code == 403
        assert client.get(f"{API}/nobody").status_code == 404


def test_a_cached_tenant_never_reverts_what_the_session_holds(shop, count_queries):
    from app.tenants.queries import get_tenant_by_subdomain

    tenant = get_tenant_by_subdomain("anna")
    get_tenant_by_subdomain("anna")  # cached now
    tenant.name = "Not flushed yet"
    assert get_tenant_by_subdomain("anna") is tenant
    assert tenant.name == "Not flushed yet"
    db.session.rollback()
    with count_queries() as q:  # the expired row is filled in from the cache, like a query would
        assert get_tenant_by_subdomain("anna").name == "Anna Beauty"
    assert q.count == 0, q.statements


def test_a_renamed_subdomain_stops_resolving_at_once(shop, client):
    assert _get(client, f"{API}/anna").get_json()["subdomain"] == "anna"
    db.session.merge(shop.tenant).subdomain = "anna2"
    db.session.commit()
    assert client.get(f"{API}/anna").status_code == 404
    assert _get(client, f"{API}/anna2").get_json()["subdomain"] == "anna2"


def test_tenants_never_see_each_others_cached_lists(
    shop, client, create_tenant, create_service, create_master, commit, count_queries, monkeypatch
):
    other = create_tenant("bella")
    svc = create_service(other, name="Manicure")
    create_master(other, name="Dana", services=[svc])
    commit()
    for _ in range(2):  # cold, then warm
        assert _names(client) == ["Haircut"]
        assert _names(client, f"{API}/bella/services") == ["Manicure"]
    # A warm request enters the tenant's scope exactly as the database path does.
    seen = []
    from app.api.v1 import views
    from app.catalog import queries

    original = queries.cached_services

    def spy(**kwargs):
        seen.append(tenancy.current_tenant_id())
        return original(**kwargs)

    monkeypatch.setattr(queries, "cached_services", spy)
    if hasattr(views, "cached_services"):  # the view module imports it by name
        monkeypatch.setattr(views, "cached_services", spy)
    _get(client, f"{API}/bella/services?limit=7")
    assert seen == [other.id]


def test_schedule_changes_show_in_availability_at_once(shop, client):
    from app.scheduling import schedules

    first = _starts(client, shop)
    assert first[0] == "2026-12-07T09:00:00+05:00"
    actor = Actor.for_user(shop.owner)
    with tenancy.tenant_scope(shop.tenant.id):
        master = db.session.merge(shop.master)
        schedules.set_weekly(shop.tenant, actor, master, {"mon": [{"start": "15:00", "end": "17:00"}]})
    db.session.commit()
    now = _starts(client, shop)
    assert (now[0], now[-1]) == ("2026-12-07T15:00:00+05:00", "2026-12-07T16:00:00+05:00")
    with tenancy.tenant_scope(shop.tenant.id):
        master = db.session.merge(shop.master)
        start = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # 15:00-17:00 Almaty
        schedules.add_time_off(shop.tenant, actor, master, start, start + timedelta(hours=2), "dentist")
    db.session.commit()
    assert _starts(client, shop) == []


def test_a_booking_takes_its_slot_out_at_once(shop, client, create_booking):
    assert "2026-12-07T10:00:00+05:00" in _starts(client, shop)
    create_booking(shop.tenant, shop.master, shop.service, datetime(2026, 12, 7, 5, 0, tzinfo=UTC))
    db.session.commit()
    assert "2026-12-07T10:00:00+05:00" not in _starts(client, shop)


def test_a_rolled_back_write_bumps_nothing(shop, app):
    before = cache.site_version(shop.tenant.id), cache.schedule_versions(shop.tenant.id, [shop.master.id])
    with tenancy.tenant_scope(shop.tenant.id):
        db.session.merge(shop.master).name = "Changed"
        db.session.flush()
    db.session.rollback()
    assert (cache.site_version(shop.tenant.id), cache.schedule_versions(shop.tenant.id, [shop.master.id])) == before


def test_core_version_bumps_reach_redis_after_commit(shop):
    from app.scheduling import queries as sq

    before = cache.schedule_versions(shop.tenant.id, [shop.master.id])
    with tenancy.tenant_scope(shop.tenant.id):
        sq.bump_master_versions(shop.tenant.id, [shop.master.id])
    # Not before the commit; until then this transaction's own reads skip the cache.
    assert cache.schedule_versions(shop.tenant.id, [shop.master.id]) is None
    assert (
        redis.Redis.from_url(current_app.config["REDIS_URL"])
        .hget(f"jz:ver:sched:{shop.tenant.id}", str(shop.master.id))
        .decode()
        == before[0]
    )
    db.session.commit()
    assert cache.schedule_versions(shop.tenant.id, [shop.master.id]) != before


# ---------------------------------------------------------------- Redis down


@pytest.fixture
def redis_down(app):
    """Point the app at a Redis that refuses connections, for the rest of the test."""
    real = app.extensions["redis"]
    app.extensions["redis"] = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    yield
    app.extensions["redis"] = real


def test_without_redis_every_public_read_answers_from_the_database(shop, client, host_client, app):
    expected = {url: _get(client, url).get_json() for url in _reads(shop)}  # with Redis
    real = app.extensions["redis"]
    app.extensions["redis"] = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    try:
        for url, body in expected.items():
            resp = client.get(url)
            assert resp.status_code == 200, (url, resp.data[:300])
            assert resp.get_json() == body
            assert "ETag" not in resp.headers
        site = host_client("anna")
        assert site.get("/").status_code == 200
        assert site.get(f"/book?service_id={shop.service.id}&master_id=any").status_code == 200
    finally:
        app.extensions["redis"] = real


def test_without_redis_writes_still_commit_and_later_reads_are_fresh(shop, client, app, redis_down):
    real = redis.Redis.from_url(app.config["REDIS_URL"])
    with tenancy.tenant_scope(shop.tenant.id):
        db.session.merge(shop.service).name = "Written while Redis was down"
    db.session.commit()  # the after-commit bump fails quietly; the write stays
    assert _names(client) == ["Written while Redis was down"]
    app.extensions["redis"] = real
    assert _names(client) == ["Written while Redis was down"]


def test_cache_rules_live_in_one_table():
    # The seed's lifetimes (docs/DESIGN: business information 1 h, services 1 h, master
    # schedules 30 min, availability 5 min).
    assert cache.TTL["business"] == 3600
    assert cache.TTL["services"] == 3600
    assert cache.TTL["schedules"] == 1800
    assert cache.TTL["availability"] == 300


def test_cached_records_are_read_only(shop):
    from app.catalog.queries import cached_services

    with tenancy.tenant_scope(shop.tenant.id):
        [svc] = cached_services()
    assert svc.name == "Haircut"
    assert svc.location_ids == [shop.location_id]
    with pytest.raises(AttributeError):
        svc.name = "x"


@pytest.mark.parametrize("value", [time(9, 30)])
def test_row_codec_round_trips_typed_values(value):
    from decimal import Decimal

    data = {"t": value, "d": NOW.date(), "dt": NOW, "m": Decimal("12.50"), "l": ["en"], "n": None}
    rec = cache.Record({k: rows._enc(v) for k, v in data.items()})
    assert {k: getattr(rec, k) for k in data} == data


def test_the_limiter_carries_the_look_up_only_on_the_caches_own_server(app):
    """The limiter's script may run the cache's look-up only when both talk to the same
    server and database (otherwise it would read another server's keys)."""
    import redis as redis_lib

    with app.app_context():
        mine = current_app.extensions["redis"]
        kwargs = mine.connection_pool.connection_kwargs
        db_now = int(kwargs.get("db") or 0)

        def client(db: int):
            if kwargs.get("path"):
                return redis_lib.Redis(unix_socket_path=kwargs["path"], db=db)
            return redis_lib.Redis(host=kwargs["host"], port=kwargs["port"], db=db)

        assert cache.shares_server(client(db_now))
        assert not cache.shares_server(client(db_now + 1))
        assert not cache.shares_server(None)
