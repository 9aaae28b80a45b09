"""Render a whole page or just its partial, depending on who asks."""

from __future__ import annotations

from flask import render_template, request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")


def render_page_or_partial(page: str, partial: str, **context) -> str:
    """The full page on a normal request, the named partial on an htmx swap."""
    return render_template(partial if is_htmx() else page, **context)
