"""Static assets carry their content hash in the name and are cached for a year."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

from app.core import assets

STATIC = Path(__file__).resolve().parents[2] / "app" / "static"
LINK = re.compile(r"/static/css/app\.([0-9a-f]{12})\.css")


def _digest(path: str) -> str:
    return hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:12]


def test_pages_link_assets_by_content_hash(client):
    html = client.get("/login").get_data(as_text=True)
    m = LINK.search(html)
    assert m is not None, "the stylesheet is linked by a fingerprinted name"
    assert m.group(1) == _digest("css/app.css")
    for name in ("vendor/pico.min.css", "vendor/htmx.min.js", "js/app.js"):
        stem, ext = name.rsplit(".", 1)
        assert f"/static/{stem}.{_digest(name)}.{ext}" in html
    assert "?v=" not in html


@pytest.mark.parametrize("sub", [None, "anna", "owner.anna"])
def test_a_fingerprinted_name_is_served_immutable_for_a_year(host_client, sub):
    url = f"/static/css/app.{_digest('css/app.css')}.css"
    resp = host_client(sub).get(url)
    assert resp.status_code == 200
    assert resp.data == (STATIC / "css/app.css").read_bytes()
    cc = resp.headers["Cache-Control"]
    assert "max-age=31536000" in cc
    assert "immutable" in cc
    assert "public" in cc
    assert resp.mimetype == "text/css"


def test_an_outdated_fingerprint_gets_the_current_file_but_not_for_long(client):
    resp = client.get("/static/css/app.000000000000.css")
    assert resp.status_code == 200
    assert resp.data == (STATIC / "css/app.css").read_bytes()
    assert "immutable" not in resp.headers["Cache-Control"]
    assert "max-age=60" in resp.headers["Cache-Control"]


def test_plain_names_still_work_and_unknown_files_are_404(client):
    assert client.get("/static/css/app.css").status_code == 200
    assert "immutable" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")
    assert client.get(f"/static/css/nothing.{'a' * 12}.css").status_code == 404
    assert client.get("/static/css/nothing.css").status_code == 404


def test_fingerprints_never_reach_outside_the_static_folder(client):
    assert assets.content_hash("../__init__.py") is None
    assert assets.fingerprinted("../__init__.py") == "/static/../__init__.py"
    assert client.get(f"/static/..%2F__init__.{'a' * 12}.py").status_code == 404


def test_a_changed_file_gets_a_new_name(app, tmp_path, monkeypatch):
    monkeypatch.setattr(assets, "STATIC", tmp_path)
    monkeypatch.setattr(assets, "_hashes", {})
    (tmp_path / "x.css").write_text("a{}")
    first = assets.fingerprinted("x.css")
    monkeypatch.setattr(app, "debug", True)  # in production a deploy restarts the process
    (tmp_path / "x.css").write_text("b{color:red}")
    os.utime(tmp_path / "x.css", ns=(1, 1))  # another mtime, whatever the clock's resolution
    second = assets.fingerprinted("x.css")
    assert first != second
    assert re.fullmatch(r"/static/x\.[0-9a-f]{12}\.css", second)
