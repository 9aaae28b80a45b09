"""A business that writes in Russian, Kazakh and English: a client books in their language and
every place the visit is shown (the booking site, the API, the SMS, the email, the calendar
file) names the service and the address in that language.  Real RQ worker, SMTP server and
SMS gateway."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.accounts.models import Client
from app.bookings.models import Booking
from app.core import tenancy
from app.extensions import db
from app.notifications import events
from app.notifications.links import token_for_visit
from tests.notifications.conftest import wait_for

ALMATY = ZoneInfo("Asia/Almaty")

SERVICE = {"ru": "Женская стрижка", "kk": "Әйелдер шашын қию", "en": "Women's haircut"}
ADDRESS = {"ru": "пр. Достык, 89, Алматы", "kk": "Достық даңғылы, 89, Алматы", "en": "Dostyk Ave 89, Almaty"}
BUSINESS = {"ru": "Студия «Жұлдыз»", "kk": "«Жұлдыз» студиясы", "en": "Zhuldyz Studio"}


@pytest.fixture
def studio(create_tenant, create_service, create_master, commit):
    tenant = create_tenant(
        "zhuldyz",
        name=BUSINESS["ru"],
        default_language="ru",
        languages=["ru", "kk", "en"],
        translations={"kk": {"name": BUSINESS["kk"]}, "en": {"name": BUSINESS["en"]}},
    )
    svc = create_service(
        tenant,
        name=SERVICE["ru"],
        translations={"kk": {"name": SERVICE["kk"]}, "en": {"name": SERVICE["en"]}},
    )
    master = create_master(tenant, name="Айгерим", services=[svc], hours=((time(0), time(23, 45)),))
    with tenancy.tenant_scope(tenant.id):
        location = master.location
        location.address = ADDRESS["ru"]
        location.translations = {"kk": {"address": ADDRESS["kk"]}, "en": {"address": ADDRESS["en"]}}
    commit()
    return tenant, svc, master


def _tomorrow_at_ten() -> str:
    day = datetime.now(ALMATY).date() + timedelta(days=1)
    return datetime.combine(day, time(10), ALMATY).isoformat()


def _book_on_the_site(c, svc, master, phone: str, lang: str, sms_codes) -> None:
    c.get(f"/?lang={lang}")
    query = {"service_id": svc.id, "master_id": master.id, "start": _tomorrow_at_ten()}
    assert b'id="verify-step"' in c.get("/book/confirm", query_string=query).data
    c.post("/verify", data={"phone": phone, "next": "/my"})
    resp = c.post("/verify/code", data={"phone": phone, "code": sms_codes[phone], "name": "Dana", "next": "/my"})
    assert resp.status_code == 302
    resp = c.post("/book", data=query)
    assert resp.status_code == 302, resp.get_data(as_text=True)[-600:]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_visit_reads_in_the_clients_language_everywhere(
    lang, studio, host_client, sms_codes, start_worker, smtp_server, sms_gateway, create_client, commit
):
    inbox, _ = smtp_server
    gw, _ = sms_gateway
    tenant, svc, master = studio
    phone = "+77015550111"
    # A known client with an email address, so the booking also sends an email.
    client = create_client(tenant, phone=phone, name="Dana", language=lang)
    with tenancy.tenant_scope(tenant.id):
        client.email = "dana@example.com"
    commit()

    c = host_client("zhuldyz")
    _book_on_the_site(c, svc, master, phone, lang, sms_codes)
    with tenancy.tenant_scope(tenant.id):
        booking = db.session.scalar(select(Booking))
        assert db.session.scalar(select(Client.language).where(Client.phone == phone)) == lang

    # The booking site: the visit page names the service and the address in the client's language.
    page = c.get(f"/my/{booking.id}").get_data(as_text=True)
    assert SERVICE[lang] in page and ADDRESS[lang] in page
    assert SERVICE["en"] not in page and (lang == "ru" or SERVICE["ru"] not in page)

    # The API, asked in that language.
    api = host_client()
    services = api.get("/api/v1/public/business/zhuldyz/services", headers={"Accept-Language": lang}).get_json()
    assert [s["name"] for s in services["items"]] == [SERVICE[lang]]
    business = api.get("/api/v1/public/business/zhuldyz", headers={"Accept-Language": lang}).get_json()
    assert business["name"] == BUSINESS[lang]
    assert [loc["address"] for loc in business["locations"]] == [ADDRESS[lang]]

    # The messages: the worker sends the confirmation SMS and email, then the reminder SMS.
    with tenancy.tenant_scope(tenant.id):
        events.booking_reminder(db.session.scalar(select(Booking).where(Booking.id == booking.id)), "24h")
    db.session.commit()
    start_worker()
    wait_for(lambda: len(gw.texts_to(phone)) == 2 and inbox.to("dana@example.com"), message="2 SMS and the email")
    texts = gw.texts_to(phone)
    assert all(text.startswith(BUSINESS[lang] + ":") for text in texts)
    assert all(SERVICE[lang] in text for text in texts)
    assert any(ADDRESS[lang] in text for text in texts)  # the reminder says where

    (mail,) = inbox.to("dana@example.com")
    parts = {p.get_content_type(): p for p in mail.walk()}
    body = parts["text/plain"].get_content()
    assert SERVICE[lang] in body and ADDRESS[lang] in body and BUSINESS[lang] in mail["Subject"]
    (attached,) = Calendar.from_ical(parts["text/calendar"].get_content()).walk("VEVENT")
    assert SERVICE[lang] in str(attached["SUMMARY"]) and ADDRESS[lang] in str(attached["LOCATION"])

    # The calendar file from the visit's link.
    token = token_for_visit(tenant.id, booking.id, booking.end_at)
    (event,) = Calendar.from_ical(host_client("zhuldyz").get(f"/v/{token}/visit.ics").data).walk("VEVENT")
    assert str(event["SUMMARY"]) == f"{SERVICE[lang]} — {BUSINESS[lang]}"
    assert ADDRESS[lang] in str(event["LOCATION"])


def test_a_business_with_only_russian_texts_shows_russian_to_an_english_reader(
    host_client, create_tenant, create_service, create_master, commit
):
    tenant = create_tenant("tolko", name="Салон «Тюльпан»", default_language="ru", languages=["ru", "en"])
    svc = create_service(tenant, name="Мужская стрижка")
    create_master(tenant, name="Ерлан", services=[svc])
    commit()
    page = host_client("tolko").get("/?lang=en", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="en"' in page  # the interface is in English...
    assert "Мужская стрижка" in page and "Салон «Тюльпан»" in page  # ...the business's texts in Russian
    answer = host_client().get("/api/v1/public/business/tolko/services", headers={"Accept-Language": "en"}).get_json()
    assert [s["name"] for s in answer["items"]] == ["Мужская стрижка"]


def test_the_language_switcher_offers_only_the_sites_languages(
    host_client, create_tenant, create_service, create_master, commit
):
    tenant = create_tenant("dvuh", name="Екі тіл", default_language="kk", languages=["kk", "ru"])
    svc = create_service(tenant, name="Шаш қию")
    create_master(tenant, name="Асель", services=[svc])
    commit()
    c = host_client("dvuh")
    page = c.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="kk">' in page  # English is not offered: the default language
    assert 'hreflang="ru"' in page and 'hreflang="kk"' in page and 'hreflang="en"' not in page
    assert '<html lang="kk">' in c.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="ru">' in c.get("/?lang=ru").get_data(as_text=True)


def test_a_cached_answer_is_kept_per_language(studio, host_client):
    api = host_client()
    url = "/api/v1/public/business/zhuldyz/services"
    for _ in range(2):  # the second round is answered from the cache
        for lang in ("kk", "ru", "en"):
            resp = api.get(url, headers={"Accept-Language": lang})
            assert [s["name"] for s in resp.get_json()["items"]] == [SERVICE[lang]]
            assert "Accept-Language" in resp.headers["Vary"]
    tags = {lang: api.get(url, headers={"Accept-Language": lang}).headers["ETag"] for lang in ("kk", "ru")}
    assert tags["kk"] != tags["ru"]
    again = api.get(url, headers={"Accept-Language": "kk", "If-None-Match": tags["ru"]})
    assert again.status_code == 200 and again.get_json()["items"][0]["name"] == SERVICE["kk"]
