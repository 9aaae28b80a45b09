"""/health names the part that fails: 503 for a dead database or Redis, 200 with
"degraded" for a notification backlog or failed notifications (see app/web/health.py)."""

from datetime import UTC, datetime, timedelta

import pytest
import redis

from app.extensions import db
from app.notifications.models import Notification

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
QUIET = {"overdue": 0, "retrying": 0, "failed": 0, "expired": 0}


def test_health_ok_on_every_host(create_tenant, host_client, commit):
    create_tenant("acme")
    commit()
    for sub in (None, "admin", "acme", "owner.acme", "unknown-salon"):
        resp = host_client(sub).get("/health")
        assert resp.status_code == 200, sub
        assert resp.get_json() == {
            "status": "ok",
            "checks": {"database": "ok", "redis": "ok", "outbox": "ok"},
            "outbox": QUIET,
        }


def _rows(n: int, status: str = "queued", *, age: timedelta, attempts: int = 0, next_in: timedelta | None = None):
    for _ in range(n):
        k = db.session.query(Notification).count()
        db.session.add(
            Notification(
                channel="email",
                recipient=f"r{k}@example.com",
                language="en",
                template="password_reset",
                payload={},
                dedupe_key=f"health:{k}",
                status=status,
                attempts=attempts,
                next_attempt_at=NOW + next_in if next_in is not None else None,
                created_at=NOW - age,
                updated_at=NOW - age,
            )
        )
    db.session.commit()


def test_health_degraded_not_dead_when_due_messages_pile_up(app, client, frozen_now, monkeypatch):
    monkeypatch.setitem(app.config, "HEALTH_OUTBOX_MAX", 3)
    frozen_now(NOW)
    _rows(3, age=timedelta(minutes=20))  # due for 20 minutes, nobody sending
    _rows(5, age=timedelta(minutes=2))  # new: not overdue yet
    _rows(5, "sent", age=timedelta(minutes=30))
    resp = client.get("/health")
    assert resp.status_code == 200 and resp.get_json()["status"] == "ok"
    assert resp.get_json()["outbox"]["overdue"] == 3
    _rows(1, age=timedelta(minutes=16))
    resp = client.get("/health")
    assert resp.status_code == 200  # still serving: not pulled from rotation
    body = resp.get_json()
    assert body["status"] == "degraded" and body["checks"]["outbox"] == "degraded"
    assert body["checks"]["database"] == body["checks"]["redis"] == "ok"
    assert body["outbox"] == {**QUIET, "overdue": 4}


def test_health_degraded_while_many_messages_keep_failing(app, client, frozen_now, monkeypatch):
    monkeypatch.setitem(app.config, "HEALTH_OUTBOX_MAX", 2)
    frozen_now(NOW)
    _rows(3, age=timedelta(hours=2), attempts=4, next_in=timedelta(hours=1))  # waiting for their next try
    body = client.get("/health").get_json()
    assert body["status"] == "degraded" and body["outbox"] == {**QUIET, "retrying": 3}


def test_health_degraded_while_failed_messages_are_recent(client, frozen_now):
    frozen_now(NOW)
    _rows(1, "failed", age=timedelta(hours=2), attempts=15)
    resp = client.get("/health")
    assert resp.status_code == 200
    assert resp.get_json()["status"] == "degraded" and resp.get_json()["outbox"]["failed"] == 1
    frozen_now(NOW + timedelta(hours=21))  # failed 23 hours ago
    assert client.get("/health").get_json()["status"] == "degraded"
    frozen_now(NOW + timedelta(hours=23))  # 25 hours ago: older than HEALTH_FAILED_WINDOW_HOURS (24)
    assert client.get("/health").get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "outbox": "ok"},
        "outbox": QUIET,
    }


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
