"""``/metrics`` (issue 14, item 2): who may read it, and the numbers it reports."""

from __future__ import annotations

import re

import pytest

from app.core import metrics
from app.core.redis import get_redis

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}


def scrape(client, environ=LOCAL, headers=None) -> tuple[int, str]:
    resp = client.get("/metrics", environ_base=environ, headers=headers or {})
    return resp.status_code, resp.get_data(as_text=True)


def value(text: str, name: str, **labels) -> float:
    """The sample ``name{labels}`` in the exposition (0 when absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.fixture(autouse=True)
def _fresh_counters(app):
    prefix = app.config.get("RQ_QUEUE_PREFIX") or ""
    with app.app_context():
        get_redis().delete(prefix + "jazyl:metrics:jobs", prefix + "jazyl:metrics:notifications")


def test_loopback_may_read_it_on_any_host(client):
    status, text = scrape(client)
    assert status == 200
    assert "# TYPE jazyl_http_requests_total counter" in text
    resp = client.get("/metrics", environ_base=LOCAL, headers={"Host": "10.0.0.5:8000"})
    assert resp.status_code == 200


def test_other_networks_get_a_plain_404(client):
    status, text = scrape(client, {"REMOTE_ADDR": "203.0.113.9"})
    assert status == 404 and "jazyl_" not in text


def test_a_configured_network_or_the_token_opens_it(app, client, monkeypatch):
    outsider = {"REMOTE_ADDR": "10.20.30.40"}
    monkeypatch.setitem(app.config, "METRICS_ALLOW", ["10.20.0.0/16"])
    assert scrape(client, outsider)[0] == 200
    monkeypatch.setitem(app.config, "METRICS_ALLOW", [])
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "scrape-secret-0123")
    assert scrape(client, outsider)[0] == 404
    assert scrape(client, outsider, {"Authorization": "Bearer wrong"})[0] == 404
    assert scrape(client, outsider, {"Authorization": "Bearer scrape-secret-0123"})[0] == 200


def test_requests_are_counted_per_endpoint_and_status(client):
    before = value(scrape(client)[1], "jazyl_http_requests_total", endpoint="health", status="200")
    for _ in range(3):
        client.get("/health")
    client.get("/no-such-page")
    text = scrape(client)[1]
    assert value(text, "jazyl_http_requests_total", endpoint="health", status="200") == before + 3
    assert value(text, "jazyl_http_requests_total", endpoint="unmatched", status="404") >= 1
    assert value(text, "jazyl_http_request_duration_seconds_count", endpoint="health") >= 3


def test_worker_numbers_come_from_redis(app, client):
    with app.app_context():
        metrics.count_job("notifications", "ok", 0.2)
        metrics.count_job("notifications", "ok", 3.0)
        metrics.count_job("notifications", "retry", 0.1)
        metrics.count_notification("sms", "sent")
        metrics.count_notification("sms", "failed")
        metrics.count_notification("email", "sent")
    text = scrape(client)[1]
    assert value(text, "jazyl_jobs_total", queue="notifications", outcome="ok") == 2
    assert value(text, "jazyl_jobs_total", queue="notifications", outcome="retry") == 1
    assert value(text, "jazyl_job_duration_seconds_count", queue="notifications") == 3
    assert value(text, "jazyl_job_duration_seconds_bucket", queue="notifications", le="0.25") == 2
    assert value(text, "jazyl_job_duration_seconds_bucket", queue="notifications", le="+Inf") == 3
    assert value(text, "jazyl_notifications_total", channel="sms", outcome="sent") == 1
    assert value(text, "jazyl_notifications_total", channel="sms", outcome="failed") == 1


def test_queue_depth_and_outbox_backlog_are_read_at_scrape_time(app, client, create_tenant, create_user, commit):
    from app.notifications import events

    tenant = create_tenant("metrics")
    user = create_user(tenant, role="owner", email="owner@metrics.example")
    from app.core import tenancy

    with tenancy.tenant_scope(tenant.id):
        events.password_reset(user, "http://owner.metrics.localhost:5000/reset/x")
    commit()
    text = scrape(client)[1]
    assert value(text, "jazyl_outbox_backlog", channel="email") >= 1
    assert 'jazyl_queue_depth{queue="notifications"}' in text
