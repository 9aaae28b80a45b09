"""Swagger UI at /api/docs renders the API's operations on the main host and on a tenant host.

The page loads its script, styles and the OpenAPI document from the host it is served on, so
its own Content-Security-Policy (``'self'`` only) lets them in on every host.
"""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("sub", [None, "demo"])
def test_swagger_ui_lists_operations(app, create_tenant, commit, live_server, browser, sub):
    create_tenant("demo")
    commit()
    host = f"{sub}.{live_server}" if sub else live_server
    page = browser.new_page()
    blocked: list[str] = []
    page.on("console", lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None)
    failed: list[str] = []
    page.on("requestfailed", lambda req: failed.append(req.url))
    page.goto(f"http://{host}/api/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=60_000)  # a loaded CI machine is slow
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any(p.strip().endswith("/login") for p in paths), paths
    assert len(paths) > 30, paths
    assert page.locator(".opblock-post").count() > 5
    assert not blocked, blocked
    assert not failed, failed
    # Everything came from the page's own host.
    scripts = page.eval_on_selector_all("script[src]", "e => e.map(x => x.src)")
    assert scripts and all(src.startswith(f"http://{host}/") for src in scripts), scripts
