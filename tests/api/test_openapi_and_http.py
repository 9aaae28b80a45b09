"""The OpenAPI document, the docs page, CORS, localization and HTTP-level errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from app.api.v1.openapi import openapi_path

HOST = {"Host": "localhost:5000"}


def test_every_api_route_is_documented(app, openapi_doc):
    documented = {(path, method) for path, item in openapi_doc["paths"].items() for method in item}
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower()))
    assert routes
    assert routes == documented
    assert openapi_doc["openapi"].startswith("3.1")
    for schema in openapi_doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    # Every operation has request/response schemas where it takes or returns JSON, and the error body.
    for path, item in openapi_doc["paths"].items():
        for method, op in item.items():
            ok = [s for s in op["responses"] if s.startswith("2")]
            assert ok, (path, method)
            assert all("content" in op["responses"][s] for s in ok), (path, method)
            assert op["responses"]["500"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    assert openapi_path("/booking/<int:booking_id>") == "/api/v1/booking/{booking_id}"


def test_document_follows_the_validating_schemas(openapi_doc):
    """The document is generated from the pydantic models the views validate with."""
    from app.api.v1 import models
    from app.api.v1.openapi import _tidy

    schemas = openapi_doc["components"]["schemas"]
    body = schemas["ServiceBody"]
    own = _tidy(models.ServiceBody.model_json_schema(ref_template="#/components/schemas/{model}"))
    nested = own.pop("$defs", {})  # the texts in other languages: components of their own
    assert body == own
    assert nested == {name: schemas[name] for name in nested}
    assert set(nested) == {"ServiceVersionsBody", "ServiceVersionBody"}
    assert body["properties"]["duration_minutes"]["minimum"] == 5
    assert body["properties"]["duration_minutes"]["maximum"] == 720
    assert set(body["required"]) == {"name", "duration_minutes", "price"}
    # A PUT takes any subset of the same fields.
    update = openapi_doc["components"]["schemas"]["ServiceUpdateBody"]
    assert "required" not in update
    assert update["properties"]["duration_minutes"] == body["properties"]["duration_minutes"]


def test_docs_page_uses_local_assets_and_no_inline_script(client):
    resp = client.get("/api/docs")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    # Fingerprinted names (app/core/assets.py): /static/js/api-docs.<hash>.js
    bundle = re.search(r"/static/vendor/swagger-ui/swagger-ui-bundle\.[0-9a-f]{12}\.js", html)
    assert bundle is not None
    assert re.search(r"/static/js/api-docs\.[0-9a-f]{12}\.js", html)
    assert client.get(bundle.group(0)).status_code == 200
    assert re.search(r"<script>[^<]", html) is None
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/js/api-docs.js").status_code == 200


def test_cors_preflight_and_headers(app, client, create_tenant, commit):
    create_tenant("anna")
    commit()
    app.config["CORS_ORIGINS"] = ["https://app.example.com"]
    try:
        resp = client.options(
            "/api/v1/bookings",
            headers={
                "Origin": "https://app.example.com",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "Authorization",
            },
        )
        assert resp.status_code == 200
        assert resp.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
        assert "Authorization" in resp.headers["Access-Control-Allow-Headers"]
        resp = client.get("/api/v1/public/business/anna", headers={"Origin": "https://evil.example.com"})
        assert resp.status_code == 200
        assert "Access-Control-Allow-Origin" not in resp.headers
    finally:
        app.config["CORS_ORIGINS"] = []


@pytest.fixture
def compiled_catalogs(app, tmp_path):
    """The ru/kk catalogs compiled into a temporary directory (what ``make translations`` does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for lang in ("ru", "kk"):
        src = Path(app.root_path).parent / "translations" / lang / "LC_MESSAGES" / "messages.po"
        dst = tmp_path / lang / "LC_MESSAGES"
        dst.mkdir(parents=True)
        with open(src, "rb") as f:
            catalog = read_po(f, locale=lang)
        with open(dst / "messages.mo", "wb") as f:
            write_mo(f, catalog)
    cfg = app.extensions["babel"]
    old = cfg.translation_directories
    cfg.translation_directories = [str(tmp_path), *old]
    cfg.instance.domain_instance.cache.clear()
    yield
    cfg.translation_directories = old
    cfg.instance.domain_instance.cache.clear()


def test_messages_are_localized(client, compiled_catalogs):
    en = client.get("/api/v1/public/business/nope").get_json()["message"]
    ru = client.get("/api/v1/public/business/nope", headers={"Accept-Language": "ru"}).get_json()
    kk = client.get("/api/v1/public/business/nope?lang=kk").get_json()
    assert ru["error"] == kk["error"] == "not_found"
    assert en == "Not found."
    assert ru["message"] == "Не найдено."
    assert kk["message"] not in (en, ru["message"])
    resp = client.post("/api/v1/register", json={}, headers={"Accept-Language": "ru"})
    details = resp.get_json()["details"]
    assert resp.status_code == 422
    assert set(details) >= {"business_name", "subdomain", "email", "password"}
    resp = client.post(
        "/api/v1/register",
        headers={"Accept-Language": "ru"},
        json={"business_name": "A", "subdomain": "abc", "owner_name": "B", "email": "bad", "password": "short"},
    )
    details = resp.get_json()["details"]
    assert details["email"] == ["Введите корректный адрес электронной почты."]
    assert details["password"] == ["Используйте не менее 8 символов."]


def test_tenant_host_implies_the_tenant(host_client, create_tenant, commit):
    create_tenant("anna")
    create_tenant("bek")
    commit()
    c = host_client("anna")
    assert c.get("/api/v1/public/business/anna").status_code == 200
    assert c.get("/api/v1/public/business/bek").status_code == 404
    assert host_client("nope").get("/api/v1/public/business/nope").status_code == 404


def test_csrf_exempt_for_api_but_not_for_forms(app, create_tenant, create_user, commit):
    from flask_wtf.csrf import CSRFProtect  # noqa: F401 -- the app's csrf is configured in create_app

    create_user(None, role="super_admin", email="root@jazyl.test")
    commit()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        c = app.test_client()
        resp = c.post("/api/v1/login", json={"email": "root@jazyl.test", "password": "password123"}, headers=HOST)
        assert resp.status_code == 200
        resp = c.post(
            "/login",
            data={"email": "root@jazyl.test", "password": "password123"},
            headers={"Host": "admin.localhost:5000"},
        )
        assert resp.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_blank_optional_email_is_documented_as_valid(openapi_doc):
    """The server reads a blank optional email as "none", so the document must allow it (schemathesis ST201)."""
    from jsonschema import Draft202012Validator, FormatChecker

    body = openapi_doc["paths"]["/api/v1/master"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schema = {**openapi_doc, **body} if "$ref" not in body else {**openapi_doc, "$ref": body["$ref"]}
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    assert validator.is_valid({"name": "Aigerim", "email": ""})
    assert validator.is_valid({"name": "Aigerim", "email": "aigerim@example.com"})
    assert not validator.is_valid({"name": "Aigerim", "email": "not an email"})
