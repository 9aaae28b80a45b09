"""Structured logs (issue 14, item 1): request ids, the access line, JSON output, redaction."""

from __future__ import annotations

import json
import logging

import pytest

from app.core import logs

HOST = {"Host": "localhost:5000"}


def test_a_plausible_request_id_is_kept_and_returned(client):
    resp = client.get("/health", headers={**HOST, "X-Request-ID": "edge-7f3a9c01"})
    assert resp.headers["X-Request-ID"] == "edge-7f3a9c01"


@pytest.mark.parametrize("given", [None, "", "short", "has spaces in it", "x" * 200, "semi;colon-123456"])
def test_a_missing_or_implausible_request_id_is_replaced_by_a_new_one(client, given):
    headers = dict(HOST) if given is None else {**HOST, "X-Request-ID": given}
    rid = client.get("/health", headers=headers).headers["X-Request-ID"]
    assert rid != given and len(rid) == 32 and int(rid, 16) >= 0


def test_every_request_gets_its_own_id(client):
    ids = {client.get("/health", headers=HOST).headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_the_access_line_names_method_host_path_status_duration_and_tenant(client, caplog, salon):
    caplog.set_level(logging.INFO, logger="jazyl.access")
    resp = client.get("/api/v1/public/business/anna", headers=HOST)
    rid = resp.headers["X-Request-ID"]
    lines = [r for r in caplog.records if r.name == "jazyl.access" and r.request_id == rid]
    assert len(lines) == 1
    line = lines[0]
    assert (line.method, line.host, line.path, line.status) == (
        "GET",
        "localhost:5000",
        "/api/v1/public/business/anna",
        200,
    )
    assert line.duration_ms >= 0


def test_a_tenant_page_line_names_the_tenant(client, caplog, salon):
    caplog.set_level(logging.INFO, logger="jazyl.access")
    resp = client.get("/", headers={"Host": "anna.localhost:5000"})
    line = next(r for r in caplog.records if r.name == "jazyl.access" and r.request_id == resp.headers["X-Request-ID"])
    assert line.tenant == "anna"


def test_json_lines_are_one_object_each_with_the_request_id(capsys):
    logs.configure("json")
    token = logs.REQUEST_ID.set("req-0123456789")
    try:
        logging.getLogger("jazyl.test").warning("booking %s made", 42, extra={"queue": "default"})
    finally:
        logs.REQUEST_ID.reset(token)
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "jazyl.test" in line]
    assert out[-1]["message"] == "booking 42 made"
    assert out[-1]["request_id"] == "req-0123456789"
    assert out[-1]["level"] == "WARNING" and out[-1]["queue"] == "default"


def test_text_lines_are_readable(capsys):
    logs.configure("text")
    try:
        logging.getLogger("jazyl.test").warning("readable")
        line = [x for x in capsys.readouterr().out.splitlines() if "jazyl.test" in x][-1]
        assert line.endswith("WARNING jazyl.test [None] readable")
        assert not line.startswith("{")
    finally:
        logs.configure("json")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("sms to +77017778899 queued", "77017778899"),
        ("sms to +7 701 777 88 99 queued", "701 777 88"),
        ("client ct_12_Qm9vYmFyQmF6UXV4MTIzNDU2Nzg5 signed in", "Qm9vYmFyQmF6UXV4"),
        ("refresh eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.c2lnbmF0dXJl used", "eyJzdWIiOjF9"),
        ("GET /reset/AbCdEfGhIjKlMnOpQrStUvWxYz0123 200", "AbCdEfGhIjKlMnOpQrStUvWx"),
        ("login password=hunter2-secret failed", "hunter2-secret"),
        ('payload {"code": "482913"}', "482913"),
        ("Authorization: Bearer s3cr3t-t0ken-value", "s3cr3t-t0ken-value"),
    ],
)
def test_redaction_masks_phones_tokens_and_secrets(text, secret):
    assert secret not in logs.redact(text)


def test_redaction_keeps_what_is_not_secret():
    text = "GET /api/v1/availability 200 in 12.5 ms at 2026-12-02 10:30, booking 1234"
    assert logs.redact(text) == text
    assert logs.redact("sms to +77017778899").endswith("8899")


def test_secrets_in_a_record_never_reach_the_output(capsys):
    logs.configure("json")
    logging.getLogger("jazyl.test").error("verify %s with code=%s", "+77015550101", "123456")
    line = [x for x in capsys.readouterr().out.splitlines() if "jazyl.test" in x][-1]
    assert "77015550101" not in line and "123456" not in line
