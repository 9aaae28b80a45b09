"""HTTP caching of the public read endpoints: ETag, 304 Not Modified, Cache-Control, and
their description in the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.core import tenancy
from app.extensions import db

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # Monday 08:00 in Almaty
API = "/api/v1/public/business"


@pytest.fixture
def shop(create_tenant, create_service, create_master, commit, frozen_now):
    frozen_now(NOW)
    tenant = create_tenant("anna", name="Anna Beauty")
    service = create_service(tenant, name="Haircut", duration=60, price="5000")
    master = create_master(tenant, name="Aigerim", services=[service])
    commit()
    with tenancy.tenant_scope(tenant.id):
        yield tenant, service, master


def _urls(shop) -> dict[str, str]:
    _tenant, service, master = shop
    return {
        "business": f"{API}/anna",
        "services": f"{API}/anna/services",
        "masters": f"{API}/anna/masters?service_id={service.id}",
        "availability": f"{API}/anna/availability?service_id={service.id}&date=2026-12-07&master_id={master.id}",
    }


MAX_AGE = {"business": 300, "services": 300, "masters": 120, "availability": 30}


@pytest.mark.parametrize("kind", list(MAX_AGE))
def test_public_reads_send_etag_and_answer_if_none_match_with_304(shop, api, kind):
    url = _urls(shop)[kind]
    status, body, resp = api.get(url)
    assert status == 200
    tag = resp.headers["ETag"]
    assert tag.startswith('"') and tag.endswith('"') and len(tag) > 10
    assert resp.headers["Cache-Control"] == f"public, max-age={MAX_AGE[kind]}"
    assert "Set-Cookie" not in resp.headers  # a shared cache may keep it
    # Names and addresses come in the reader's language; slots are times and ids only.
    localized = "Accept-Language" in resp.headers.get("Vary", "")
    assert localized == (kind != "availability")

    again = api.client.get(url, headers={"Host": "localhost:5000", "If-None-Match": tag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == tag
    assert again.headers["Cache-Control"] == resp.headers["Cache-Control"]

    # A weak form of the same tag and a list with it match; another tag does not.
    for header in (f"W/{tag}", f'"nope", {tag}', "*"):
        assert api.client.get(url, headers={"Host": "localhost:5000", "If-None-Match": header}).status_code == 304
    other = api.client.get(url, headers={"Host": "localhost:5000", "If-None-Match": '"nope"'})
    assert other.status_code == 200
    assert other.get_json() == body
    assert other.headers["ETag"] == tag


def test_the_etag_changes_when_the_answer_changes(shop, api):
    _tenant, service, _master = shop
    urls = _urls(shop)
    tags = {k: api.get(u)[2].headers["ETag"] for k, u in urls.items()}
    service = db.session.merge(service)
    service.name = "Long haircut"
    db.session.commit()
    after = {k: api.get(u)[2].headers["ETag"] for k, u in urls.items()}
    # The catalogue changed: every answer built on it has a new tag, and the old one gets a 200.
    assert all(after[k] != tags[k] for k in urls)
    resp = api.client.get(urls["services"], headers={"Host": "localhost:5000", "If-None-Match": tags["services"]})
    assert resp.status_code == 200
    assert resp.get_json()["items"][0]["name"] == "Long haircut"


def test_a_booking_changes_only_the_availability_etag(shop, api, create_booking):
    tenant, service, master = shop
    urls = _urls(shop)
    tags = {k: api.get(u)[2].headers["ETag"] for k, u in urls.items()}
    create_booking(tenant, master, service, datetime(2026, 12, 7, 5, 0, tzinfo=UTC))
    db.session.commit()
    after = {k: api.get(u)[2].headers["ETag"] for k, u in urls.items()}
    assert after["availability"] != tags["availability"]
    assert {k: after[k] for k in ("business", "services", "masters")} == {
        k: tags[k] for k in ("business", "services", "masters")
    }


def test_the_availability_etag_follows_the_clock(shop, api, frozen_now):
    """Slots drop out as time passes: a tag is only good for the minute it was made in."""
    url = _urls(shop)["availability"]
    first = api.get(url)[2].headers["ETag"]
    frozen_now(datetime(2026, 12, 7, 3, 0, 40, tzinfo=UTC))
    assert api.get(url)[2].headers["ETag"] == first
    frozen_now(datetime(2026, 12, 7, 3, 1, tzinfo=UTC))
    assert api.get(url)[2].headers["ETag"] != first


def test_errors_are_not_cached_and_carry_no_etag(shop, api, create_tenant, commit):
    create_tenant("later", status="pending")
    commit()
    for _ in range(2):
        status, _body, resp = api.get(f"{API}/later/services")
        assert status == 403
        assert "ETag" not in resp.headers
        status, _body, resp = api.get(f"{API}/anna/availability?service_id=999&date=2026-12-07")
        assert status == 404
        assert "ETag" not in resp.headers


def test_openapi_documents_etag_cache_control_and_304(openapi_doc):
    paths = openapi_doc["paths"]
    for path in (
        "/api/v1/public/business/{subdomain}",
        "/api/v1/public/business/{subdomain}/services",
        "/api/v1/public/business/{subdomain}/masters",
        "/api/v1/public/business/{subdomain}/availability",
    ):
        op = paths[path]["get"]
        ok = op["responses"]["200"]
        assert {"ETag", "Cache-Control", "Content-Encoding", "X-RateLimit-Limit"} <= set(ok["headers"]), path
        not_modified = op["responses"]["304"]
        assert "content" not in not_modified
        assert set(not_modified["headers"]) == {"ETag", "Cache-Control"}
        assert any(p["name"] == "If-None-Match" and p["in"] == "header" for p in op["parameters"])
    # Writes are not cached.
    booking = paths["/api/v1/public/booking"]["post"]
    assert "304" not in booking["responses"]
    assert "ETag" not in booking["responses"]["201"]["headers"]
