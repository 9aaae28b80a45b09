"""Owner forms take a business's texts in each of its languages; dashboards show the reader's."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.catalog import services as catalog_services
from app.catalog.models import Master, MasterService, Service
from app.core.errors import ValidationError
from app.core.translations import text_in
from app.extensions import db
from app.tenants.models import Location, Tenant


@pytest.fixture
def ru_salon(salon, commit):
    """The salon writes in Russian (default) and Kazakh."""
    salon.tenant.default_language = "ru"
    salon.tenant.languages = ["ru", "kk"]
    salon.service.name = "Стрижка"
    commit()
    return salon


def _service_data(salon, **texts) -> dict:
    return {
        "duration_minutes": "30",
        "buffer_minutes": "0",
        "price": "3000",
        "location_ids": [str(salon.location.id)],
        "active": "y",
        **texts,
    }


def _field_error(html: str, field_id: str) -> str:
    match = re.search(rf'<small class="field-error" id="{field_id}-error">([^<]*)</small>', html)
    return match.group(1) if match else ""


def _inputs(html: str) -> set[str]:
    return set(re.findall(r'<(?:input|textarea)[^>]*name="([a-z_]+)"', html))


def test_owner_writes_a_service_in_russian_and_kazakh(ru_salon, login):
    c = login("owner", "anna", "owner@example.com")
    resp = c.post(
        "/services/new",
        data=_service_data(
            ru_salon,
            name="Мужская стрижка",
            description="Стрижка и укладка",
            name_kk="Ерлер шаш үлгісі",
            description_kk="Шаш қию және сәндеу",
        ),
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    svc = db.session.scalar(select(Service).where(Service.name == "Мужская стрижка"))
    assert svc.description == "Стрижка и укладка"
    assert svc.translations == {"kk": {"name": "Ерлер шаш үлгісі", "description": "Шаш қию және сәндеу"}}

    # The edit page is pre-filled with both versions, each labelled with its language.
    html = c.get(f"/services/{svc.id}?lang=ru").get_data(as_text=True)
    assert 'value="Мужская стрижка"' in html
    assert 'value="Ерлер шаш үлгісі"' in html
    assert '<span class="visually-hidden">Название · </span><span class="tr-lang" lang="kk">Қазақша</span>' in html
    assert 'id="name_kk" lang="kk"' in html or re.search(r'<input[^>]*id="name_kk"[^>]*lang="kk"', html)

    # Clearing the Kazakh texts removes that version: Kazakh readers get the Russian text.
    resp = c.post(f"/services/{svc.id}", data=_service_data(ru_salon, name="Мужская стрижка", name_kk=""))
    assert resp.status_code == 302
    db.session.expire_all()
    svc = db.session.get(Service, (svc.tenant_id, svc.id))
    assert svc.translations == {}
    assert text_in(svc, "name", "kk") == "Мужская стрижка"
    listing = c.get("/services?lang=kk").get_data(as_text=True)
    assert "Мужская стрижка" in listing


def test_the_default_languages_name_is_required_at_its_field(ru_salon, login):
    c = login("owner", "anna", "owner@example.com")
    resp = c.post("/services/new?lang=ru", data=_service_data(ru_salon, name="", name_kk="Шаш қию"))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert _field_error(html, "name") == "Заполните это поле."
    assert _field_error(html, "name_kk") == ""
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="name"', html) or re.search(
        r'<input[^>]*id="name"[^>]*aria-invalid="true"', html
    )
    # The Kazakh text typed is kept for the next try.
    assert 'value="Шаш қию"' in html
    assert db.session.scalar(select(Service).where(Service.name == "")) is None


@pytest.mark.parametrize(
    ("lang", "message"),
    [("ru", "Введите название (до 200 символов)."), ("kk", "Атауын енгізіңіз (200 таңбаға дейін).")],
)
def test_a_too_long_kazakh_name_gets_the_rules_message(ru_salon, login, lang, message):
    c = login("owner", "anna", "owner@example.com")
    resp = c.post(f"/services/new?lang={lang}", data=_service_data(ru_salon, name="Стрижка", name_kk="ш" * 201))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert _field_error(html, "name_kk") == message
    assert _field_error(html, "name") == ""


def test_service_errors_on_a_version_land_at_its_field(ru_salon, login, monkeypatch):
    """What the service refuses (``translations.kk.name``) is shown next to the Kazakh field."""

    def refuse(tenant, actor, data):
        assert data["translations"] == {"kk": {"name": "Шаш қию", "description": ""}}
        raise ValidationError({"translations.kk.name": ["Kazakh refused"], "translations.ru.name": ["Default refused"]})

    monkeypatch.setattr(catalog_services, "create_service", refuse)
    c = login("owner", "anna", "owner@example.com")
    resp = c.post("/services/new", data=_service_data(ru_salon, name="Стрижка", name_kk="Шаш қию"))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert _field_error(html, "name_kk") == "Kazakh refused"
    assert _field_error(html, "name") == "Default refused"


def test_forms_have_a_field_per_enabled_language_only(ru_salon, login, commit):
    c = login("owner", "anna", "owner@example.com")
    html = c.get("/services/new").get_data(as_text=True)
    assert {"name", "name_kk", "description", "description_kk"} <= _inputs(html)
    assert not {"name_en", "name_ru", "description_en"} & _inputs(html)

    master = c.get(f"/masters/{ru_salon.master.id}").get_data(as_text=True)
    assert {"name", "name_kk", "specialization", "specialization_kk"} <= _inputs(master)
    location = c.get(f"/locations/{ru_salon.location.id}").get_data(as_text=True)
    assert {"name", "name_kk", "address", "address_kk"} <= _inputs(location)
    settings = c.get("/settings").get_data(as_text=True)
    assert {"name", "name_kk", "description", "description_kk"} <= _inputs(settings)

    # One language only: the plain fields, no group.
    ru_salon.tenant.languages = ["ru"]
    commit()
    html = c.get("/services/new").get_data(as_text=True)
    assert "tr-group" not in html
    assert not any(n.endswith(("_kk", "_en", "_ru")) for n in _inputs(html))

    # All three: the default first.
    ru_salon.tenant.languages = ["en", "ru", "kk"]
    commit()
    html = c.get("/services/new").get_data(as_text=True)
    assert {"name", "name_en", "name_kk"} <= _inputs(html)
    assert html.index('id="name"') < html.index('id="name_en"')


def test_masters_and_locations_take_versions(ru_salon, login):
    c = login("owner", "anna", "owner@example.com")
    resp = c.post(
        f"/masters/{ru_salon.master.id}",
        data={
            "name": "Айгерим",
            "name_kk": "Әйгерім",
            "specialization": "Парикмахер",
            "specialization_kk": "Шаштараз",
            "location_id": str(ru_salon.location.id),
            "service_ids": [str(ru_salon.service.id)],
            "active": "y",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    resp = c.post(
        f"/locations/{ru_salon.location.id}",
        data={
            "name": "Центр",
            "name_kk": "Орталық",
            "address": "пр. Достык, 5",
            "address_kk": "Достық даңғылы, 5",
            "timezone": "Asia/Almaty",
            "active": "y",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.expire_all()
    master = db.session.scalar(select(Master).where(Master.id == ru_salon.master.id))
    assert (master.name, master.specialization) == ("Айгерим", "Парикмахер")
    assert master.translations == {"kk": {"name": "Әйгерім", "specialization": "Шаштараз"}}
    location = db.session.scalar(select(Location).where(Location.id == ru_salon.location.id))
    assert location.translations == {"kk": {"name": "Орталық", "address": "Достық даңғылы, 5"}}

    # The dashboards show each reader their language's text.
    kk = c.get("/masters?lang=kk").get_data(as_text=True)
    assert "Әйгерім" in kk and "Шаштараз" in kk and "Орталық" in kk
    ru = c.get("/masters?lang=ru").get_data(as_text=True)
    assert "Айгерим" in ru and "Әйгерім" not in ru
    assert "Достық даңғылы, 5" in c.get("/locations?lang=kk").get_data(as_text=True)
    assert "Орталық" in c.get("/services?lang=kk").get_data(as_text=True)  # where each service is offered
    # Python-built choices too: the locations in the service and master forms.
    assert "Орталық" in c.get("/services/new?lang=kk").get_data(as_text=True)
    assert re.search(r"<option[^>]*>Орталық</option>", c.get(f"/masters/{master.id}?lang=kk").get_data(as_text=True))


def test_choices_are_sorted_by_the_shown_text(ru_salon, login, create_service, commit):
    create_service(ru_salon.tenant, name="Борода", translations={"kk": {"name": "Сақал"}})
    commit()
    c = login("owner", "anna", "owner@example.com")
    # The master's services: Борода < Стрижка in Russian, Сақал < Стрижка (no version) in Kazakh.
    ru = c.get(f"/masters/{ru_salon.master.id}?lang=ru").get_data(as_text=True)
    assert ru.index("Борода") < ru.index("Стрижка")
    kk = c.get(f"/masters/{ru_salon.master.id}?lang=kk").get_data(as_text=True)
    assert "Борода" not in kk
    assert kk.index("Сақал") < kk.index("Стрижка")
    # The masters list names each master's services in the reader's language too.
    beard = db.session.scalar(select(Service).where(Service.name == "Борода"))
    db.session.add(MasterService(tenant_id=ru_salon.tenant.id, master_id=ru_salon.master.id, service_id=beard.id))
    commit()
    listing = c.get("/masters?lang=kk").get_data(as_text=True)
    assert "Сақал, Стрижка" in listing


def test_settings_offer_languages_and_move_texts_to_a_new_default(salon, login):
    c = login("owner", "anna", "owner@example.com")
    settings = {
        "currency": "KZT",
        "min_notice_minutes": "30",
        "horizon_days": "30",
        "cancellation_window_minutes": "60",
        "slot_step_minutes": "30",
    }
    page = c.get("/settings?lang=en").get_data(as_text=True)
    assert "Texts in this language are required. They are shown wherever a translation is missing." in page
    # English default, Russian and Kazakh versions of the name.
    resp = c.post(
        "/settings",
        data={
            **settings,
            "name": "Anna Beauty",
            "name_ru": "Анна Бьюти",
            "name_kk": "Анна сұлулық",
            "languages": ["en", "ru", "kk"],
            "default_language": "en",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.expire_all()
    tenant = db.session.get(Tenant, salon.tenant.id)
    assert tenant.translations == {"ru": {"name": "Анна Бьюти"}, "kk": {"name": "Анна сұлулық"}}

    # Russian becomes the default and English is no longer offered: the Russian name moves
    # into the columns, the English one stays as its version.
    resp = c.post(
        "/settings",
        data={
            **settings,
            "name": "Anna Beauty",
            "name_ru": "Анна Бьюти",
            "name_kk": "Анна сұлулық",
            "languages": ["ru", "kk"],
            "default_language": "ru",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.expire_all()
    tenant = db.session.get(Tenant, salon.tenant.id)
    assert (tenant.default_language, tenant.languages) == ("ru", ["ru", "kk"])
    assert tenant.name == "Анна Бьюти"
    assert tenant.translations["kk"] == {"name": "Анна сұлулық"}
    assert tenant.translations["en"]["name"] == "Anna Beauty"

    # The page shows the new default first, with its text, and no English field.
    page = c.get("/settings?lang=ru").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="name"[^>]*value="Анна Бьюти"', page)
    assert 'value="Анна сұлулық"' in page
    assert "name_en" not in page and "name_ru" not in page


def test_a_new_default_without_its_text_keeps_the_old_text(salon, login):
    """Switching the default language with its fields empty: the old texts stay in use."""
    c = login("owner", "anna", "owner@example.com")
    resp = c.post(
        "/settings",
        data={
            "name": "Anna Beauty",
            "description": "Hair and nails",
            "name_kk": "Анна сұлулық",
            "currency": "KZT",
            "languages": ["en", "ru", "kk"],
            "default_language": "kk",
            "min_notice_minutes": "30",
            "horizon_days": "30",
            "cancellation_window_minutes": "60",
            "slot_step_minutes": "30",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.expire_all()
    tenant = db.session.get(Tenant, salon.tenant.id)
    assert tenant.default_language == "kk"
    assert tenant.name == "Анна сұлулық"
    assert tenant.description == "Hair and nails"  # no Kazakh description: the English one stays
    assert tenant.translations["en"]["name"] == "Anna Beauty"


def test_a_new_default_not_offered_before_keeps_its_stored_texts(ru_salon, login, commit):
    """English was not offered (no fields) but has a stored name: it becomes the columns'."""
    ru_salon.tenant.name = "Анна"
    ru_salon.tenant.translations = {"en": {"name": "Anna Beauty"}}
    commit()
    c = login("owner", "anna", "owner@example.com")
    resp = c.post(
        "/settings",
        data={
            "name": "Анна",
            "name_kk": "Анна сұлулық",
            "currency": "KZT",
            "languages": ["ru", "kk"],
            "default_language": "en",
            "min_notice_minutes": "30",
            "horizon_days": "30",
            "cancellation_window_minutes": "60",
            "slot_step_minutes": "30",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.expire_all()
    tenant = db.session.get(Tenant, ru_salon.tenant.id)
    assert tenant.default_language == "en"
    assert "en" in tenant.languages  # the default language is always offered
    assert tenant.name == "Anna Beauty"
    assert tenant.translations == {"ru": {"name": "Анна"}, "kk": {"name": "Анна сұлулық"}}
    page = c.get("/settings").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="name"[^>]*value="Anna Beauty"', page)


def test_errors_on_a_new_defaults_text_are_shown_at_its_field(salon, login, monkeypatch):
    """The service checks a new default language's texts as the top-level fields: its
    errors keyed ``name`` belong to the Kazakh field when Kazakh becomes the default."""
    from app.tenants import services as tenant_services

    def refuse(actor, tenant, data):
        assert data["translations"]["kk"] == {"name": "Анна сұлулық"}
        assert data["translations"]["en"] == {"name": "Anna Beauty", "description": ""}
        raise ValidationError({"name": ["Too long"], "translations.en.name": ["English refused"]})

    monkeypatch.setattr(tenant_services, "update_settings", refuse)
    c = login("owner", "anna", "owner@example.com")
    resp = c.post(
        "/settings?lang=en",
        data={
            "name": "Anna Beauty",
            "name_kk": "Анна сұлулық",
            "currency": "KZT",
            "languages": ["en", "ru", "kk"],
            "default_language": "kk",
            "min_notice_minutes": "30",
            "horizon_days": "30",
            "cancellation_window_minutes": "60",
            "slot_step_minutes": "30",
        },
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert _field_error(html, "name_kk") == "Too long"
    assert _field_error(html, "name") == "English refused"
