"""End to end with a real RQ worker subprocess, a real SMTP server and a real HTTP SMS
gateway: delivery in the recipient's language, retries, Redis outages, crashes."""

from __future__ import annotations

import os
import signal
from datetime import UTC, datetime, timedelta

import pytest
import redis
from flask_babel import gettext
from rq.registry import FailedJobRegistry, FinishedJobRegistry
from sqlalchemy import select

from app.core import clock, tenancy
from app.core.i18n import in_locale
from app.core.jobs import get_queue
from app.extensions import db
from app.notifications import events
from app.notifications.jobs import send_notification, sweep_outbox
from app.notifications.models import Notification
from tests.notifications.conftest import free_port, wait_for

START = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)  # 10:00 in Almaty


def tr(lang: str, msgid: str, **kw) -> str:
    with in_locale(lang):
        return gettext(msgid, **kw)


def all_rows() -> list[Notification]:
    return list(db.session.scalars(select(Notification).order_by(Notification.id)))


def jobs_ended(queue: str, marker: str = "") -> set[str]:
    """Ids of the jobs on ``queue`` (containing ``marker``) that the worker has run to the end."""
    q = get_queue(queue)
    ended = {*FinishedJobRegistry(queue=q).get_job_ids(), *FailedJobRegistry(queue=q).get_job_ids()}
    return {job_id for job_id in ended if marker in job_id}


def all_done() -> bool:
    rows = all_rows()
    return bool(rows) and all(r.status in ("sent", "failed") for r in rows)


@pytest.fixture
def salon(create_tenant, create_service, create_master, create_client, create_user):
    tenant = create_tenant("beauty", name="Beauty Lab", default_language="ru")
    svc = create_service(tenant, name="Haircut")
    user = create_user(tenant, role="master", email="aigerim@example.com", language="kk")
    master = create_master(tenant, services=[svc], user=user, name="Aigerim")
    return tenant, svc, master


def test_booking_emails_and_sms_in_each_recipients_language(
    salon, create_client, create_booking, start_worker, smtp_server, sms_gateway
):
    inbox, _ = smtp_server
    gw, _ = sms_gateway
    tenant, svc, master = salon
    client = create_client(tenant, phone="+77015550101", name="Dana", language="en")
    with tenancy.tenant_scope(tenant.id):
        client.email = "dana@example.com"
        booking = create_booking(tenant, master, svc, START, client=client)
        events.booking_event("created", booking)
    db.session.commit()
    start_worker()
    wait_for(lambda: len(inbox.messages) == 2 and gw.delivered, message="2 emails and 1 SMS")
    wait_for(all_done, message="rows marked sent")

    (client_mail,) = inbox.to("dana@example.com")
    assert client_mail["Subject"] == "Your booking at Beauty Lab"
    parts = {p.get_content_type(): p for p in client_mail.walk()}
    assert {"text/plain", "text/html", "text/calendar"} <= set(parts)
    assert "When: Tuesday, December 1, 2026, 10:00\u202fAM" in parts["text/plain"].get_content()
    assert parts["text/calendar"].get_filename() == "booking.ics"
    assert "DTSTART:20261201T050000Z" in parts["text/calendar"].get_content()

    (master_mail,) = inbox.to("aigerim@example.com")  # the master's language: Kazakh
    body = master_mail.get_body(("plain",)).get_content()
    assert tr("kk", "When: %(when)s", when="2026\u202fж. 1 желтоқсан, сейсенбі, 10:00") in body
    assert tr("kk", "You have a new booking.") in body and "Dana, +7 701 555 01 01" in body

    (sms,) = gw.delivered
    assert sms["auth"] == "Bearer sms-secret"
    assert (sms["body"]["to"], sms["body"]["sender"]) == ("+77015550101", "Jazyl")
    assert sms["body"]["text"].startswith("Beauty Lab: Haircut, Tue, Dec 1, 10:00 AM. Booking confirmed. Your visit: ")
    rows = all_rows()
    assert [r.status for r in rows] == ["sent"] * 3 and all(r.attempts == 1 for r in rows)


def test_russian_client_gets_russian_sms(salon, create_client, create_booking, start_worker, sms_gateway):
    gw, _ = sms_gateway
    tenant, svc, master = salon
    client = create_client(tenant, phone="+77015550102", language="ru")
    with tenancy.tenant_scope(tenant.id):
        booking = create_booking(tenant, master, svc, START, client=client)
        events.booking_event("confirmed", booking)
    db.session.commit()
    start_worker()
    wait_for(lambda: gw.delivered, message="the SMS")
    text = gw.texts_to("+77015550102")[0]
    assert text.startswith(
        "Beauty Lab: " + tr("ru", "your booking for %(when)s is confirmed.", when="вт, 1 дек., 10:00")
    )


def test_sms_gateway_failing_twice_delivers_exactly_one(create_tenant, start_worker, sms_gateway):
    gw, _ = sms_gateway
    gw.fail_first = 2
    tenant = create_tenant("codes", name="Codes")
    with tenancy.tenant_scope(tenant.id):
        events.client_code(tenant, "+77015550103", "482913", "en")
    db.session.commit()
    start_worker()
    wait_for(all_done, message="the code SMS sent")
    (row,) = all_rows()
    assert (row.status, row.attempts) == ("sent", 3)
    assert len(gw.requests) == 3 and len(gw.delivered) == 1
    assert gw.delivered[0]["body"]["text"] == "Your code for Codes: 482913"
    assert row.body == "Your code for Codes: ••••••" and "482913" not in str(row.payload)  # not kept once sent
    assert len({r["key"] for r in gw.requests}) == 1  # the same idempotency key on every attempt


def test_row_fails_after_the_last_attempt_with_the_error_kept(create_tenant, start_worker, sms_gateway):
    gw, _ = sms_gateway
    gw.fail_first = 100
    tenant = create_tenant("codes", name="Codes")
    with tenancy.tenant_scope(tenant.id):
        events.client_code(tenant, "+77015550104", "111222", "en")
    db.session.commit()
    start_worker(env={"NOTIFY_RETRY_INTERVALS": "1,1"})
    wait_for(all_done, message="the row failed")
    (row,) = all_rows()
    assert (row.status, row.attempts) == ("failed", 3)
    assert "503" in row.last_error and len(gw.requests) == 3 and gw.delivered == []
    assert "111222" not in str(row.payload)  # the code is not kept once given up


def test_a_job_running_twice_sends_once(salon, create_client, create_booking, start_worker, smtp_server):
    inbox, _ = smtp_server
    master = salon[2]
    events.password_reset(master.user, "http://owner.beauty.localhost:5000/reset/x")
    db.session.commit()
    (row,) = all_rows()
    send_notification.enqueue_now(row.id)  # a duplicate job for the same row
    send_notification.enqueue_now(row.id)
    queued = get_queue("notifications").job_ids  # the commit's job and the two duplicates
    assert len(queued) == 3
    start_worker()
    wait_for(all_done, message="sent")
    wait_for(lambda: set(queued) <= jobs_ended("notifications"), message="all three jobs ended")
    assert len(inbox.messages) == 1
    assert all_rows()[0].attempts == 1


def test_redis_down_at_commit_is_delivered_by_the_sweep(app, monkeypatch, create_tenant, start_worker, sms_gateway):
    gw, _ = sms_gateway
    tenant = create_tenant("codes", name="Codes")
    real = app.extensions["redis"]
    dead_port = free_port()  # nothing listens there
    monkeypatch.setitem(
        app.extensions, "redis", redis.Redis(host="127.0.0.1", port=dead_port, socket_connect_timeout=0.5)
    )
    with tenancy.tenant_scope(tenant.id):
        events.client_code(tenant, "+77015550105", "909090", "en")
    db.session.commit()  # the enqueue fails after commit: the booking stands, the row waits
    monkeypatch.setitem(app.extensions, "redis", real)
    (row,) = all_rows()
    assert row.status == "queued"
    # The worker's own periodic sweep picks the row up once Redis answers again.
    w = start_worker(env={"PERIODIC_MINUTE_SECONDS": "1", "NOTIFY_SWEEP_DELAY_SECONDS": "1"})
    wait_for(all_done, timeout=40, message="the sweep delivered the row")
    assert gw.texts_to("+77015550105") == ["Your code for Codes: 909090"]
    assert w.proc.poll() is None


def test_worker_killed_mid_send_neither_loses_nor_duplicates(
    salon, create_client, create_booking, start_worker, sms_gateway
):
    gw, _ = sms_gateway
    gw.hang.set()  # the gateway takes the request and never answers
    tenant, svc, master = salon
    client = create_client(tenant, phone="+77015550106", language="en")
    with tenancy.tenant_scope(tenant.id):
        booking = create_booking(tenant, master, svc, START, client=client)
        events.booking_event("confirmed", booking)
    db.session.commit()
    first = start_worker()
    wait_for(lambda: gw.requests, message="the worker calling the gateway")
    first.kill_all()  # SIGKILL worker and work horse while the send is in flight
    (row,) = [r for r in all_rows() if r.channel == "sms"]
    assert row.status == "sending" and gw.delivered == []

    gw.hang.clear()
    gw.release.set()
    db.session.rollback()  # end the test's read snapshot before writing
    later = datetime.now(UTC) + timedelta(minutes=11)  # past NOTIFY_STUCK_SECONDS
    clock.freeze(later)
    assert sweep_outbox() == {"reclaimed": 1, "enqueued": 1, "expired": 0}
    clock.reset()
    start_worker(env={"JAZYL_FAKE_NOW": later.isoformat()})  # the worker lives in the same "later"
    wait_for(all_done, message="sent after the crash")
    assert gw.texts_to("+77015550106") == [gw.requests[0]["body"]["text"]]
    assert "Beauty Lab" in gw.requests[0]["body"]["text"]
    assert len(gw.delivered) == 1 and {r["key"] for r in gw.requests} == {row.dedupe_key}
    assert db.session.get(Notification, row.id).attempts == 2


def test_worker_pool_serves_jobs_and_stops_cleanly_on_sigterm(app, create_tenant, start_worker, sms_gateway):
    from rq import Worker

    from app.core.jobs import get_queue

    gw, _ = sms_gateway
    w = start_worker("--workers", "2")
    queue = get_queue("notifications")
    wait_for(lambda: len(Worker.all(queue=queue)) == 2, message="two registered workers")
    tenant = create_tenant("codes", name="Codes")
    with tenancy.tenant_scope(tenant.id):
        for i in range(4):
            events.client_code(tenant, f"+7701555020{i}", f"00000{i}", "en")
    db.session.commit()
    wait_for(lambda: len(all_rows()) == 4 and all_done(), message="four codes sent")
    assert len(gw.delivered) == 4
    w.proc.send_signal(signal.SIGTERM)
    assert w.proc.wait(30) == 0
    assert "Traceback" not in w.output()
    assert Worker.all(queue=queue) == []


@pytest.mark.skipif(bool(os.environ.get("TEST_REDIS_URL")), reason="checks the embedded Redis (SQLite setup)")
def test_worker_joins_the_embedded_redis_when_no_redis_url_is_set(create_tenant, start_worker, worker_env, sms_gateway):
    gw, _ = sms_gateway
    tenant = create_tenant("codes", name="Codes")
    with tenancy.tenant_scope(tenant.id):
        events.client_code(tenant, "+77015550107", "246810", "en")
    db.session.commit()
    env = {k: v for k, v in worker_env.items() if k != "REDIS_URL"}  # the embedded default, as `make run`
    start_worker(env={"REDIS_URL": ""} | env)
    wait_for(all_done, message="sent through the embedded Redis")
    assert gw.texts_to("+77015550107") == ["Your code for Codes: 246810"]


def test_worker_periodic_sweep_sends_each_reminder_once(
    salon, create_client, create_booking, start_worker, sms_gateway
):
    gw, _ = sms_gateway
    tenant, svc, master = salon
    client = create_client(tenant, phone="+77015550108", language="en")
    create_booking(tenant, master, svc, START, client=client, created_at=START - timedelta(days=3))
    db.session.commit()
    # The worker's clock stands 90 minutes before the visit; its loop sweeps every second.
    start_worker(env={"PERIODIC_MINUTE_SECONDS": "1", "JAZYL_FAKE_NOW": (START - timedelta(minutes=90)).isoformat()})
    wait_for(lambda: gw.delivered, message="the 2 h reminder")
    before = jobs_ended("default", "periodic-reminder_sweep-")
    more = lambda: len(jobs_ended("default", "periodic-reminder_sweep-") - before) >= 2  # noqa: E731
    wait_for(more, message="two more reminder sweeps")  # still one reminder, and no 24 h one this late
    (text,) = gw.texts_to("+77015550108")  # the worker's clock says it is the visit's day: "today"
    assert text.startswith("Beauty Lab: reminder: Haircut today, 10:00 AM. Abay 1 Your visit: http://")
    rows = all_rows()
    assert [(r.template, r.payload["reminder"], r.status) for r in rows] == [("booking_reminder", "2h", "sent")]
