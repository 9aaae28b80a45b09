"""Real Chromium against a real HTTP server running this app on 127.0.0.1.

The server is a werkzeug thread inside the test process, so it shares the test database
(the ``app`` fixture's) and the fixtures can read what the browser did.  Chromium resolves
``*.localhost`` to loopback, so tenant hosts work without touching /etc/hosts.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from tests.web.conftest import salon, sms_codes  # noqa: F401  -- the same ready business and SMS capture

CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if not os.path.exists(CHROMIUM):
                item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} is not installed (apt-get install chromium)"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app served on 127.0.0.1:<free port>; yields the platform domain ``localhost:<port>``."""
    port = _free_port()
    saved = {k: app.config.get(k) for k in ("SERVER_NAME", "WTF_CSRF_ENABLED")}
    # The browser goes through the real CSRF checks (forms and htmx headers).
    app.config.update(SERVER_NAME=f"localhost:{port}", WTF_CSRF_ENABLED=True)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"localhost:{port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
        app.config.update(saved)


@pytest.fixture
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield b
        finally:
            b.close()
