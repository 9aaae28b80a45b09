"""Business texts in the caller's language over the API (issue 12): reads in the negotiated
language with the business's default as the fallback, every version with
``?translations=all``, writes with ``translations``, sorting by the shown text, the same
number of statements in every language, and the public answers' HTTP caching per language."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core import tenancy
from app.extensions import db

PUBLIC = "/public/business/anna"

BUSINESS = {
    "en": {"name": "Anna Beauty", "description": "Hair and nails"},
    "ru": {"name": "Анна Бьюти", "description": "Волосы и ногти"},
    "kk": {"name": "Анна сұлулық салоны", "description": "Шаш пен тырнақ"},
}
LOCATION = {
    "en": {"name": "Main", "address": "Abay 1"},
    "ru": {"name": "Главный", "address": "пр. Абая, 1"},
    "kk": {"name": "Басты", "address": "Абай даңғылы, 1"},
}
# English order: Beard trim, Haircut; Russian and Kazakh: the haircut first.
BEARD = {
    "en": {"name": "Beard trim", "description": "Shape and line"},
    "ru": {"name": "Стрижка бороды", "description": "Форма и контур"},
    "kk": {"name": "Сақал түзету", "description": "Пішін мен жиек"},
}
HAIRCUT = {
    "en": {"name": "Haircut", "description": "Wash and cut"},
    "ru": {"name": "Мужская стрижка", "description": "Мытьё и стрижка"},
    "kk": {"name": "Ерлер шаш қиюы", "description": "Жуу және қию"},
}
# Aigerim first in every language (in the Kazakh alphabet Ә comes right after А, before Ж).
AIGERIM = {
    "en": {"name": "Aigerim", "specialization": "Barber"},
    "ru": {"name": "Айгерим", "specialization": "Барбер"},
    "kk": {"name": "Әйгерім", "specialization": "Шаштараз"},
}
ZHANNA = {
    "en": {"name": "Zhanna", "specialization": "Stylist"},
    "ru": {"name": "Жанна", "specialization": "Стилист"},
    "kk": {"name": "Жанна", "specialization": "Стилист"},
}


def _others(versions: dict, default: str = "en") -> dict:
    return {lang: v for lang, v in versions.items() if lang != default}


@pytest.fixture
def shop(create_tenant, create_user, create_service, create_master, commit):
    from app.tenants.models import Location

    tenant = create_tenant(
        "anna", **BUSINESS["en"], translations=_others(BUSINESS), default_language="en", languages=["en", "ru", "kk"]
    )
    with tenancy.tenant_scope(tenant.id):
        location = db.session.scalars(sa.select(Location)).one()
        location.translations = _others(LOCATION)
        db.session.flush()
    beard = create_service(tenant, **BEARD["en"], translations=_others(BEARD))
    haircut = create_service(tenant, **HAIRCUT["en"], translations=_others(HAIRCUT))
    aigerim = create_master(tenant, **AIGERIM["en"], translations=_others(AIGERIM), services=[beard, haircut])
    zhanna = create_master(tenant, **ZHANNA["en"], translations=_others(ZHANNA), services=[haircut])
    create_user(tenant, role="owner", email="owner@anna.test", language="en")
    commit()
    return {
        "tenant": tenant.id,
        "location": location.id,
        "beard": beard.id,
        "haircut": haircut.id,
        "aigerim": aigerim.id,
        "zhanna": zhanna.id,
    }


@pytest.fixture
def owner(login, shop):
    return login("owner@anna.test")["access_token"]


def _names(body: dict, field: str = "name") -> list[str]:
    return [x[field] for x in body["items"]]


def _all_reads(api, token: str, **kw) -> dict:
    """Every read that shows the business's texts, with the same headers or query."""
    q = kw.pop("query", "")
    out = {}
    for key, path, auth in (
        ("public_business", PUBLIC, None),
        ("public_services", f"{PUBLIC}/services", None),
        ("public_masters", f"{PUBLIC}/masters", None),
        ("services", "/services", token),
        ("masters", "/masters", token),
        ("locations", "/locations", token),
        ("business", "/business", token),
    ):
        sep = "&" if "?" in path else "?"
        status, body, _ = api.get(path + (sep + q if q else ""), token=auth, **kw)
        assert status == 200, (path, body)
        out[key] = body
    return out


def _check_language(reads: dict, lang: str) -> None:
    assert reads["public_business"]["name"] == BUSINESS[lang]["name"]
    assert reads["public_business"]["description"] == BUSINESS[lang]["description"]
    assert reads["public_business"]["default_language"] == "en"
    assert [(x["name"], x["address"]) for x in reads["public_business"]["locations"]] == [
        (LOCATION[lang]["name"], LOCATION[lang]["address"])
    ]
    services = {x["id"]: x for x in reads["public_services"]["items"]}
    assert {(x["name"], x["description"]) for x in services.values()} == {
        (BEARD[lang]["name"], BEARD[lang]["description"]),
        (HAIRCUT[lang]["name"], HAIRCUT[lang]["description"]),
    }
    assert {(x["name"], x["specialization"]) for x in reads["public_masters"]["items"]} == {
        (AIGERIM[lang]["name"], AIGERIM[lang]["specialization"]),
        (ZHANNA[lang]["name"], ZHANNA[lang]["specialization"]),
    }
    assert set(_names(reads["services"])) == {BEARD[lang]["name"], HAIRCUT[lang]["name"]}
    assert set(_names(reads["masters"])) == {AIGERIM[lang]["name"], ZHANNA[lang]["name"]}
    assert [(x["name"], x["address"]) for x in reads["locations"]["items"]] == [
        (LOCATION[lang]["name"], LOCATION[lang]["address"])
    ]
    assert (reads["business"]["name"], reads["business"]["description"]) == (
        BUSINESS[lang]["name"],
        BUSINESS[lang]["description"],
    )
    for body in reads.values():  # only on request
        assert "translations" not in body
        for item in body.get("items", []) + body.get("locations", []):
            assert "translations" not in item


# ---------------------------------------------------------------- reads


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_reads_follow_accept_language(api, owner, lang):
    _check_language(_all_reads(api, owner, headers={"Accept-Language": f"{lang}, en;q=0.5"}), lang)


def test_reads_follow_the_lang_parameter_over_the_header(api, owner):
    for lang in ("kk", "ru", "en"):
        _check_language(_all_reads(api, owner, query=f"lang={lang}", headers={"Accept-Language": "de"}), lang)


def test_without_a_language_the_staff_read_their_own(api, login, shop, create_user, commit):
    from app.tenants.models import Tenant

    tenant = db.session.get(Tenant, shop["tenant"])
    create_user(tenant, role="owner", email="kk-owner@anna.test", language="kk")
    commit()
    token = login("kk-owner@anna.test")["access_token"]
    status, body, _ = api.get("/services", token=token)
    assert status == 200
    assert set(_names(body)) == {BEARD["kk"]["name"], HAIRCUT["kk"]["name"]}


def test_bookings_name_the_service_master_and_address_in_the_callers_language(api, owner, shop, create_booking):
    from datetime import UTC, datetime

    from app.catalog.models import Master, Service
    from app.tenants.models import Tenant

    tenant = db.session.get(Tenant, shop["tenant"])
    with tenancy.tenant_scope(tenant.id):
        master = db.session.get(Master, (tenant.id, shop["aigerim"]))
        service = db.session.get(Service, (tenant.id, shop["haircut"]))
        create_booking(tenant, master, service, datetime(2030, 3, 4, 5, 0, tzinfo=UTC))
        db.session.commit()
    status, body, _ = api.get("/bookings", token=owner, headers={"Accept-Language": "kk"})
    assert status == 200, body
    (booking,) = body["items"]
    assert booking["service"]["name"] == HAIRCUT["kk"]["name"]
    assert booking["master"]["name"] == AIGERIM["kk"]["name"]
    assert (booking["location"]["name"], booking["location"]["address"]) == (
        LOCATION["kk"]["name"],
        LOCATION["kk"]["address"],
    )


@pytest.fixture
def russian_only(create_tenant, create_user, create_service, create_master, commit):
    """A business that wrote everything in Russian only."""
    from app.tenants.models import Location

    tenant = create_tenant("dilya", name="Салон Диля", description="Уход за волосами", default_language="ru")
    with tenancy.tenant_scope(tenant.id):
        location = db.session.scalars(sa.select(Location)).one()
        location.name, location.address = "Центр", "ул. Кабанбай батыра, 5"
        db.session.flush()
    service = create_service(tenant, name="Стрижка", description="Любой длины")
    create_master(tenant, name="Диляра", specialization="Парикмахер", services=[service])
    create_user(tenant, role="owner", email="owner@dilya.test", language="en")
    commit()
    return tenant


@pytest.mark.parametrize("asked", [{"headers": {"Accept-Language": "en"}}, {"query": "lang=kk"}])
def test_a_business_with_only_russian_texts_shows_russian_to_other_readers(api, login, russian_only, asked):
    token = login("owner@dilya.test")["access_token"]
    q = ("?" + asked["query"]) if "query" in asked else ""
    headers = asked.get("headers", {})
    status, business, _ = api.get(f"/public/business/dilya{q}", headers=headers)
    assert status == 200
    assert (business["name"], business["description"], business["default_language"]) == (
        "Салон Диля",
        "Уход за волосами",
        "ru",
    )
    assert business["locations"][0]["address"] == "ул. Кабанбай батыра, 5"
    status, services, _ = api.get(f"/public/business/dilya/services{q}", headers=headers)
    assert [(x["name"], x["description"]) for x in services["items"]] == [("Стрижка", "Любой длины")]
    status, masters, _ = api.get(f"/public/business/dilya/masters{q}", headers=headers)
    assert [(x["name"], x["specialization"]) for x in masters["items"]] == [("Диляра", "Парикмахер")]
    status, owned, _ = api.get(f"/services{q}", token=token, headers=headers)
    assert _names(owned) == ["Стрижка"]
    # Every version: only the default language was written.
    status, body, _ = api.get("/public/business/dilya/services?translations=all", headers=headers)
    assert body["items"][0]["translations"] == {"ru": {"name": "Стрижка", "description": "Любой длины"}}


def test_a_missing_field_in_one_language_falls_back_field_by_field(api, shop, commit):
    from app.catalog.models import Service

    with tenancy.tenant_scope(shop["tenant"]):
        service = db.session.get(Service, (shop["tenant"], shop["beard"]))
        service.translations = {"kk": {"name": "Сақал түзету"}}  # no Kazakh description
        db.session.commit()
    status, body, _ = api.get(f"{PUBLIC}/services?lang=kk")
    assert status == 200
    beard = next(x for x in body["items"] if x["id"] == shop["beard"])
    assert (beard["name"], beard["description"]) == ("Сақал түзету", BEARD["en"]["description"])
    _, body, _ = api.get(f"{PUBLIC}/services?translations=all")
    beard = next(x for x in body["items"] if x["id"] == shop["beard"])
    assert beard["translations"] == {"en": BEARD["en"], "kk": {"name": "Сақал түзету", "description": ""}}


# ---------------------------------------------------------------- every version


def test_translations_all_adds_every_version_to_every_object(api, owner, shop):
    reads = _all_reads(api, owner, query="translations=all", headers={"Accept-Language": "ru"})
    business = reads["public_business"]
    assert business["name"] == BUSINESS["ru"]["name"]  # the shown text stays the reader's
    assert business["default_language"] == "en"
    assert business["translations"] == BUSINESS
    assert business["locations"][0]["translations"] == LOCATION
    expected = {shop["beard"]: BEARD, shop["haircut"]: HAIRCUT, shop["aigerim"]: AIGERIM, shop["zhanna"]: ZHANNA}
    for key in ("public_services", "services"):
        assert {x["id"]: x["translations"] for x in reads[key]["items"]} == {
            shop["beard"]: BEARD,
            shop["haircut"]: HAIRCUT,
        }
    for key in ("public_masters", "masters"):
        for item in reads[key]["items"]:
            assert item["translations"] == expected[item["id"]]
    assert reads["locations"]["items"][0]["translations"] == LOCATION
    assert reads["business"]["translations"] == BUSINESS
    assert reads["business"]["default_language"] == "en"


@pytest.mark.parametrize(
    "path",
    [PUBLIC, f"{PUBLIC}/services", f"{PUBLIC}/masters", "/services", "/masters", "/locations", "/business"],
)
@pytest.mark.parametrize("value", ["none", "ALL", "all,ru", "1"])
def test_any_other_translations_value_is_a_localized_validation_error(api, owner, path, value):
    token = None if path.startswith("/public") else owner
    status, body, _ = api.get(f"{path}?translations={value}", token=token, headers={"Accept-Language": "kk"})
    assert status == 422, body
    assert body["error"] == "validation_error"
    assert body["message"].startswith("Кейбір өрістер")
    assert list(body["details"]) == ["translations"]
    assert "all" in body["details"]["translations"][0]


# ---------------------------------------------------------------- writes


def test_a_service_is_created_updated_and_loses_a_version_through_the_api(api, owner, shop):
    status, body, _ = api.post(
        "/service",
        token=owner,
        json={
            "name": "Manicure",
            "description": "Classic",
            "duration_minutes": 45,
            "price": "4000",
            "translations": {"ru": {"name": "Маникюр", "description": "Классический"}, "kk": {"name": "Маникюр"}},
        },
    )
    assert status == 201, body
    service = body["service"]
    assert service["translations"] == {
        "en": {"name": "Manicure", "description": "Classic"},
        "ru": {"name": "Маникюр", "description": "Классический"},
        "kk": {"name": "Маникюр", "description": ""},
    }
    sid = service["id"]

    status, body, _ = api.get("/services?lang=ru", token=owner)
    assert next(x for x in body["items"] if x["id"] == sid)["description"] == "Классический"

    # Kazakh gets its own name; the default language's version replaces the top-level text.
    status, body, _ = api.put(
        f"/service/{sid}",
        token=owner,
        json={"translations": {"kk": {"name": "Маникюр жасау"}, "en": {"name": "Classic manicure"}}},
    )
    assert status == 200, body
    assert body["service"]["name"] == "Classic manicure"
    assert body["service"]["translations"]["kk"]["name"] == "Маникюр жасау"
    assert body["service"]["translations"]["ru"]["name"] == "Маникюр"  # left out: kept

    # An empty text removes that language's version: a Kazakh reader gets the default language's.
    status, body, _ = api.put(f"/service/{sid}", token=owner, json={"translations": {"kk": {"name": ""}}})
    assert status == 200, body
    assert set(body["service"]["translations"]) == {"en", "ru"}
    status, body, _ = api.get("/services", token=owner, headers={"Accept-Language": "kk"})
    assert next(x for x in body["items"] if x["id"] == sid)["name"] == "Classic manicure"


def test_a_master_takes_versions_of_name_and_specialization(api, owner, shop):
    status, body, _ = api.put(
        f"/master/{shop['zhanna']}",
        token=owner,
        json={"translations": {"kk": {"name": "Жанна Ахметова", "specialization": "Стилист-шаштараз"}}},
    )
    assert status == 200, body
    assert body["master"]["translations"]["kk"] == {"name": "Жанна Ахметова", "specialization": "Стилист-шаштараз"}
    status, body, _ = api.get(f"{PUBLIC}/masters?lang=kk")
    assert "Жанна Ахметова" in _names(body)


def test_a_location_takes_versions_of_name_and_address(api, owner, shop):
    status, body, _ = api.post(
        "/location",
        token=owner,
        json={
            "name": "Dostyk",
            "address": "Dostyk Ave 89",
            "timezone": "Asia/Almaty",
            "translations": {
                "ru": {"address": "пр. Достык, 89"},
                "kk": {"name": "Достық", "address": "Достық даңғылы, 89"},
            },
        },
    )
    assert status == 201, body
    location = body["location"]
    assert location["translations"] == {
        "en": {"name": "Dostyk", "address": "Dostyk Ave 89"},
        "ru": {"name": "", "address": "пр. Достык, 89"},
        "kk": {"name": "Достық", "address": "Достық даңғылы, 89"},
    }
    status, body, _ = api.put(
        f"/location/{location['id']}", token=owner, json={"translations": {"ru": {"name": "Достык"}}}
    )
    assert status == 200, body
    status, body, _ = api.get("/locations?lang=ru", token=owner)
    row = next(x for x in body["items"] if x["id"] == location["id"])
    assert (row["name"], row["address"]) == ("Достык", "пр. Достык, 89")


def test_business_settings_take_versions_of_name_and_description(api, owner, shop):
    status, body, _ = api.put(
        "/business",
        token=owner,
        json={
            "translations": {"kk": {"name": "Анна салоны", "description": ""}, "ru": {"description": "Всё для волос"}}
        },
    )
    assert status == 200, body
    assert body["translations"]["kk"] == {"name": "Анна салоны", "description": ""}
    assert body["translations"]["ru"] == {"name": BUSINESS["ru"]["name"], "description": "Всё для волос"}
    status, body, _ = api.get(f"{PUBLIC}?lang=kk")
    assert (body["name"], body["description"]) == ("Анна салоны", BUSINESS["en"]["description"])


def test_a_new_default_language_keeps_every_readers_text(api, owner, shop):
    status, body, _ = api.put("/business", token=owner, json={"default_language": "ru"})
    assert status == 200, body
    assert body["default_language"] == "ru"
    assert body["translations"] == BUSINESS
    _, services, _ = api.get(f"{PUBLIC}/services?translations=all")
    assert {x["id"]: x["translations"] for x in services["items"]} == {shop["beard"]: BEARD, shop["haircut"]: HAIRCUT}
    for lang in ("en", "ru", "kk"):
        _, business, _ = api.get(f"{PUBLIC}?lang={lang}")
        assert (business["name"], business["default_language"]) == (BUSINESS[lang]["name"], "ru")
        _, masters, _ = api.get(f"/masters?lang={lang}", token=owner)
        assert set(_names(masters)) == {AIGERIM[lang]["name"], ZHANNA[lang]["name"]}


@pytest.mark.parametrize(
    ("path_key", "payload", "field"),
    [
        ("service", {"translations": {"kk": {"name": "ы" * 201}}}, "translations.kk.name"),
        ("service", {"translations": {"ru": {"description": "д" * 2001}}}, "translations.ru.description"),
        ("service", {"translations": {"en": {"name": "   "}}}, "translations.en.name"),  # the default language
        ("service", {"translations": {"de": {"name": "Haarschnitt"}}}, "translations"),
        ("service", {"translations": {"kk": {"address": "Абай 1"}}}, "translations.kk"),
        ("master", {"translations": {"kk": {"specialization": "ш" * 201}}}, "translations.kk.specialization"),
        ("location", {"translations": {"ru": {"address": "а" * 501}}}, "translations.ru.address"),
        ("business", {"translations": {"kk": {"name": "б" * 201}}}, "translations.kk.name"),
        ("business", {"translations": {"en": {"name": ""}}}, "translations.en.name"),
        ("business", {"default_language": "ru", "translations": {"ru": {"name": " "}}}, "translations.ru.name"),
    ],
)
def test_bad_versions_are_validation_errors_with_the_field_path(api, owner, shop, path_key, payload, field):
    path = {
        "service": f"/service/{shop['haircut']}",
        "master": f"/master/{shop['aigerim']}",
        "location": f"/location/{shop['location']}",
        "business": "/business",
    }[path_key]
    status, body, _ = api.put(path, token=owner, json=payload, headers={"Accept-Language": "ru"})
    assert status == 422, body
    assert body["error"] == "validation_error"
    assert body["message"].startswith("Некоторые поля")
    assert list(body["details"]) == [field]
    assert body["details"][field][0]


def test_a_version_of_the_wrong_json_type_is_a_bad_request(api, owner, shop):
    for payload, field in (
        ({"translations": {"kk": {"name": 5}}}, "translations.kk.name"),
        ({"translations": {"kk": "Шаш қию"}}, "translations.kk"),
        ({"translations": ["kk"]}, "translations"),
    ):
        status, body, _ = api.put(f"/service/{shop['haircut']}", token=owner, json=payload)
        assert status == 400, body
        assert list(body["details"]) == [field]


def test_the_same_rule_limits_each_languages_field(openapi_doc):
    """The document shows the version fields with the base fields' limits."""
    schemas = openapi_doc["components"]["schemas"]

    def props(name: str) -> dict:
        return schemas[name]["properties"]

    for body, version, fields in (
        ("ServiceBody", "ServiceVersionBody", ("name", "description")),
        ("MasterBody", "MasterVersionBody", ("name", "specialization")),
        ("LocationBody", "LocationVersionBody", ("name", "address")),
        ("BusinessBody", "BusinessVersionBody", ("name", "description")),
    ):
        versions = props(body)["translations"]["$ref"].rsplit("/", 1)[1]
        assert set(props(versions)) == {"en", "ru", "kk"}
        assert props(versions)["kk"]["$ref"].endswith("/" + version)
        assert set(props(version)) == set(fields)
        for f in fields:
            assert props(version)[f]["maxLength"] == props(body)[f]["maxLength"]
    for out in ("Service", "Master", "Location", "Business", "PublicBusiness"):
        assert "translations" in props(out)
    assert "default_language" in props("PublicBusiness")
    for path in (
        "/api/v1/public/business/{subdomain}",
        "/api/v1/public/business/{subdomain}/services",
        "/api/v1/public/business/{subdomain}/masters",
        "/api/v1/services",
        "/api/v1/masters",
        "/api/v1/locations",
        "/api/v1/business",
    ):
        params = {p["name"]: p for p in openapi_doc["paths"][path]["get"]["parameters"]}
        assert params["translations"]["schema"]["anyOf"][0] == {"enum": ["all"]}


# ---------------------------------------------------------------- order


def test_lists_are_sorted_by_the_text_the_reader_sees(api, owner, shop):
    order = {
        "en": (["Beard trim", "Haircut"], ["Aigerim", "Zhanna"]),
        "ru": (["Мужская стрижка", "Стрижка бороды"], ["Айгерим", "Жанна"]),
        "kk": (["Ерлер шаш қиюы", "Сақал түзету"], ["Әйгерім", "Жанна"]),
    }
    for lang, (services, masters) in order.items():
        assert _names(api.get(f"{PUBLIC}/services?lang={lang}")[1]) == services
        assert _names(api.get(f"{PUBLIC}/masters?lang={lang}")[1]) == masters
        assert _names(api.get(f"/services?lang={lang}", token=owner)[1]) == services
        assert _names(api.get(f"/masters?lang={lang}", token=owner)[1]) == masters
    # A page is a slice of the sorted list.
    _, body, _ = api.get(f"{PUBLIC}/services?lang=kk&limit=1&offset=1")
    assert (_names(body), body["total"]) == (["Сақал түзету"], 2)


# ---------------------------------------------------------------- statements


def _statements(app, fn) -> list[str]:
    seen: list[str] = []

    def before(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
    return [s for s in seen if s.split(" ", 1)[0].upper() not in ("BEGIN", "PREPARE", "COMMIT", "ROLLBACK")]


@pytest.mark.parametrize("who", ["public", "owner"])
def test_listing_services_costs_the_same_statements_in_every_language(app, api, owner, shop, who):
    path, token = (f"{PUBLIC}/services", None) if who == "public" else ("/services", owner)
    counts = {}
    for lang in ("en", "ru", "kk", "en"):
        app.extensions["redis"].flushdb()  # a cold read every time (no cached catalogue, no cached answer)

        def read(lang=lang):
            status, body, _ = api.get(path, token=token, headers={"Accept-Language": lang}, validate=False)
            assert status == 200, body
            assert len(body["items"]) == 2

        counts.setdefault(lang, []).append(len(_statements(app, read)))
    assert len({n for ns in counts.values() for n in ns}) == 1, counts
    # ... and every version costs nothing more either.
    app.extensions["redis"].flushdb()
    every = _statements(app, lambda: api.get(path + "?translations=all", token=token, validate=False))
    assert len(every) == counts["en"][0]


# ---------------------------------------------------------------- HTTP caching


def test_every_version_has_its_own_etag(api, shop):
    for path in (PUBLIC, f"{PUBLIC}/services", f"{PUBLIC}/masters"):
        _, plain, first = api.get(path)
        _, every, second = api.get(path + "?translations=all")
        assert first.headers["ETag"] != second.headers["ETag"]
        assert "translations" not in str(plain) and "translations" in str(every)


def test_public_answers_differ_per_accept_language_and_say_so(api, shop):
    problems = []
    for path, expected in (
        (PUBLIC, {lang: BUSINESS[lang]["name"] for lang in BUSINESS}),
        (f"{PUBLIC}/services", {lang: BEARD[lang]["name"] for lang in BEARD}),
        (f"{PUBLIC}/masters", {lang: AIGERIM[lang]["name"] for lang in AIGERIM}),
    ):
        tags = set()
        for lang in ("ru", "kk", "en"):
            status, body, resp = api.get(path, headers={"Accept-Language": lang})
            assert status == 200
            shown = [body["name"]] if "name" in body else _names(body)
            if expected[lang] not in shown:
                problems.append(f"{path} in {lang}: {shown} (an answer cached for another language)")
            if "Accept-Language" not in resp.headers.get("Vary", ""):
                problems.append(f"{path} in {lang}: no Vary: Accept-Language on the 200")
            tags.add(resp.headers["ETag"])
            again = api.client.get(
                "/api/v1" + path,
                headers={"Host": "localhost:5000", "Accept-Language": lang, "If-None-Match": resp.headers["ETag"]},
            )
            assert again.status_code == 304
            if "Accept-Language" not in again.headers.get("Vary", ""):
                problems.append(f"{path} in {lang}: no Vary: Accept-Language on the 304")
        if len(tags) != 3:
            problems.append(f"{path}: {len(tags)} ETag(s) for three languages")
    assert not problems, "\n".join(problems)


def test_without_any_language_a_public_read_shows_the_default_language(
    api, create_tenant, create_service, create_master, commit
):
    tenant = create_tenant(
        "dilya", name="Салон Диля", default_language="ru", translations={"en": {"name": "Dilya Salon"}}
    )
    service = create_service(tenant, name="Стрижка", translations={"en": {"name": "Haircut"}})
    create_master(tenant, name="Диляра", services=[service])
    commit()
    status, body, _ = api.get("/public/business/dilya")
    assert (status, body["name"]) == (200, "Салон Диля")
    status, body, _ = api.get("/public/business/dilya/services")
    assert _names(body) == ["Стрижка"]
    status, body, _ = api.get("/public/business/dilya/services", host="dilya")
    assert _names(body) == ["Стрижка"]
