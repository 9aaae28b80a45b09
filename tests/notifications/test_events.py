"""Events write outbox rows in the caller's transaction, one per recipient and channel,
in the recipient's language; rendering uses the location's local time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import gettext
from sqlalchemy import select

from app.core import tenancy
from app.core.auth import Actor
from app.core.i18n import in_locale
from app.extensions import db
from app.notifications import events, services
from app.notifications.models import Notification
from app.notifications.providers import SMTPProvider


def tr(lang: str, msgid: str, **kw) -> str:
    """The catalog's text for ``msgid`` in ``lang`` (English until the catalogs are compiled)."""
    with in_locale(lang):
        return gettext(msgid, **kw)


START = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)  # 10:00 in Almaty (UTC+5)


@pytest.fixture
def booking(create_tenant, create_service, create_master, create_client, create_booking, create_user):
    def make(client_lang="ru", master_lang="kk", client_email="client@example.com", **kw):
        tenant = create_tenant("beauty", name="Beauty Lab", default_language="en")
        svc = create_service(tenant, name="Стрижка")
        user = create_user(tenant, role="master", email="aigerim@example.com", language=master_lang)
        master = create_master(tenant, services=[svc], user=user, name="Айгерим")
        client = create_client(tenant, phone="+77015550101", name="Дана", language=client_lang)
        with tenancy.tenant_scope(tenant.id):
            client.email = client_email
            b = create_booking(tenant, master, svc, kw.pop("start", START), client=client, **kw)
        return tenant, b

    return make


def rows() -> list[Notification]:
    return list(db.session.scalars(select(Notification).order_by(Notification.id)))


def test_booking_created_makes_one_row_per_recipient_and_channel(booking):
    tenant, b = booking()
    with tenancy.tenant_scope(tenant.id):
        events.booking_event("created", b)
        events.booking_event("created", b)  # the same event again is not queued twice
    got = {(r.channel, r.recipient, r.template, r.language) for r in rows()}
    assert got == {
        ("sms", "+77015550101", "booking_created", "ru"),
        ("email", "client@example.com", "booking_created", "ru"),
        ("email", "aigerim@example.com", "booking_new", "kk"),
    }
    assert all(r.status == "queued" and r.tenant_id == tenant.id and r.booking_id == b.id for r in rows())
    assert len({r.dedupe_key for r in rows()}) == 3


def test_rows_roll_back_with_the_caller(booking):
    tenant, b = booking()
    db.session.commit()
    with tenancy.tenant_scope(tenant.id):
        events.booking_event("confirmed", b)
    db.session.rollback()
    assert rows() == []


def test_render_in_recipient_language_and_local_time(booking, frozen_now):
    frozen_now(START - timedelta(days=5))  # rendered well before the day: a date, not "tomorrow"
    tenant, b = booking()
    with tenancy.tenant_scope(tenant.id):
        events.booking_event("created", b)
    by = {(r.channel, r.template): r for r in rows()}
    sms = services.render(by[("sms", "booking_created")])
    assert sms.text.startswith(f"Beauty Lab: Стрижка, вт, 1 дек., 10:00. {tr('ru', 'Booking confirmed.')} ")
    assert "http://beauty.localhost:5000/v/" in sms.text  # the short link to manage the visit
    mail = services.render(by[("email", "booking_created")])
    assert mail.subject == tr("ru", "Your booking at %(business)s", business="Beauty Lab")
    assert tr("ru", "When: %(when)s", when="вторник, 1 декабря 2026\u202fг., 10:00") in mail.text
    assert "Стрижка" in mail.text
    assert mail.html and "<html" in mail.html and mail.attachments[0][0] == "booking.ics"
    ics = mail.attachments[0][2].decode()
    assert "DTSTART:20261201T050000Z" in ics and f"UID:booking-{b.id}@localhost" in ics
    master_mail = services.render(by[("email", "booking_new")])
    assert tr("kk", "You have a new booking.") in master_mail.text and "Дана, +7 701 555 01 01" in master_mail.text
    assert tr("kk", "When: %(when)s", when="2026\u202fж. 1 желтоқсан, сейсенбі, 10:00") in master_mail.text
    assert "/v/" not in master_mail.text  # the client's manage link is the client's only
    assert "Айгерим" in master_mail.text


def test_cancel_by_client_tells_the_client_and_the_master(booking):
    tenant, b = booking()
    with tenancy.tenant_scope(tenant.id):
        b.status, b.cancelled_by = "cancelled", "client"
        events.booking_event("cancelled", b, actor=Actor.for_client(b.client))
    assert [(r.recipient, r.template) for r in rows()] == [
        ("+77015550101", "booking_cancelled"),  # the client's SMS: the cancellation went through
        ("client@example.com", "booking_cancelled"),
        ("aigerim@example.com", "booking_cancelled"),
    ]
    msg = services.render(rows()[2])
    assert "METHOD:CANCEL" in msg.attachments[0][2].decode()


def test_cancel_by_business_tells_the_client(booking):
    tenant, b = booking(client_lang="en")
    with tenancy.tenant_scope(tenant.id):
        b.status, b.cancelled_by, b.cancel_reason = "cancelled", "business", "Master is ill"
        events.booking_event("cancelled", b, actor=Actor("user", 1, "owner@x", "owner", tenant.id))
    recipients = sorted(r.recipient for r in rows())
    assert recipients == ["+77015550101", "aigerim@example.com", "client@example.com"]
    mail = services.render(next(r for r in rows() if r.recipient == "client@example.com"))
    assert "Beauty Lab cancelled the booking." in mail.text and "Reason: Master is ill" in mail.text


def test_reschedule_is_a_new_message_per_new_time(booking):
    tenant, b = booking(client_email=None)
    with tenancy.tenant_scope(tenant.id):
        old = b.start_at
        b.start_at, b.end_at = old + timedelta(hours=2), b.end_at + timedelta(hours=2)
        b.block_end_at, b.version = b.end_at, 2
        events.booking_event("rescheduled", b, previous_start=old)
    sms = services.render(next(r for r in rows() if r.channel == "sms"))
    assert "12:00" in sms.text
    mail = services.render(next(r for r in rows() if r.channel == "email"))
    assert "10:00" in mail.text and "12:00" in mail.text  # previous and new time


def test_client_code_sms_and_password_reset(create_tenant, create_user):
    tenant = create_tenant("codes", name="Codes")
    with tenancy.tenant_scope(tenant.id):
        events.client_code(tenant, "+77015550199", "123456", "kk")
    user = create_user(tenant, email="owner@codes.kz", language="ru")
    events.password_reset(user, "http://owner.codes.localhost:5000/reset/tok")
    code_row, reset_row = rows()
    assert (code_row.channel, code_row.language) == ("sms", "kk")
    assert "123456" in services.render(code_row).text
    mail = services.render(reset_row)
    assert reset_row.language == "ru" and "http://owner.codes.localhost:5000/reset/tok" in mail.text
    assert mail.subject == tr("ru", "Reset your password")


def test_tenant_events_go_to_the_owner_in_the_owners_language(create_tenant, create_user):
    from app.tenants import services as tenant_services

    tenant = create_tenant("newbiz", status="pending", name="New Biz", default_language="en")
    create_user(tenant, email="boss@newbiz.kz", language="kk", name="Ерлан")
    tenant_services.reject_tenant(Actor.system(), tenant, "Нет документов")
    (row,) = rows()
    assert (row.recipient, row.template, row.language) == ("boss@newbiz.kz", "tenant_rejected", "kk")
    mail = services.render(row)
    assert tr("kk", "Reason: %(reason)s", reason="Нет документов") in mail.text
    assert mail.subject == tr("kk", "%(business)s was not approved", business="New Biz")


def test_smtp_message_is_multipart_with_ics(booking):
    tenant, b = booking()
    with tenancy.tenant_scope(tenant.id):
        events.booking_event("confirmed", b)
    row = next(r for r in rows() if r.channel == "email")
    built = SMTPProvider({"SMTP_HOST": "127.0.0.1", "SMTP_TLS": "none", "MAIL_FROM": "a@b.kz"}).build(
        services.render(row)
    )
    types = [p.get_content_type() for p in built.walk()]
    assert types[0] == "multipart/mixed" and "text/plain" in types and "text/html" in types
    assert "text/calendar" in types and row.dedupe_key.replace(":", ".") in built["Message-ID"]


def test_booking_services_write_outbox_rows_in_their_transaction(
    create_tenant, create_service, create_master, create_client, create_user, frozen_now
):
    from app.bookings import services as booking_services

    frozen_now(START - timedelta(days=2))
    tenant = create_tenant("svc", name="Svc Salon")
    svc = create_service(tenant)
    user = create_user(tenant, role="master", email="m@svc.kz", language="ru")
    master = create_master(tenant, services=[svc], user=user)
    client = create_client(tenant, language="kk")
    with tenancy.tenant_scope(tenant.id):
        actor = Actor.for_client(client)
        b = booking_services.create_booking(
            tenant, actor, service_id=svc.id, master_id=master.id, start=START, client=client
        )
        booking_services.cancel_booking(tenant, actor, b, reason="plans changed")
    got = [(r.template, r.recipient, r.language) for r in rows()]
    assert got[:2] == [("booking_created", client.phone, "kk"), ("booking_new", "m@svc.kz", "ru")]
    # The client cancelled: the client gets an SMS that it went through, the master is told.
    assert got[2:] == [("booking_cancelled", client.phone, "kk"), ("booking_cancelled", "m@svc.kz", "ru")]


def test_permission_decision_is_mailed_to_the_master(create_tenant, create_master, create_user):
    from app.catalog import permissions as catalog_permissions

    tenant = create_tenant("perm", name="Perm")
    owner = create_user(tenant, role="owner")
    user = create_user(tenant, role="master", email="m@perm.kz", language="kk")
    master = create_master(tenant, user=user)
    with tenancy.tenant_scope(tenant.id):
        req = catalog_permissions.request_permission(tenant, Actor.for_user(user, master), "see_client_phones", "calls")
        catalog_permissions.decide_permission_request(tenant, Actor.for_user(owner), req, approve=True)
    # (The owner was told about the request itself: see tests/web/test_onboarding.py.)
    (row,) = [r for r in rows() if r.template == "permission_request_decided"]
    assert (row.recipient, row.template, row.language) == ("m@perm.kz", "permission_request_decided", "kk")
    mail = services.render(row)
    assert (
        tr(
            "kk",
            "Your request for the permission “%(permission)s” was approved.",
            permission=tr("kk", "See client phone numbers"),
        )
        in mail.text
    )
