"""Owner: the share page shows the booking link, links for Instagram/2GIS, the embed
snippet and a QR code of the link (inline SVG plus SVG/PNG downloads)."""

from __future__ import annotations

import html
import io
import re

import pytest
import segno


@pytest.fixture
def owner(salon, login):
    return login("owner", "anna", "owner@example.com")


def test_share_page_shows_link_snippet_and_qr(owner):
    resp = owner.get("/share")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert 'value="http://anna.localhost:5000/"' in page
    assert "utm_source=instagram" in page and "utm_source=2gis" in page
    snippet = html.unescape(re.search(r'<textarea id="embed-script"[^>]*>(.*?)</textarea>', page, re.S)[1])
    assert snippet == '<script src="http://anna.localhost:5000/static/js/embed.js" async></script>'
    assert "<script" not in page.split('id="share-embed"')[1].split("<textarea")[0]  # escaped, not run
    assert "<svg" in page and 'id="qr-svg"' in page and 'id="qr-png"' in page
    # The nav links to it.
    assert 'href="/share"' in owner.get("/").get_data(as_text=True)


def test_qr_downloads_encode_the_booking_link(owner):
    svg = owner.get("/share/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert "attachment" in svg.headers["Content-Disposition"] and svg.data.lstrip().startswith(b"<?xml")
    png = owner.get("/share/qr.png")
    assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"
    # The same matrix segno makes for the link: the QR code says exactly the booking URL.
    expected = segno.make("http://anna.localhost:5000/", error="m")
    buf = io.BytesIO()
    expected.save(buf, kind="svg", scale=10, border=4)
    assert svg.data == buf.getvalue()


def test_share_page_is_for_the_owner_only(salon, login, host_client):
    assert host_client("owner.anna").get("/share").status_code == 302  # to the login
    manager = login("manager", "anna", "manager@example.com")
    assert manager.get("/share").status_code == 404
