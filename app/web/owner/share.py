"""Owner: share the booking site -- its link, links for Instagram and 2GIS, the snippet that
puts the booking flow on the business's own website, and a QR code of the link (SVG, drawn
on the server by segno; PNG for print shops)."""

from __future__ import annotations

import io

import segno
from flask import current_app, g, render_template
from markupsafe import Markup

from app.notifications.links import site_url
from app.web.owner.views import bp

# Where a link was opened from shows up in web analytics as utm_source.
SOURCES = (("instagram", "Instagram"), ("2gis", "2GIS"))


def _links() -> dict:
    site = site_url(g.tenant.subdomain)
    booking = f"{site}/"
    return {
        "booking_url": booking,
        "source_urls": [(label, f"{site}/?utm_source={key}&utm_medium=profile") for key, label in SOURCES],
        "embed_script": f'<script src="{site}/static/js/embed.js" async></script>',
        "embed_iframe": (
            f'<iframe src="{site}/embed" title="{g.tenant.name}" loading="lazy" '
            'style="width:100%;max-width:720px;height:900px;border:0"></iframe>'
        ),
    }


def _qr(url: str):
    return segno.make(url, error="m")


@bp.route("/share")
def share():
    links = _links()
    qr = _qr(links["booking_url"])
    svg = qr.svg_inline(scale=6, border=2, dark="#111827", light="#ffffff")
    return render_template("owner/share.html", qr_svg=Markup(svg), **links)  # noqa: S704 -- segno's own SVG


def _download(kind: str, mimetype: str):
    buf = io.BytesIO()
    _qr(_links()["booking_url"]).save(buf, kind=kind, scale=12 if kind == "png" else 10, border=4)
    resp = current_app.response_class(buf.getvalue(), mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{g.tenant.subdomain}-booking-qr.{kind}"'
    return resp


@bp.route("/share/qr.svg")
def share_qr_svg():
    return _download("svg", "image/svg+xml")


@bp.route("/share/qr.png")
def share_qr_png():
    return _download("png", "image/png")
