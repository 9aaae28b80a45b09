"""Host routing: each host kind reaches its own blueprint, and only that."""

import pytest

from app.core.hosts import RESERVED_SUBDOMAINS


@pytest.fixture
def acme(create_tenant, commit):
    tenant = create_tenant("acme", name="Acme Cuts")
    commit()
    return tenant


@pytest.mark.parametrize(
    ("sub", "path", "status", "marker"),
    [
        (None, "/", 200, b"Register your business"),
        ("admin", "/login", 200, b"Platform admin"),
        ("acme", "/", 200, b"Acme Cuts"),
        ("owner.acme", "/login", 200, b"Owner"),
        ("manager.acme", "/login", 200, b"Manager"),
        ("master.acme", "/login", 200, b"Master"),
    ],
)
def test_each_host_reaches_its_blueprint(acme, host_client, sub, path, status, marker):
    resp = host_client(sub).get(path)
    assert resp.status_code == status
    assert marker in resp.data


@pytest.mark.parametrize("area", ["owner", "manager", "master", "admin"])
def test_dashboards_require_login(acme, host_client, area):
    sub = "admin" if area == "admin" else f"{area}.acme"
    resp = host_client(sub).get("/")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/login")


def test_owner_dot_tenant_is_never_a_tenant_named_owner(create_tenant, host_client, commit):
    create_tenant("acme", name="Acme Cuts")
    commit()
    # owner.acme is the owner dashboard of acme...
    resp = host_client("owner.acme").get("/login")
    assert resp.status_code == 200 and b"Acme Cuts" in resp.data
    # ...and "owner" alone is a reserved word, not a business.
    assert "owner" in RESERVED_SUBDOMAINS
    assert host_client("owner").get("/").status_code == 404


def test_unknown_subdomain_is_404(host_client):
    resp = host_client("nosuchsalon").get("/")
    assert resp.status_code == 404
    assert b"Page not found" in resp.data


def test_dashboard_of_unknown_tenant_is_404(host_client):
    assert host_client("owner.nosuchsalon").get("/login").status_code == 404


@pytest.mark.parametrize("status", ["pending", "rejected", "suspended"])
def test_inactive_business_shows_a_clear_page(create_tenant, host_client, commit, status):
    create_tenant("closed", status=status)
    commit()
    resp = host_client("closed").get("/")
    assert resp.status_code == 403
    assert b"Online booking is closed" in resp.data
    # The owner can still sign in and set up while pending.
    assert host_client("owner.closed").get("/login").status_code == 200


def test_nested_unknown_hosts_are_404(acme, host_client):
    assert host_client("x.y.acme").get("/").status_code == 404


def test_session_cookie_is_host_only(acme, host_client, create_user, commit):
    create_user(acme, role="owner", email="o@acme.test", password="password123")
    commit()
    c = host_client("owner.acme")
    c.get("/login")
    resp = c.post("/login", data={"email": "o@acme.test", "password": "password123"})
    assert resp.status_code == 302
    cookie = resp.headers.get("Set-Cookie", "")
    assert "session=" in cookie and "domain=" not in cookie.lower()


def test_login_on_one_business_does_not_open_another(create_tenant, host_client, create_user, commit):
    a = create_tenant("alpha")
    create_tenant("beta")
    create_user(a, role="owner", email="o@alpha.test", password="password123")
    commit()
    resp = host_client("owner.beta").post("/login", data={"email": "o@alpha.test", "password": "password123"})
    assert resp.status_code == 401
    ok = host_client("owner.alpha").post("/login", data={"email": "o@alpha.test", "password": "password123"})
    assert ok.status_code == 302
    assert host_client("owner.alpha").get("/").status_code == 200
    assert host_client("owner.beta").get("/").status_code == 302


def test_api_answers_on_main_and_tenant_hosts(acme, host_client):
    main = host_client(None).get("/api/v1/public/business/acme")
    tenant = host_client("acme").get("/api/v1/public/business/acme")
    assert main.status_code == tenant.status_code == 200
    assert main.get_json()["subdomain"] == tenant.get_json()["subdomain"] == "acme"


def test_static_assets_answer_on_every_host(acme, host_client):
    for sub in (None, "acme", "owner.acme", "admin"):
        resp = host_client(sub).get("/static/css/app.css")
        assert resp.status_code == 200, sub
        resp.close()


def test_security_headers(acme, host_client):
    resp = host_client("acme").get("/")
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in resp.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
