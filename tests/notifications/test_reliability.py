"""Nothing lost after the retries (issue 8, item 9).

- the retry schedule comes from ``NOTIFY_RETRY_INTERVALS`` and by default outlasts a day-long
  outage; neither the outbox sweep nor a stray job attempts a row before it is due, and a
  day-long mail outage ends in exactly one delivery (driven clock, real SMTP server, real RQ
  jobs run in this process so they see the driven clock);
- a notification that used up its retries is listed for the business (owner dashboard) and
  the platform admin (Outbox) and can be re-sent there or with ``flask notifications-resend``;
  a re-send is audited and a second click sends nothing more;
- a verification code does not stay readable in the outbox once sent or expired, except in
  development with the development SMS provider.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditLog
from app.core import clock, tenancy
from app.core.auth import Actor
from app.core.errors import Conflict, NotFound
from app.extensions import db
from app.notifications import events, services
from app.notifications.jobs import send_notification, sweep_outbox
from app.notifications.models import Notification
from tests.notifications.conftest import wait_for

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def run_jobs() -> None:
    """Run the queued notification jobs with RQ's SimpleWorker (burst) in this process."""
    from rq import SimpleWorker

    from app.core.jobs import get_queue

    db.session.commit()
    queue = get_queue("notifications")
    if queue.count:
        SimpleWorker([queue], connection=queue.connection).work(burst=True, logging_level="WARNING")
    db.session.rollback()


def row(nid: int) -> Notification:
    db.session.rollback()
    return db.session.get(Notification, nid)


def use_smtp(app, monkeypatch, port: int) -> None:
    for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_TLS": "none"}.items():
        monkeypatch.setitem(app.config, key, value)


def use_sms_gateway(app, monkeypatch, url: str) -> None:
    for key, value in {"SMS_PROVIDER": "http", "SMS_HTTP_URL": url, "SMS_HTTP_TOKEN": "t"}.items():
        monkeypatch.setitem(app.config, key, value)


def reset_mail(user) -> int:
    events.password_reset(user, "http://owner.beauty.localhost:5000/reset/x")
    db.session.flush()
    return db.session.scalar(select(Notification.id).where(Notification.recipient == user.email))


def failed(tenant, user, error: str = "SMTP: (451, b'try again later')") -> Notification:
    nid = reset_mail(user)
    n = db.session.get(Notification, nid)
    n.status, n.attempts, n.last_error = "failed", 15, error
    db.session.flush()
    return n


@pytest.fixture
def beauty(create_tenant, create_user):
    tenant = create_tenant("beauty", name="Beauty Lab")
    owner = create_user(tenant, role="owner", email="owner@beauty.test")
    return tenant, owner


# ---------------------------------------------------------------- the retry schedule


def test_default_retry_schedule_outlasts_a_day_and_is_configurable(app, monkeypatch):
    default = services.parse_intervals(None)
    assert sum(default) > 24 * 3600
    assert default == sorted(default)
    assert services.parse_intervals("30, 1m,2h,1d") == [30, 60, 7200, 86400]
    monkeypatch.setitem(app.config, "NOTIFY_RETRY_INTERVALS", "5m,1h")
    assert services.retry_intervals() == [300, 3600] and services.max_attempts() == 3
    with pytest.raises(ValueError, match="NOTIFY_RETRY_INTERVALS"):
        services.parse_intervals("1m,soon")


def test_no_attempt_before_the_row_is_due_whoever_runs_the_job(app, monkeypatch, smtp_server, beauty, frozen_now):
    inbox, port = smtp_server
    use_smtp(app, monkeypatch, port)
    monkeypatch.setitem(app.config, "NOTIFY_RETRY_INTERVALS", "10m,1h")
    inbox.down = True
    frozen_now(T0)
    nid = reset_mail(beauty[1])
    run_jobs()  # attempt 1: the server answers 451
    n = row(nid)
    assert (n.status, n.attempts, n.next_attempt_at) == ("queued", 1, T0 + timedelta(minutes=10))

    clock.travel(timedelta(minutes=9))
    assert sweep_outbox()["enqueued"] == 0  # the sweep leaves a row that is not due yet
    send_notification.enqueue_now(nid)  # a second job (an RQ retry on its own schedule, a duplicate)
    run_jobs()
    assert (row(nid).attempts, len(inbox.tries)) == (1, 1)  # it ran, and left the row alone

    clock.travel(timedelta(minutes=1))
    send_notification.enqueue_now(nid)
    run_jobs()
    n = row(nid)
    assert (n.status, n.attempts, len(inbox.tries)) == ("queued", 2, 2)
    assert n.next_attempt_at == T0 + timedelta(minutes=10, hours=1)

    clock.travel(timedelta(minutes=59))
    send_notification.enqueue_now(nid)
    run_jobs()
    assert row(nid).attempts == 2  # the last attempt waits for the last interval too

    inbox.down = False
    clock.travel(timedelta(minutes=2))
    assert sweep_outbox()["enqueued"] == 1  # due (and past the sweep delay): the sweep picks it up
    run_jobs()
    assert (row(nid).status, row(nid).attempts, len(inbox.messages)) == ("sent", 3, 1)


@pytest.mark.parametrize("stray_jobs", [False, True], ids=["sweep-only", "with-stray-jobs"])
def test_a_day_long_mail_outage_ends_in_exactly_one_delivery(app, monkeypatch, smtp_server, beauty, stray_jobs):
    """The default schedule, a mail server answering 451 for 24 hours, the clock driven in
    10-minute steps; each step runs the outbox sweep (and, in the second variant, one more job
    for the row, as an RQ retry on a schedule of its own would)."""
    inbox, port = smtp_server
    use_smtp(app, monkeypatch, port)
    monkeypatch.setitem(app.config, "NOTIFY_RETRY_INTERVALS", None)
    outage_end = T0 + timedelta(hours=24)
    inbox.down = lambda: clock.now() < outage_end
    clock.freeze(T0)
    nid = reset_mail(beauty[1])
    run_jobs()
    seen = set()
    quiet_until = T0 + timedelta(hours=40)
    while clock.now() < quiet_until:
        clock.travel(timedelta(minutes=10))
        sweep_outbox()
        if stray_jobs:
            send_notification.enqueue_now(nid)
        run_jobs()
        seen.add(row(nid).status)
        if inbox.messages and quiet_until == T0 + timedelta(hours=40):
            quiet_until = clock.now() + timedelta(hours=3)  # a few more hours of sweeps: no second copy
    intervals = services.retry_intervals()
    tries = inbox.tries
    assert "failed" not in seen
    assert len(inbox.messages) == 1 and row(nid).status == "sent"
    assert all(t < outage_end for t in tries[:-1]) and tries[-1] >= outage_end
    assert len(tries) <= services.max_attempts()
    for k, (before, after) in enumerate(itertools.pairwise(tries)):
        assert after - before >= timedelta(seconds=intervals[k]), f"attempt {k + 2} came early"
    # delivered within one interval (plus a step and the sweep delay) of the outage's end
    assert tries[-1] - outage_end <= timedelta(seconds=max(intervals), minutes=11)


# ---------------------------------------------------------------- re-send


def test_resend_requeues_a_failed_row_once_and_audits_it(beauty, create_tenant, create_user):
    tenant, owner = beauty
    n = failed(tenant, owner)
    other_tenant = create_tenant("other")
    other = failed(other_tenant, create_user(other_tenant, role="owner", email="o@other.test"))
    actor = Actor.for_user(owner)
    assert services.resend(actor, n.id, tenant_id=tenant.id) is True
    db.session.commit()
    n = row(n.id)
    assert (n.status, n.attempts, n.next_attempt_at, n.last_error) == ("queued", 0, None, None)
    assert services.resend(actor, n.id, tenant_id=tenant.id) is False  # a second click: nothing more
    (entry,) = db.session.scalars(select(AuditLog).where(AuditLog.action == "notification.resend"))
    assert (entry.object_id, entry.tenant_id, entry.actor_id) == (n.id, tenant.id, owner.id)
    assert entry.before["status"] == "failed" and "451" in entry.before["last_error"]
    with pytest.raises(NotFound):  # another business's message
        services.resend(actor, other.id, tenant_id=tenant.id)
    with tenancy.tenant_scope(tenant.id):
        events.client_code(tenant, "+77015550190", "123456", "en")
    code = db.session.scalar(select(Notification).where(Notification.template == "client_code"))
    code.status = "failed"
    with pytest.raises(Conflict):  # a code is useless by now: the client asks for a new one
        services.resend(Actor.system(), code.id)


@pytest.fixture
def owner_client(beauty, commit, host_client):
    commit()
    c = host_client("owner.beauty")
    assert c.post("/login", data={"email": "owner@beauty.test", "password": "password123"}).status_code == 302
    return c


def test_owner_sees_failed_messages_of_the_business_only(beauty, owner_client, create_tenant, create_user, commit):
    tenant, owner = beauty
    n = failed(tenant, owner, "SMTP: mailbox unavailable")
    sent = failed(tenant, create_user(tenant, role="manager", email="sent@beauty.test"))
    sent.status = "sent"
    other_tenant = create_tenant("other")
    failed(other_tenant, create_user(other_tenant, role="owner", email="o@other.test"))
    commit()
    home = owner_client.get("/").get_data(as_text=True)
    assert 'href="/messages"' in home and "could not be delivered" in home
    page = owner_client.get("/messages").get_data(as_text=True)
    assert "owner@beauty.test" in page and "SMTP: mailbox unavailable" in page
    assert f'action="/messages/{n.id}/resend"' in page
    assert "sent@beauty.test" not in page and "o@other.test" not in page


def test_owner_resend_twice_delivers_once(beauty, owner_client, smtp_server, start_worker, commit):
    inbox, _ = smtp_server
    owner = beauty[1]
    inbox.down = True
    nid = reset_mail(owner)
    commit()
    start_worker(env={"NOTIFY_RETRY_INTERVALS": "1,1"})
    wait_for(lambda: row(nid).status == "failed", message="the row failed after its retries")
    assert "451" in row(nid).last_error and len(inbox.tries) == 3

    inbox.down = False
    first = owner_client.post(f"/messages/{nid}/resend")
    second = owner_client.post(f"/messages/{nid}/resend")
    assert first.status_code == second.status_code == 302
    wait_for(lambda: row(nid).status == "sent", message="the re-sent message delivered")
    assert len(inbox.messages) == 1 and row(nid).attempts == 1
    assert db.session.scalar(select(AuditLog.id).where(AuditLog.action == "notification.resend")) is not None
    assert len(list(db.session.scalars(select(AuditLog).where(AuditLog.action == "notification.resend")))) == 1
    assert "owner@beauty.test" not in owner_client.get("/messages").get_data(as_text=True)


def test_owner_cannot_resend_another_business_message(owner_client, create_tenant, create_user, commit):
    other_tenant = create_tenant("other")
    other = failed(other_tenant, create_user(other_tenant, role="owner", email="o@other.test"))
    commit()
    assert owner_client.post(f"/messages/{other.id}/resend").status_code == 404
    assert row(other.id).status == "failed"


def test_admin_outbox_resends_failed_rows(beauty, admin, create_user, commit):
    tenant, owner = beauty
    n = failed(tenant, owner)
    sent = failed(tenant, create_user(tenant, role="manager", email="sent@beauty.test"))
    sent.status = "sent"
    commit()
    page = admin.get("/outbox?status=failed").get_data(as_text=True)
    assert f'action="/outbox/{n.id}/resend"' in page and "sent@beauty.test" not in page
    assert 'value="failed" selected' in page
    assert f'action="/outbox/{sent.id}/resend"' not in admin.get("/outbox").get_data(as_text=True)
    assert admin.post(f"/outbox/{n.id}/resend").status_code == 302
    assert admin.post(f"/outbox/{n.id}/resend").status_code == 302  # again: a no-op
    assert row(n.id).status == "queued"
    entries = list(db.session.scalars(select(AuditLog).where(AuditLog.action == "notification.resend")))
    assert len(entries) == 1 and entries[0].actor_label == "root@jazyl.test"
    assert admin.post("/outbox/999999/resend").status_code == 404


def test_cli_resends_by_id_by_business_or_all(app, beauty, create_tenant, create_user, commit):
    tenant, owner = beauty
    a = failed(tenant, owner)
    b = failed(tenant, create_user(tenant, role="manager", email="m@beauty.test"))
    other_tenant = create_tenant("other")
    c = failed(other_tenant, create_user(other_tenant, role="owner", email="o@other.test"))
    commit()
    runner = app.test_cli_runner()

    result = runner.invoke(args=["notifications-resend"])
    assert result.exit_code != 0 and "--id" in result.output
    result = runner.invoke(args=["notifications-resend", "--tenant", "nope", "--all-failed"])
    assert result.exit_code != 0 and "nope" in result.output

    result = runner.invoke(args=["notifications-resend", "--id", str(a.id)])
    assert result.exit_code == 0, result.output
    assert [row(x.id).status for x in (a, b, c)] == ["queued", "failed", "failed"]
    result = runner.invoke(args=["notifications-resend", "--id", str(a.id)])
    assert result.exit_code == 0 and "not failed" in result.output  # idempotent

    result = runner.invoke(args=["notifications-resend", "--tenant", "beauty", "--all-failed"])
    assert result.exit_code == 0, result.output
    assert [row(x.id).status for x in (a, b, c)] == ["queued", "queued", "failed"]
    result = runner.invoke(args=["notifications-resend", "--all-failed"])
    assert result.exit_code == 0 and "1 re-sent" in result.output
    assert row(c.id).status == "queued"
    entries = db.session.scalars(select(AuditLog).where(AuditLog.action == "notification.resend"))
    assert {e.actor_label for e in entries} == {"cli"}


# ---------------------------------------------------------------- verification codes


def _code(tenant, code: str = "482913", phone: str = "+77015550110") -> int:
    with tenancy.tenant_scope(tenant.id):
        events.client_code(tenant, phone, code, "en")
    db.session.flush()
    return db.session.scalar(select(Notification.id).where(Notification.recipient == phone))


def test_a_sent_code_is_not_kept_in_the_outbox(beauty):
    nid = _code(beauty[0])  # testing configuration, development SMS provider
    run_jobs()
    n = row(nid)
    assert n.status == "sent" and n.body == "Your code for Beauty Lab: ••••••"
    assert "482913" not in json.dumps(n.payload) + (n.body or "") + (n.subject or "") + (n.last_error or "")


def test_development_keeps_codes_readable_in_the_outbox(app, beauty, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", "development")
    nid = _code(beauty[0])
    run_jobs()
    assert row(nid).body == "Your code for Beauty Lab: 482913"


def test_a_code_not_sent_in_time_expires_and_is_dropped(app, beauty, monkeypatch, sms_gateway, frozen_now):
    gw, url = sms_gateway
    use_sms_gateway(app, monkeypatch, url)
    frozen_now(T0)
    swept = _code(beauty[0], "111111", "+77015550111")
    late = _code(beauty[0], "222222", "+77015550112")
    db.session.commit()
    app.extensions["redis"].flushdb()  # the jobs were lost (Redis restarted): nothing was sent
    clock.travel(timedelta(minutes=11))  # past the code's 10 minutes
    send_notification.enqueue_now(late)  # one job comes late
    run_jobs()
    sweep_outbox()
    run_jobs()
    assert gw.requests == []
    for nid, code in ((swept, "111111"), (late, "222222")):
        n = row(nid)
        assert n.status == "expired" and code not in json.dumps(n.payload) + (n.body or "")


def test_the_gateway_gets_the_code_and_the_row_keeps_none(app, beauty, monkeypatch, sms_gateway):
    gw, url = sms_gateway
    use_sms_gateway(app, monkeypatch, url)
    monkeypatch.setitem(app.config, "ENV_NAME", "development")  # a real gateway: redacted even here
    nid = _code(beauty[0])
    run_jobs()
    assert gw.texts_to("+77015550110") == ["Your code for Beauty Lab: 482913"]
    n = row(nid)
    assert n.status == "sent" and "482913" not in json.dumps(n.payload) + n.body
