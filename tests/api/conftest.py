"""Fixtures for API tests: a JSON client that validates every response against the
served OpenAPI document, and capture of the SMS codes and reset links the API sends."""

from __future__ import annotations

import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOMAIN = "localhost:5000"


class OpenAPIChecker:
    def __init__(self, doc: dict):
        self.doc = doc
        self.registry = Registry().with_resource(
            "urn:openapi", Resource.from_contents(doc, default_specification=DRAFT202012)
        )
        self.routes = []
        for path, item in doc["paths"].items():
            rx = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$"
            self.routes.append((re.compile(rx), path, item))

    def operation(self, method: str, path: str) -> dict | None:
        for rx, _p, item in self.routes:
            if rx.match(path) and method.lower() in item:
                return item[method.lower()]
        return None

    def validate(self, method: str, path: str, status: int, body: Any) -> None:
        op = self.operation(method, path)
        assert op is not None, f"{method} {path} is not in the OpenAPI document"
        resp = op["responses"].get(str(status))
        assert resp is not None, f"{method} {path} answered {status}, not documented"
        schema = resp["content"]["application/json"]["schema"]
        ref = schema["$ref"]
        validator = Draft202012Validator(
            {"$ref": "urn:openapi" + ref}, registry=self.registry, format_checker=FormatChecker()
        )
        errors = sorted(validator.iter_errors(body), key=lambda e: e.path)
        assert not errors, f"{method} {path} {status}: {[e.message for e in errors[:5]]}"


class Api:
    """``api.post("/login", json=..., token=...)`` -> (status, json); validates every answer."""

    def __init__(self, app, checker: OpenAPIChecker | None):
        self.client = app.test_client()
        self.checker = checker
        self.errors_seen: set[tuple[int, str]] = set()

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        token: str | None = None,
        host: str | None = None,
        headers: dict | None = None,
        validate: bool = True,
        **kwargs,
    ):
        headers = dict(headers or {})
        headers.setdefault("Host", f"{host}.{DOMAIN}" if host else DOMAIN)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        full = path if path.startswith("/api/") else "/api/v1" + path
        resp = self.client.open(full, method=method, json=json, headers=headers, **kwargs)
        data = resp.get_json(silent=True)
        if resp.status_code >= 400:
            assert isinstance(data, dict), (resp.status_code, resp.data[:300])
            assert set(data) == {"error", "message", "details"}, (resp.status_code, data)
            assert isinstance(data["message"], str)
            assert data["message"]
            assert data["details"] is None or isinstance(data["details"], dict)
            self.errors_seen.add((resp.status_code, data["error"]))
        if validate and self.checker is not None and full.startswith("/api/v1/"):
            self.checker.validate(method, full.split("?")[0], resp.status_code, data)
        return resp.status_code, data, resp

    def get(self, path: str, **kw):
        return self.call("GET", path, **kw)

    def post(self, path: str, **kw):
        return self.call("POST", path, **kw)

    def put(self, path: str, **kw):
        return self.call("PUT", path, **kw)

    def delete(self, path: str, **kw):
        return self.call("DELETE", path, **kw)


@pytest.fixture
def openapi_doc(app):
    resp = app.test_client().get("/api/openapi.json", headers={"Host": DOMAIN})
    assert resp.status_code == 200
    return resp.get_json()


@pytest.fixture
def api(app, openapi_doc):
    return Api(app, OpenAPIChecker(openapi_doc))


@pytest.fixture
def sms(monkeypatch):
    """Codes handed to the notifications package (the database keeps only an HMAC)."""
    from app.notifications import events

    sent: list[dict] = []
    original = events.client_code

    def capture(tenant, phone, code, language):
        sent.append({"tenant_id": tenant.id, "phone": phone, "code": code, "language": language})
        return original(tenant, phone, code, language)

    monkeypatch.setattr(events, "client_code", capture)
    return sent


@pytest.fixture
def reset_links(monkeypatch):
    from app.notifications import events

    sent: list[dict] = []
    original = events.password_reset

    def capture(user, url):
        sent.append({"email": user.email, "url": url})
        return original(user, url)

    monkeypatch.setattr(events, "password_reset", capture)
    return sent


@pytest.fixture
def login(api):
    def do(email: str, password: str = "password123", host: str | None = None) -> dict:
        status, data, _ = api.post("/login", json={"email": email, "password": password}, host=host)
        assert status == 200, data
        return data

    return do


@pytest.fixture
def verified_client(api, sms):
    def do(subdomain: str, phone: str = "+77015550101", name: str = "Dana") -> dict:
        status, data, _ = api.post("/public/client/verify", json={"subdomain": subdomain, "phone": phone})
        assert status == 202, data
        code = [m for m in sms if m["phone"] == phone][-1]["code"]
        status, data, _ = api.post(
            "/public/client/verify", json={"subdomain": subdomain, "phone": phone, "code": code, "name": name}
        )
        assert status == 200, data
        return data

    return do
