"""One request id from the access log to the SMS it sent, and /metrics from several workers
(issue 14, items 1 and 2).

The production pieces run as they do in a deployment: ``gunicorn wsgi:app`` with two sync
workers in Prometheus multiprocess mode and JSON logs, a real ``python worker.py`` and an HTTP
SMS gateway.  A client verifies a phone and books through the public API with their own
``X-Request-ID``; the test then reads both processes' JSON logs and the scrape.
"""

from __future__ import annotations

import http.client
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.extensions import db
from tests import live
from tests.notifications.conftest import wait_for

pytestmark = pytest.mark.slow

PHONE = "+77017778899"
BOOKING_RID = "trace-booking-5f1c2a9e"

ROOT = Path(__file__).resolve().parents[2]


def request(port: int, method: str, path: str, body=None, token=None, rid=None) -> tuple[int, dict, dict]:
    headers = {"Host": live.HOST}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if rid:
        headers["X-Request-ID"] = rid
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        ctype = resp.getheader("Content-Type") or ""
        data = json.loads(raw) if raw and "json" in ctype else {"text": raw.decode()}
        return resp.status, data, dict(resp.getheaders())
    finally:
        conn.close()


def json_lines(text: str) -> list[dict]:
    out = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return out


def sample(text: str, name: str, **labels) -> float:
    total = 0.0
    for line in text.splitlines():
        head = line.split(" ")[0]
        if head != name and not head.startswith(name + "{"):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', head))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


@pytest.fixture
def shop(create_tenant, create_service, create_master, commit):
    tenant = create_tenant("trace", name="Trace Salon")
    service = create_service(tenant, name="Haircut", duration=60, price="5000")
    master = create_master(tenant, name="Aigerim", services=[service])
    commit()
    return {"tenant": tenant.subdomain, "service": service.id, "master": master.id}


def test_one_request_id_follows_a_booking_to_its_sms_and_metrics_add_up(
    app, app_config, tmp_path, shop, sms_gateway, start_worker, worker_env
):
    gw, _ = sms_gateway
    prom = tmp_path / "prom"
    prom.mkdir()
    env = {
        key: worker_env[key]
        for key in ("SMS_PROVIDER", "SMS_HTTP_URL", "SMS_HTTP_TOKEN", "SMS_SENDER", "NOTIFY_RETRY_INTERVALS")
    }
    env.update({"LOG_FORMAT": "json", "PROMETHEUS_MULTIPROC_DIR": str(prom), "LOG_LEVEL": "info"})
    # Workers are recycled during the test: forks of the preloaded app start with their own
    # database and Redis connections, and the counts of the ended ones stay in the sums.
    env["GUNICORN_MAX_REQUESTS"] = "10"
    worker = start_worker(env={"LOG_FORMAT": "json"})
    # The production settings (gunicorn.conf.py: its multiprocess hooks too), two workers.
    with live.gunicorn(app, app_config, tmp_path, workers=2, config=ROOT / "gunicorn.conf.py", env=env) as port:
        sub = shop["tenant"]
        status, _, headers = request(port, "POST", "/api/v1/public/client/verify", {"subdomain": sub, "phone": PHONE})
        assert status == 202
        code = wait_for(lambda: gw.texts_to(PHONE), message="the code SMS")[0]
        code = re.search(r"\b(\d{6})\b", code).group(1)
        status, data, _ = request(
            port, "POST", "/api/v1/public/client/verify", {"subdomain": sub, "phone": PHONE, "code": code}
        )
        assert status == 200, data
        token = data["client_token"]

        day = (date.today() + timedelta(days=3)).isoformat()
        path = f"/api/v1/public/business/{sub}/availability?service_id={shop['service']}&date={day}"
        status, data, _ = request(port, "GET", path)
        start = data["slots"][0]["start"]
        again = request(port, "GET", path)  # the stored answer, from the fast path (app/api/v1/fastpath.py)
        assert again[:2] == (200, data)
        body = {"subdomain": sub, "service_id": shop["service"], "master_id": shop["master"], "start": start}
        status, data, headers = request(port, "POST", "/api/v1/public/booking", body, token, rid=BOOKING_RID)
        assert status == 201, data
        assert headers["X-Request-ID"] == BOOKING_RID
        wait_for(lambda: len(gw.texts_to(PHONE)) >= 2, message="the booking SMS")

        # Both gunicorn workers answered at least once, and the scrape sums them.
        for _ in range(20):
            request(port, "GET", "/health")

        def scraped() -> str | None:  # the job counts its attempt just after the SMS leaves
            text = request(port, "GET", "/metrics")[1]["text"]
            return text if sample(text, "jazyl_jobs_total", queue="notifications", outcome="ok") >= 2 else None

        scrape = wait_for(scraped, message="the job counts in /metrics")
        gunicorn_log = (tmp_path / "gunicorn.log").read_text()

    assert sample(scrape, "jazyl_http_requests_total", endpoint="api.public_booking", status="201") == 1
    assert sample(scrape, "jazyl_http_requests_total", endpoint="health") >= 20
    assert sample(scrape, "jazyl_http_requests_total", endpoint="api.public_availability", status="200") == 2
    assert "Autorestarting worker" in gunicorn_log  # recycled workers kept answering
    assert sample(scrape, "jazyl_bookings_created_total") == 1
    assert sample(scrape, "jazyl_jobs_total", queue="notifications", outcome="ok") >= 2
    assert sample(scrape, "jazyl_notifications_total", channel="sms", outcome="sent") >= 2
    assert sample(scrape, "jazyl_job_duration_seconds_count", queue="notifications") >= 2
    assert 'jazyl_queue_depth{queue="notifications"}' in scrape
    assert 'jazyl_outbox_backlog{channel="sms"}' in scrape
    pids = {f.name for f in prom.iterdir()}
    assert len([p for p in pids if p.startswith("counter_")]) >= 2, pids  # several workers wrote numbers

    # The access line of the booking request, in the web log...
    web = json_lines(gunicorn_log)
    access = [e for e in web if e.get("logger") == "jazyl.access" and e.get("request_id") == BOOKING_RID]
    assert len(access) == 1, web[-5:]
    assert access[0]["path"] == "/api/v1/public/booking" and access[0]["status"] == 201
    assert access[0]["tenant"] == sub and access[0]["duration_ms"] > 0

    # ...and the worker's lines for the SMS that booking sent carry the same id.
    worker.stop()
    jobs = [e for e in json_lines(worker.output()) if e.get("request_id") == BOOKING_RID]
    assert any("sent: booking_created by sms" in e["message"] for e in jobs), jobs
    done = [e for e in jobs if e.get("logger") == "app.core.jobs"]
    assert done and all(e["queue"] == "notifications" and e["attempt"] >= 1 and e["job_id"] for e in done)
    assert {e["outcome"] for e in done} == {"ok"}

    # Nothing secret reached either log: not the phone, the code or the client token.
    everything = gunicorn_log + worker.output()
    assert PHONE not in everything and PHONE[1:] not in everything
    assert code not in everything
    # the secret part after "ct_<tenant>_" (token_urlsafe: it may hold "_" itself)
    assert token not in everything and token.split("_", 2)[-1] not in everything
    db.session.rollback()
