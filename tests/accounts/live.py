"""A real ``gunicorn wsgi:app`` on the suite's database, and helpers to race requests at it.

The same pattern as tests/bookings/test_concurrency.py: several sync worker processes, configured
only through environment variables; requests released together by a barrier.
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

ROOT = Path(__file__).resolve().parents[2]
HOST = "localhost:5000"
SECRET_KEY = "accounts-race-test-secret-key-0123456789"  # the server's; tests that forge HMACs use it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port: int, method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    headers = {"Host": HOST, "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=json.dumps(body or {}), headers=headers)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
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
def gunicorn(app, app_config: dict, tmp_path: Path, workers: int = 4) -> Iterator[int]:
    """Start gunicorn (call after the test's data is committed); yields its port."""
    port = free_port()
    conf = tmp_path / "gunicorn_test.conf.py"
    conf.write_text("accesslog = None\nloglevel = 'warning'\n")
    env = {
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
        "PYTHONPATH": str(ROOT),
    }
    log_path = tmp_path / "gunicorn.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            str(conf),
            "-w",
            str(workers),
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
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
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        log.close()
