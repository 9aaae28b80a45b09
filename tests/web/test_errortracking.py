"""Error tracking (issue 14, item 3): an unhandled exception is logged with the request id and,
with ``SENTRY_DSN`` set, reaches a Sentry-compatible service tagged with the same id."""

from __future__ import annotations

import gzip
import logging
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app import create_app
from app.core import errortracking


class Ingest:
    """A Sentry-compatible ingestion endpoint on loopback: keeps every envelope it is sent."""

    def __init__(self) -> None:
        self.bodies: list[str] = []
        ingest = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return None

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                encoding = (self.headers.get("Content-Encoding") or "").lower()
                if encoding == "gzip":
                    raw = gzip.decompress(raw)
                elif encoding == "deflate":
                    raw = zlib.decompress(raw)
                ingest.bodies.append(raw.decode("utf-8", "replace"))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def ingest():
    server = Ingest()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def tracked_app(app_config, ingest):
    import sentry_sdk

    app = create_app("testing", **app_config, SENTRY_DSN=f"http://publickey@127.0.0.1:{ingest.port}/1")

    @app.route("/boom")
    def boom():
        raise RuntimeError("kaboom for the tracker")

    yield app
    sentry_sdk.get_client().close()
    sentry_sdk.init(dsn=None)
    errortracking._active_dsn = None


def test_an_unhandled_error_is_logged_and_sent_with_its_request_id(tracked_app, ingest, caplog):
    import sentry_sdk

    caplog.set_level(logging.ERROR)
    resp = tracked_app.test_client().get("/boom", headers={"Host": "localhost:5000", "X-Request-ID": "err-track-42a"})
    assert resp.status_code == 500
    assert "kaboom" not in resp.get_data(as_text=True)  # the visitor sees no internals
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert logged and logged[-1].request_id == "err-track-42a"

    sentry_sdk.flush(timeout=10)
    events = [b for b in ingest.bodies if "kaboom for the tracker" in b]
    assert events, ingest.bodies
    assert '"request_id":"err-track-42a"' in events[0].replace(" ", "")
    assert "RuntimeError" in events[0]


def test_without_a_dsn_nothing_is_sent(app, ingest):
    assert errortracking._active_dsn is None
    errortracking.capture(RuntimeError("not sent"))
    assert ingest.bodies == []
