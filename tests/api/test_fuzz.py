"""Schemathesis against the real server: no hostile or random input gets a 500 or breaks the document.

``gunicorn`` serves this app on the suite's database (PostgreSQL + Redis, or SQLite + embedded
Redis) with two seeded businesses (owner, manager, masters, bookings). Tokens come from the API
(``/login``; a client's from ``/public/client/verify`` with the code read from the outbox).
Then ``st run`` (schemathesis, every phase, every check that applies to this API) fuzzes the
served OpenAPI document as each caller: the public, the first business's client, master,
manager and owner, the second business's owner on its own host, and the super admin. The
run fails on any server error and on any conformance failure (status code, content type,
headers, response schema, negative data accepted, ...). Before fuzzing, every id of the first
business is tried with every token of the second, on the main host and on the second
business's host: each answer is the one an id that exists nowhere gets (``404 not_found``
where the role may use the route; the role's own ``403`` where it may not), never a 2xx.

Budget: ``FUZZ_SECONDS`` per caller (default 15), with a fixed seed unless ``FUZZ_SEED`` says
otherwise. The bounded run in ``make test`` fuzzes the
public, the master, the manager and the owner, and the second business's owner on its host (on
SQLite: the public, the owner and the second owner). ``make fuzz`` sets ``FUZZ_DEEP=1``: every
caller, also the client and the super admin, 120 s each. Reports (JSON, and a pytest file
reproducing failures) go to ``FUZZ_REPORT_DIR`` when set, else into the test's temporary directory.

Not checked: ``positive_data_acceptance`` and ``max_response_time`` (see ``CHECKS``).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa

from app.extensions import db
from tests import live

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
HOST = "localhost:5000"
DEEP = os.environ.get("FUZZ_DEEP") == "1"
SECONDS = int(os.environ.get("FUZZ_SECONDS") or (120 if DEEP else 15))
# The bounded run in CI uses a fixed seed, so a red run replays with the same data (`FUZZ_SEED` to
# vary it); the deep run draws a new seed each time to explore.
SEED = os.environ.get("FUZZ_SEED") or (None if DEEP else "20261202")
# The bounded run spends its seconds on generated cases; the deep one also replays the document's examples.
PHASES = "examples,coverage,fuzzing,stateful" if DEEP else "coverage,fuzzing,stateful"
ON_SQLITE = not os.environ.get("TEST_DATABASE_URL")
A, B = "fuzza", "fuzzb"
PASSWORD = "demo12345"
# Calls that end the caller's own session would turn the rest of its run into 401s; the
# public run still sends them (without a token).
SESSION_ENDERS = r"/logout$|/me/password$"

# Every check schemathesis has but two: positive_data_acceptance ("every schema-valid request is
# accepted") cannot hold here, since rules that no JSON Schema states (an end after its start, a
# real ISO 4217 code, a live reset token, a free slot) answer 422/409 by design; and
# max_response_time (a wall-clock limit, meaningless on a shared 2-core CI machine). And
# object_level_authorization, which wants several identities in one run: the cross-tenant
# sweep in the test does that job, exhaustively. And use_after_free ("a deleted resource is gone"):
# the contract's DELETE of a master, service or location deactivates it and keeps its history
# (its time off, its bookings) readable, and DELETE of a booking cancels it.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "ensure_resource_availability",
    "ignored_auth",
)

FUZZ_WSGI = """
from app import create_app

# The production app with cheap password hashing (logins are fuzzed thousands of times)
# and no rate limits (a fuzzer is one very fast client).
app = create_app("development", BCRYPT_ROUNDS=4, RATELIMIT_ENABLED=False)
"""


def _call(port: int, method: str, path: str, body=None, token=None, host=HOST) -> tuple[int, dict | None]:
    headers = {"Host": host}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        try:
            return resp.status, json.loads(raw) if raw else None
        except ValueError:
            return resp.status, {"raw": raw[:300].decode("utf-8", "replace")}
    finally:
        conn.close()


@pytest.fixture
def businesses(app, create_user):
    """Two demo businesses (two locations, services, masters with logins, bookings) and a super admin."""
    from app.catalog.models import Master, PermissionRequest
    from app.core.tenancy import tenant_scope, unscoped
    from app.demo import seed
    from app.scheduling.models import TimeOff
    from app.tenants.models import Tenant

    seed(A)
    seed(B)
    create_user(None, role="super_admin", email="root@fuzz.example", password=PASSWORD)
    for sub in (A, B):  # the demo has no permission requests: one pending, one decided
        with unscoped():
            tenant = db.session.scalar(sa.select(Tenant).where(Tenant.subdomain == sub))
        with tenant_scope(tenant.id):
            master = db.session.scalars(sa.select(Master).order_by(Master.id)).first()
            db.session.add(PermissionRequest(master_id=master.id, permission="see_client_phones", reason="fuzz"))
            db.session.add(PermissionRequest(master_id=master.id, permission="edit_own_schedule", status="denied"))
            db.session.flush()
    db.session.commit()

    with unscoped():
        ids = {}
        for sub in (A, B):
            tenant = db.session.scalar(sa.select(Tenant).where(Tenant.subdomain == sub))
            ids[sub] = {"tenant": tenant.id, **_ids_of(tenant.id)}
        if not ids[A]["time_off"]:
            pytest.fail(f"the demo seed has no time off to try: {TimeOff.__tablename__} is empty")
    return ids


def _ids_of(tenant_id: int) -> dict[str, list]:
    from app.bookings.models import Booking
    from app.catalog.models import Master, PermissionRequest, Service
    from app.scheduling.models import TimeOff
    from app.tenants.models import Location

    def col(c):
        return list(db.session.scalars(sa.select(c).where(c.class_.tenant_id == tenant_id).order_by(c)))

    return {
        "booking_id": col(Booking.id),
        "location_id": col(Location.id),
        "master_id": col(Master.id),
        "service_id": col(Service.id),
        "request_id": col(PermissionRequest.id),
        "time_off": list(
            db.session.execute(
                sa.select(TimeOff.master_id, TimeOff.id).where(TimeOff.tenant_id == tenant_id).order_by(TimeOff.id)
            )
        ),
    }


@pytest.fixture
def server(app, app_config, businesses, tmp_path):
    """``gunicorn`` with the project's gunicorn.conf.py (its request-line limits) on the suite's database."""
    (tmp_path / "fuzz_wsgi.py").write_text(FUZZ_WSGI)
    env = {"RATELIMIT_ENABLED": "true", "LOG_LEVEL": "warning", "GUNICORN_TIMEOUT": "150"}
    workers = 1 if ON_SQLITE else 2  # SQLite: one writer at a time anyway; no lock waits to blur the results
    with live.gunicorn(
        app,
        app_config,
        tmp_path,
        workers,
        config=ROOT / "gunicorn.conf.py",
        target="fuzz_wsgi:app",
        env=env,
        pythonpath=(tmp_path,),
    ) as port:
        yield port, tmp_path / "gunicorn.log"


def _login(port: int, email: str) -> str:
    status, body = _call(port, "POST", "/api/v1/login", {"email": email, "password": PASSWORD})
    assert status == 200, body
    return body["access_token"]


def _client_token(port: int, sub: str, phone: str) -> str:
    from app.notifications.models import Notification as Outbox

    status, body = _call(port, "POST", "/api/v1/public/client/verify", {"subdomain": sub, "phone": phone})
    assert status == 202, body
    db.session.rollback()
    row = db.session.scalars(
        sa.select(Outbox).where(Outbox.template == "client_code", Outbox.recipient == phone).order_by(Outbox.id.desc())
    ).first()
    status, body = _call(
        port,
        "POST",
        "/api/v1/public/client/verify",
        {"subdomain": sub, "phone": phone, "code": row.payload["code"], "name": "Fuzz"},
    )
    assert status == 200, body
    return body["client_token"]


def _tokens(port: int, sub: str, phone: str) -> dict[str, str]:
    return {
        "owner": _login(port, f"owner@{sub}.example"),
        "manager": _login(port, f"manager@{sub}.example"),
        "master": _login(port, f"aigerim@{sub}.example"),
        "client": _client_token(port, sub, phone),
    }


# ---------------------------------------------------------------- the second business sees nothing of the first


def _bodies() -> dict[tuple[str, str], dict]:
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    return {
        ("PUT", "booking"): {"notes": "moved"},
        ("PUT", "service"): {"name": "Renamed"},
        ("PUT", "master"): {"name": "Renamed"},
        ("PUT", "schedule"): {"weekly": {d: [] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}},
        ("POST", "time-off"): {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()},
        ("PUT", "location"): {"name": "Renamed"},
    }


def _fill(path: str, ids: dict[str, list]) -> list[str]:
    """Concrete paths for a templated one, with the first business's ids (a few of each kind)."""
    if "{time_off_id}" in path:
        return [path.replace("{master_id}", str(m)).replace("{time_off_id}", str(t)) for m, t in ids["time_off"][:2]]
    for name in ("booking_id", "location_id", "master_id", "service_id", "request_id"):
        if "{" + name + "}" in path:
            values = ids[name]
            return [path.replace("{" + name + "}", str(v)) for v in {values[0], values[len(values) // 2], values[-1]}]
    return []


def _cross_tenant_failures(port: int, doc: dict, ids_a: dict, tokens_b: dict[str, str]) -> list[str]:
    """Each answer for an id of the first business is the one for an id that exists nowhere.

    That answer is ``404 not_found`` wherever the caller's role may use the route at all; a
    role that may not (a master deleting a location) gets the same ``403`` for any id, which
    tells nothing about the first business either. Never a 2xx."""
    bodies = _bodies()
    prefix = _path_prefix(doc)
    failures = []
    tried = not_found = 0
    nowhere = {k: [2**62] for k in ("booking_id", "location_id", "master_id", "service_id", "request_id")}
    nowhere["time_off"] = [(2**62, 2**62)]
    for template, item in doc["paths"].items():
        if "{" not in template or "/admin/" in template or "{subdomain}" in template:
            continue
        for method in item:
            last = [seg for seg in template.split("/") if seg and "{" not in seg][-1]
            body = bodies.get((method.upper(), last))
            (absent,) = _fill(prefix + template, nowhere)
            for role, token in tokens_b.items():
                for host in (HOST, f"{B}.{HOST}"):
                    status0, answer0 = _call(port, method.upper(), absent, body, token, host=host)
                    expected = (status0, (answer0 or {}).get("error"))
                    if status0 < 400 or expected not in ((404, "not_found"), (403, "forbidden")):
                        failures.append(f"{method.upper()} {absent} as {B} {role} on {host}: {status0} {answer0}")
                        continue
                    for path in _fill(prefix + template, ids_a):
                        tried += 1
                        not_found += status0 == 404
                        status, answer = _call(port, method.upper(), path, body, token, host=host)
                        if (status, (answer or {}).get("error")) != expected:
                            failures.append(
                                f"{method.upper()} {path} as {B} {role} on {host}: {status} {answer}, "
                                f"but {status0} for an id that exists nowhere"
                            )
    assert tried > 100 and not_found > 50, f"only {tried} cross-tenant calls ({not_found} where the role may act)"
    return failures


def _path_prefix(doc: dict) -> str:
    """What goes between the origin and a documented path (the server URL's path, unless paths repeat it)."""
    server = urlparse((doc.get("servers") or [{"url": ""}])[0]["url"]).path.rstrip("/")
    if server and all(p.startswith(server + "/") for p in doc["paths"]):
        return ""
    return server


# ---------------------------------------------------------------- schemathesis


def _config(ids: dict, doc: dict, token: str | None, path: Path) -> Path:
    """schemathesis.toml for one caller: its token, and real ids and subdomains of the first business
    half of the time (so cases reach past 404); no sign-up of its own (the caller is given)."""
    known = {
        "subdomain": [A, B],
        "booking_id": ids["booking_id"][:20],
        "location_id": ids["location_id"],
        "master_id": ids["master_id"],
        "service_id": ids["service_id"],
        "request_id": ids["request_id"],
        "time_off_id": [t for _, t in ids["time_off"]],
    }
    lines = ["[auth]", "auto-signup = false", ""]
    if token:
        schemes = doc.get("components", {}).get("securitySchemes", {})
        bearer = [k for k, v in schemes.items() if v.get("type") == "http" and v.get("scheme", "").lower() == "bearer"]
        assert bearer, f"no bearer security scheme in the document: {schemes}"
        lines += [f'[auth.openapi."{bearer[0]}"]', f"bearer = {json.dumps(token)}", ""]
    for name, values in known.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}", ""]
    lines.append("[parameters]")
    for name in known:
        for where in ("path", "query", "body"):
            lines.append(f'"{where}.{name}" = {{ dictionary = "{name}", probability = 0.5 }}')
    path.write_text("\n".join(lines) + "\n")
    return path


def _schemathesis(port: int, doc: dict, name: str, host: str, token: str | None, reports: Path, ids: dict) -> dict:
    config = _config(ids, doc, token, reports / f"{name}.toml")
    schema_file = reports / f"openapi-{name}.json"
    schema_file.write_text(json.dumps(doc))
    report = reports / f"{name}.json"
    cmd = [
        str(Path(sys.executable).parent / "st"),
        "--config-file",
        str(config),
        "run",
        str(schema_file),
        "--url",
        f"http://127.0.0.1:{port}{_path_prefix(doc)}",
        "-H",
        f"Host: {host}",
        "--checks",
        ",".join(CHECKS),
        "--max-time",
        str(SECONDS),
        "--phases",
        PHASES,
        "--workers",
        "1" if ON_SQLITE else "2",
        "--request-timeout",
        "120",  # a loaded shared machine, not the app, is what makes a request slow here
        "--suppress-health-check",
        "all",
        "--generation-database",
        "none",
        "--max-failures",
        "200",
        "--no-color",
        "--report",
        "json,pytest",
        "--report-json-path",
        str(report),
        "--report-pytest-path",
        str(reports / f"{name}_repro.py"),
    ]
    if SEED:
        cmd += ["--seed", SEED]
    if token:
        cmd += ["--exclude-path-regex", SESSION_ENDERS]
    out = subprocess.run(cmd, cwd=reports, capture_output=True, text=True, timeout=SECONDS * 6 + 120, check=False)
    (reports / f"{name}.log").write_text(out.stdout + out.stderr)
    if not report.exists():
        pytest.fail(f"schemathesis ({name}) wrote no report: {(out.stdout + out.stderr)[-3000:]}")
    result = json.loads(report.read_text())
    result["log"] = out.stdout + out.stderr
    return result


# CPython 3.11 before 3.11.8 can fail ``ast.parse`` when threads call it at once
# (python/cpython#106905, "AST constructor recursion depth mismatch"); hypothesis parses the
# source of its filters' lambdas while schemathesis's two workers generate cases, and the run
# then stops with a "Runtime Error" of the tool itself, every answer until then passing.
_TOOL_CRASH = "AST constructor recursion depth mismatch"


def _tool_crashed(result: dict) -> bool:
    return bool(result["errors"]) and not result["failures"] and _TOOL_CRASH in result["log"]


def test_no_server_errors_no_conformance_failures_and_no_cross_tenant_ids(server, businesses, tmp_path):
    port, gunicorn_log = server
    reports = Path(os.environ["FUZZ_REPORT_DIR"]) if os.environ.get("FUZZ_REPORT_DIR") else tmp_path / "reports"
    if reports.exists() and os.environ.get("FUZZ_REPORT_DIR"):
        shutil.rmtree(reports)
    reports.mkdir(parents=True, exist_ok=True)
    status, doc = _call(port, "GET", "/api/openapi.json")
    assert status == 200
    # An over-long address reaches the app through gunicorn and gets the contract's JSON, not gunicorn's page.
    status, answer = _call(port, "GET", "/api/v1/public/business/fuzza/services?q=" + "x" * 6000)
    assert (status, (answer or {}).get("error")) == (414, "uri_too_long"), (status, answer)
    tokens_a = _tokens(port, A, "+77015550101")
    tokens_b = _tokens(port, B, "+77015550202")
    admin = _login(port, "root@fuzz.example")

    leaks = _cross_tenant_failures(port, doc, businesses[A], tokens_b)
    assert not leaks, f"{len(leaks)} answers that tell the first business's ids apart:\n" + "\n".join(leaks[:30])

    _, doc_b = _call(port, "GET", "/api/openapi.json", host=f"{B}.{HOST}")
    runs = [
        ("public", doc, HOST, None),
        ("client", doc, HOST, tokens_a["client"]),
        ("master", doc, HOST, tokens_a["master"]),
        ("manager", doc, HOST, tokens_a["manager"]),
        ("owner", doc, HOST, tokens_a["owner"]),
        ("other-owner-on-its-host", doc_b, f"{B}.{HOST}", tokens_b["owner"]),
        ("super-admin", doc, HOST, admin),
    ]
    if not DEEP:  # the bounded run in `make test`: the public, each staff role, the other business
        keep = ("public", "owner", "other-owner-on-its-host") if ON_SQLITE else ("public", "master", "manager", "owner")
        runs = [r for r in runs if r[0] in (*keep, "other-owner-on-its-host")]
    problems = []
    generated = 0
    for name, document, host, token in runs:
        result = _schemathesis(port, document, name, host, token, reports, businesses[A])
        if _tool_crashed(result):  # the fuzzer's own crash says nothing about the app: once more
            result = _schemathesis(port, document, name, host, token, reports, businesses[A])
        generated += result["test_cases"]["generated"]
        if not result["test_cases"]["generated"]:
            problems.append(f"== {name}: no test case generated in {SECONDS} s\n" + result["log"][-3000:])
        if result["failures"] or result["errors"] or result["exit_code"] not in (0,):
            problems.append(
                f"== {name}: exit {result['exit_code']}, {result['test_cases']}\n"
                + json.dumps(result["failures"] + result["errors"], indent=1)
                + "\n"
                + result["log"][-6000:]
            )
    assert not problems, (
        f"schemathesis found problems (reports in {reports}; server log {gunicorn_log}):\n" + "\n".join(problems)
    )
    assert generated > 20 * len(runs), f"only {generated} test cases in {len(runs)} runs"
