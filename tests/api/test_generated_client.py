"""A generic OpenAPI client, driven only by /api/openapi.json, books a visit.

The client knows nothing about the API but the document: it finds each operation by its
``operationId``, builds the URL from the document's server URL and path, puts each argument
where the operation's parameters say (path, query or header), checks the request body
against the documented request schema before sending, and checks that the status of every
answer is documented and its body matches the documented schema (RFC 3339 date-times
included). Requests go over WSGI to the app (no network).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.api.conftest import DOMAIN
from tests.api.test_ratelimit import limited_app  # noqa: F401 -- an app with the limits on

# RFC 3339 section 5.6: the offset is whole minutes (jsonschema checks date-time only with an
# optional package, so the test brings its own).
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
FORMATS = FormatChecker()


@FORMATS.checks("date-time")
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(RFC3339.match(value))


class DocumentClient:
    """Calls operations by ``operationId`` using nothing but the OpenAPI document."""

    def __init__(self, doc: dict, wsgi_client, *, limited: bool = False):
        self.doc = doc
        self.http = wsgi_client
        self.limited = limited  # rate limiting is on: the documented headers must be there
        self.server = doc["servers"][0]["url"]
        self.ops = {
            op["operationId"]: (method.upper(), path, op)
            for path, item in doc["paths"].items()
            for method, op in item.items()
        }
        self.registry = Registry().with_resource(
            "urn:doc", Resource.from_contents(doc, default_specification=DRAFT202012)
        )

    def _validator(self, schema: dict) -> Draft202012Validator:
        if "$ref" in schema:
            schema = {"$ref": "urn:doc" + schema["$ref"]}
        return Draft202012Validator(schema, registry=self.registry, format_checker=FORMATS)

    def call(self, operation_id: str, *, body: Any = None, token: str | None = None, **args: Any):
        method, path, op = self.ops[operation_id]
        query: dict[str, Any] = {}
        headers: dict[str, str] = {}
        for param in op.get("parameters", []):
            name = param["name"]
            key = name.replace("-", "_").lower()
            if key not in args:
                assert not param.get("required"), f"{operation_id}: {name} is required"
                continue
            value = args.pop(key)
            errors = [e.message for e in self._validator(param["schema"]).iter_errors(value)]
            assert not errors, (operation_id, name, errors)
            if param["in"] == "path":
                path = path.replace("{" + name + "}", str(value))
            elif param["in"] == "query":
                query[name] = value
            else:
                headers[name] = str(value)
        assert not args, f"{operation_id} has no parameters {sorted(args)}"
        if body is not None:
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            errors = [e.message for e in self._validator(schema).iter_errors(body)]
            assert not errors, (operation_id, errors)
        if token is not None:
            assert op.get("security"), f"{operation_id} takes no credential"
            headers["Authorization"] = f"Bearer {token}"
        url = self.server + path + ("?" + urlencode(query) if query else "")
        parts = urlsplit(url)
        resp = self.http.open(
            parts.path + ("?" + parts.query if parts.query else ""),
            method=method,
            json=body,
            headers=headers,
            base_url=f"{parts.scheme}://{parts.netloc}",
        )
        data = resp.get_json(silent=True)
        documented = op["responses"].get(str(resp.status_code))
        assert documented is not None, f"{operation_id} answered {resp.status_code}, not documented: {data}"
        schema = documented["content"]["application/json"]["schema"]
        errors = [e.message for e in self._validator(schema).iter_errors(data)]
        assert not errors, (operation_id, resp.status_code, errors[:5])
        if self.limited:
            for header, spec in documented.get("headers", {}).items():
                if spec.get("required") is False and header not in resp.headers:
                    continue  # documented as sent only sometimes (Content-Encoding)
                assert header in resp.headers, (operation_id, resp.status_code, header)
                value = resp.headers[header]
                if spec["schema"].get("type") == "integer":  # X-RateLimit-*; ETag and Cache-Control are strings
                    value = int(value)
                assert self._validator(spec["schema"]).is_valid(value), (header, resp.headers)
        return resp.status_code, data


@pytest.fixture
def doc_client(app, openapi_doc):
    return DocumentClient(openapi_doc, app.test_client())


@pytest.fixture
def business(create_tenant, create_service, create_master, commit):
    from datetime import time

    from app.core import tenancy
    from app.extensions import db
    from app.scheduling.models import WorkingHours

    tenant = create_tenant("anna", status="active")
    service = create_service(tenant, duration=60, buffer=0, price="5000")
    master = create_master(tenant, services=[service])
    with tenancy.tenant_scope(tenant.id):
        for day in range(7):
            db.session.add(
                WorkingHours(
                    tenant_id=tenant.id, master_id=master.id, weekday=day, start_time=time(9), end_time=time(18)
                )
            )
        db.session.flush()
    commit()
    return tenant


def test_the_server_url_and_paths_reach_the_routes(doc_client, business):
    """Server URL + path is the route (the old document repeated /api/v1 and every call was 404)."""
    assert urlsplit(doc_client.server).netloc == DOMAIN
    status, data = doc_client.call("public_business", subdomain="anna")
    assert (status, data["subdomain"]) == (200, "anna")
    status, data = doc_client.call("me")
    assert (status, data["error"]) == (401, "unauthorized")
    status, data = doc_client.call("admin_statistics")
    assert (status, data["error"]) == (401, "unauthorized")


def test_a_generic_client_books_a_visit_through_the_document_alone(app, doc_client, business, sms, frozen_now):
    frozen_now(datetime(2030, 3, 4, 3, 0, tzinfo=UTC))  # 08:00 in Almaty
    status, shop = doc_client.call("public_business", subdomain="anna")
    assert status == 200
    status, services = doc_client.call("public_services", subdomain="anna", location_id=shop["locations"][0]["id"])
    assert status == 200 and services["total"] == 1
    service = services["items"][0]
    status, masters = doc_client.call("public_masters", subdomain="anna", service_id=service["id"])
    assert status == 200 and masters["total"] == 1
    status, availability = doc_client.call(
        "public_availability", subdomain="anna", service_id=service["id"], date="2030-03-05", days=2
    )
    assert status == 200 and availability["slots"]
    slot = availability["slots"][0]

    status, data = doc_client.call("public_verify", body={"subdomain": "anna", "phone": "8 701 555 01 01"})
    assert (status, data) == (202, {"status": "code_sent"})
    code = sms[-1]["code"]
    status, session = doc_client.call(
        "public_verify", body={"subdomain": "anna", "phone": "+77015550101", "code": code, "name": "Dana"}
    )
    assert status == 200
    token = session["client_token"]

    body = {"subdomain": "anna", "service_id": service["id"], "master_id": slot["master_id"], "start": slot["start"]}
    status, first = doc_client.call("public_booking", body=body, token=token, idempotency_key="visit-1")
    assert status == 201
    booking = first["booking"]
    assert (booking["start"], booking["status"], booking["client"]["phone"]) == (
        slot["start"],
        "confirmed",
        "+77015550101",
    )
    status, again = doc_client.call("public_booking", body=body, token=token, idempotency_key="visit-1")
    assert (status, again["booking"]["id"]) == (201, booking["id"])

    status, mine = doc_client.call("list_bookings", token=token, limit=10)
    assert status == 200 and [b["id"] for b in mine["items"]] == [booking["id"]]
    status, taken = doc_client.call("public_booking", body=body, token=token, idempotency_key="visit-2")
    assert (status, taken["error"]) == (409, "slot_unavailable")
    status, _ = doc_client.call("list_bookings", token=token, limit=10, offset=0, status="confirmed", master_id=1)
    assert status == 200


def test_documented_limits_are_the_ones_enforced(doc_client, business, frozen_now):
    """Values inside the documented ranges pass the API; the first value outside is 422."""
    frozen_now(datetime(2030, 3, 4, 3, 0, tzinfo=UTC))
    _, _, op = doc_client.ops["public_availability"]
    days = next(p for p in op["parameters"] if p["name"] == "days")["schema"]
    status, _ = doc_client.call(
        "public_availability", subdomain="anna", service_id=1, date="2030-03-05", days=days["maximum"]
    )
    assert status == 200
    resp = doc_client.http.get(
        f"/api/v1/public/business/anna/availability?service_id=1&date=2030-03-05&days={days['maximum'] + 1}",
        headers={"Host": DOMAIN},
    )
    assert (resp.status_code, resp.get_json()["error"]) == (422, "validation_error")
    assert list(resp.get_json()["details"]) == ["days"]


def test_rate_limit_headers_are_the_documented_ones(limited_app, create_tenant, commit):  # noqa: F811
    create_tenant("anna", status="active")
    commit()
    doc = limited_app.test_client().get("/api/openapi.json", headers={"Host": DOMAIN}).get_json()
    client = DocumentClient(doc, limited_app.test_client(), limited=True)
    statuses = [client.call("public_business", subdomain="anna")[0] for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_far_past_instants_come_back_as_rfc3339(api, business, create_user, login, commit, frozen_now):
    """Before 1924 Asia/Almaty kept local mean time (+05:07:48): such instants are given in UTC."""
    from app.catalog.models import Master
    from app.core import tenancy
    from app.extensions import db

    frozen_now(datetime(2030, 3, 4, 3, 0, tzinfo=UTC))
    create_user(business, role="owner", email="owner@anna.test")
    commit()
    token = login("owner@anna.test")["access_token"]
    with tenancy.tenant_scope(business.id):
        master_id = db.session.scalar(db.select(Master.id))
    body = {"start": "1901-01-02T00:00:00+00:00", "end": "1901-01-03T00:00:00+00:00", "reason": "history"}
    status, data, _ = api.post(f"/master/{master_id}/time-off", json=body, token=token)
    assert status == 201, data
    for value in (data["time_off"]["start"], data["time_off"]["end"]):
        assert RFC3339.match(value), value
    assert datetime.fromisoformat(data["time_off"]["start"]) == datetime(1901, 1, 2, tzinfo=UTC)
    status, data, _ = api.get(f"/master/{master_id}/time-off", token=token)
    assert status == 200
    assert all(RFC3339.match(x["start"]) and RFC3339.match(x["end"]) for x in data["items"])
