"""/health names the part that fails."""

import pytest
import redis


def test_health_ok_on_every_host(create_tenant, host_client, commit):
    create_tenant("acme")
    commit()
    for sub in (None, "admin", "acme", "owner.acme", "unknown-salon"):
        resp = host_client(sub).get("/health")
        assert resp.status_code == 200, sub
        assert resp.get_json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_health_reports_redis_down(app, client, monkeypatch):
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    monkeypatch.setitem(app.extensions, "redis", dead)
    resp = client.get("/health")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("error")


def test_health_reports_database_down(app_config, tmp_path):
    from app import create_app

    broken = dict(app_config)
    if broken["DATABASE_URL"].startswith("sqlite"):
        broken["DATABASE_URL"] = f"sqlite:///{tmp_path}/missing-dir/nope/db.sqlite"
    else:
        broken["DATABASE_URL"] = "postgresql://postgres@127.0.0.1:1/nothing"
    other = create_app("testing", **broken)
    resp = other.test_client().get("/health", headers={"Host": "localhost:5000"})
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["checks"]["database"].startswith("error")
    assert body["checks"]["redis"] == "ok"


@pytest.mark.parametrize("path", ["/api/v1/does-not-exist", "/api/v1/public/business/nope"])
def test_api_404_uses_the_error_contract(client, path):
    resp = client.get(path, headers={"Accept-Language": "kk"})
    assert resp.status_code == 404
    body = resp.get_json()
    assert set(body) == {"error", "message", "details"}
    assert body["error"] == "not_found"
