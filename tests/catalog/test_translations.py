"""Business texts in several languages, at the service layer: what is stored, what a reader gets."""

from __future__ import annotations

import pytest

from app.catalog import masters as catalog_masters
from app.catalog import services as cs
from app.core.errors import ValidationError
from app.core.translations import all_versions, sort_key, text_in
from app.tenants import services as ts
from app.tenants.models import Location


def _service(salon, **extra):
    data = {"name": "Women's haircut", "duration_minutes": 60, "price": "9000", **extra}
    return cs.create_service(salon.tenant, salon.owner, data)


def test_versions_are_stored_beside_the_default_language(salon):
    svc = _service(salon, translations={"kk": {"name": " Әйелдер шаш қиюы "}, "ru": {"name": "Женская стрижка"}})
    assert svc.name == "Women's haircut"  # the default language (en) stays in the column
    assert svc.translations == {"kk": {"name": "Әйелдер шаш қиюы"}, "ru": {"name": "Женская стрижка"}}
    assert text_in(svc, "name", "kk") == "Әйелдер шаш қиюы"
    assert text_in(svc, "name", "ru") == "Женская стрижка"
    assert text_in(svc, "name", "en") == "Women's haircut"
    # No Kazakh description was written: a Kazakh reader gets the default language's.
    cs.update_service(salon.tenant, salon.owner, svc, {"description": "Wash, cut, style"})
    assert text_in(svc, "description", "kk") == "Wash, cut, style"


def test_an_empty_version_is_removed_and_others_are_kept(salon):
    svc = _service(salon, translations={"kk": {"name": "Шаш қию", "description": "Жуу"}, "ru": {"name": "Стрижка"}})
    cs.update_service(salon.tenant, salon.owner, svc, {"translations": {"kk": {"name": ""}}})
    assert svc.translations == {"kk": {"description": "Жуу"}, "ru": {"name": "Стрижка"}}
    cs.update_service(salon.tenant, salon.owner, svc, {"translations": {"kk": {"description": " "}}})
    assert svc.translations == {"ru": {"name": "Стрижка"}}
    assert text_in(svc, "name", "kk") == "Women's haircut"


def test_the_default_languages_entry_sets_the_columns(salon):
    svc = _service(salon)
    cs.update_service(
        salon.tenant, salon.owner, svc, {"translations": {"en": {"name": "Haircut"}, "ru": {"name": "Стрижка"}}}
    )
    assert svc.name == "Haircut"
    assert "en" not in svc.translations
    assert all_versions(svc, "en") == {
        "en": {"name": "Haircut", "description": ""},
        "ru": {"name": "Стрижка", "description": ""},
    }


@pytest.mark.parametrize(
    ("translations", "key"),
    [
        ({"kk": {"name": "ә" * 201}}, "translations.kk.name"),
        ({"en": {"name": ""}}, "name"),  # the default language's name stays required
        ({"de": {"name": "Haarschnitt"}}, "translations"),
        ({"kk": {"price": "1"}}, "translations.kk"),
        ({"kk": "Шаш қию"}, "translations.kk"),
        ("kk", "translations"),
    ],
)
def test_bad_versions_are_refused_with_the_fields_path(salon, translations, key):
    with pytest.raises(ValidationError) as info:
        _service(salon, translations=translations)
    assert key in info.value.details


def test_master_and_location_versions(salon):
    m = catalog_masters.update_master(
        salon.tenant,
        salon.owner,
        salon.master,
        {"specialization": "Colourist", "translations": {"kk": {"name": "Әйгерім", "specialization": "Колорист"}}},
    )
    assert text_in(m, "specialization", "kk") == "Колорист"
    assert text_in(m, "name", "kk") == "Әйгерім"
    loc = ts.create_location(
        salon.owner,
        {"name": "Dostyk", "address": "Dostyk Ave 89", "translations": {"kk": {"address": "Достық даңғылы, 89"}}},
    )
    assert loc.address == "Dostyk Ave 89"
    assert text_in(loc, "address", "kk") == "Достық даңғылы, 89"
    with pytest.raises(ValidationError) as info:
        ts.update_location(salon.owner, loc, {"translations": {"ru": {"address": "x" * 501}}})
    assert "translations.ru.address" in info.value.details


def test_changing_the_default_language_moves_the_texts(salon):
    svc = _service(salon, translations={"ru": {"name": "Женская стрижка"}})
    loc = Location(name="Centre", address="Abay 1", timezone="Asia/Almaty", translations={"ru": {"address": "Абая, 1"}})
    from app.extensions import db

    db.session.add(loc)
    db.session.flush()
    ts.update_settings(salon.owner, salon.tenant, {"default_language": "ru", "translations": {"ru": {"name": "Акме"}}})
    assert salon.tenant.default_language == "ru"
    assert salon.tenant.name == "Акме"
    assert "ru" in salon.tenant.languages
    assert svc.name == "Женская стрижка"
    assert svc.translations == {"en": {"name": "Women's haircut"}}
    # The location had no Russian name: its text stays in the columns, readers see no change.
    assert (loc.name, loc.address) == ("Centre", "Абая, 1")
    assert loc.translations == {"en": {"address": "Abay 1"}}
    assert text_in(loc, "address", "en") == "Abay 1"


def test_sorting_follows_the_shown_text(salon):
    a = _service(salon, name="Apple", translations={"ru": {"name": "Яблоко"}})
    b = _service(salon, name="Zebra", translations={"ru": {"name": "Арбуз"}})
    assert [s.id for s in sorted([a, b], key=sort_key("en"))] == [a.id, b.id]
    assert [s.id for s in sorted([a, b], key=sort_key("ru"))] == [b.id, a.id]


def test_kazakh_names_sort_in_the_kazakh_alphabet(salon):
    names = ["Шаш бояу", "Қас түзету", "Әйелдер шашын қию", "Ерлер шашын қию", "Гель-лакпен маникюр"]
    rows = [_service(salon, name=f"s{i}", translations={"kk": {"name": n}}) for i, n in enumerate(names)]
    shown = [text_in(r, "name", "kk") for r in sorted(rows, key=sort_key("kk"))]
    assert shown == ["Әйелдер шашын қию", "Гель-лакпен маникюр", "Ерлер шашын қию", "Қас түзету", "Шаш бояу"]
