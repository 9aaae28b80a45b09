"""A real gunicorn on the suite's database, and helpers to send (and race) requests at it.

Used by the race tests (bookings, accounts, SMS codes) and the API fuzz run: the production entry
point under several worker processes, configured only through environment variables; requests
released together by a barrier.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time as timer
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "localhost:5000"
SECRET_KEY = "accounts-race-test-secret-key-0123456789"  # the server's; tests that forge HMACs use it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(
    port: int, method: str, path: str, body: dict | None = None, token: str | None = None, host: str = HOST
) -> tuple[int, dict]:
    """One request; a GET or HEAD without ``body`` sends none, anything else a JSON object."""
    headers = {"Host": host}
    payload = None
    if body is not None or method not in ("GET", "HEAD"):
        headers["Content-Type"] = "application/json"
        payload = json.dumps(body or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=payload, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        try:
            return resp.status, json.loads(raw) if raw else {}
        except ValueError:  # not JSON (a server's own error page): show the start of it
            return resp.status, {"raw": raw[:300].decode("utf-8", "replace")}
    finally:
        conn.close()


def burst(port: int, requests: list[tuple[str, str, dict, str | None]]) -> list[tuple[int, dict]]:
    """Send ``(method, path, body, token)`` requests at once (a barrier releases them together)."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def run(i: int, method: str, path: str, body: dict, token: str | None) -> None:
        barrier.wait()
        try:
            results[i] = call(port, method, path, body, token)
        except Exception as exc:  # a dropped connection is a result the test must see
            results[i] = (0, {"error": repr(exc)})

    threads = [threading.Thread(target=run, args=(i, *r)) for i, r in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


@contextmanager
def gunicorn(
    app,
    app_config: dict,
    tmp_path: Path,
    workers: int = 4,
    *,
    config: Path | None = None,
    target: str = "wsgi:app",
    env: dict[str, str] | None = None,
    pythonpath: tuple[Path, ...] = (),
) -> Iterator[int]:
    """Start gunicorn (call after the test's data is committed); yields its port.

    ``config`` is a gunicorn config file (default: quiet logs, sync workers); ``env`` adds or
    overrides environment variables; the log is ``tmp_path / "gunicorn.log"``.
    """
    port = free_port()
    if config is None:
        config = tmp_path / "gunicorn_test.conf.py"
        config.write_text("accesslog = None\nloglevel = 'warning'\nworker_class = 'sync'\ntimeout = 60\n")
    environ = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": app_config["DATABASE_URL"],
        "REDIS_URL": app.config["REDIS_URL"],
        "INSTANCE_PATH": app_config["INSTANCE_DIR"],
        "RQ_QUEUE_PREFIX": app_config["RQ_QUEUE_PREFIX"],
        "SECRET_KEY": SECRET_KEY,
        "SERVER_NAME": HOST,
        "RATELIMIT_ENABLED": "false",
        "PROXY_FIX": "false",
        "PYTHONPATH": os.pathsep.join([*map(str, pythonpath), str(ROOT)]),
        **(env or {}),
    }
    log_path = tmp_path / "gunicorn.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            *("-c", str(config), "-w", str(workers), "-b", f"127.0.0.1:{port}", target),
        ],
        cwd=ROOT,
        env=environ,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = timer.monotonic() + 120  # a busy 2-core machine can take long to boot 4 workers
        while True:
            if proc.poll() is not None:
                raise RuntimeError("gunicorn exited: " + log_path.read_text()[-3000:])
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/health", headers={"Host": HOST})
                if conn.getresponse().status in (200, 503):
                    break
            except OSError:
                pass
            if timer.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start: " + log_path.read_text()[-3000:])
            timer.sleep(0.2)
        yield port
    finally:
        try:
            os.killpg(proc.pid, signal.SIGQUIT)  # gunicorn's quick shutdown: the test has its answers
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        log.close()
