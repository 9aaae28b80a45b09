"""Real servers for the notification tests: an SMTP server (aiosmtpd), an HTTP SMS
gateway (http.server) and a real RQ worker subprocess (``python worker.py``) pointed at
the test database and Redis."""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from email.message import Message as EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from app.extensions import db
from tests.web.conftest import sms_codes  # noqa: F401  -- the verification codes a booking-site test captures

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPInbox:
    """Keeps every accepted message.  ``down`` (a bool, or a callable read per message) makes
    the server answer ``451 try again later`` instead, as a mail service in an outage does;
    ``tries`` records the app clock's ``now`` at every DATA the server saw."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.tries: list = []
        self.down: bool | Callable[[], bool] = False
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        from app.core import clock

        with self.lock:
            self.tries.append(clock.now())
        down = self.down() if callable(self.down) else self.down
        if down:
            return "451 4.3.0 Mail service unavailable, try again later"
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        msg["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(msg)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp_server() -> Iterator[tuple[SMTPInbox, int]]:
    inbox = SMTPInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


class SMSGateway:
    """Answers 503 to the first ``fail_first`` requests, then 200; ``hang`` stalls requests."""

    def __init__(self) -> None:
        self.fail_first = 0
        self.hang = threading.Event()  # set: requests block until released
        self.release = threading.Event()
        self.requests: list[dict] = []
        self.delivered: list[dict] = []
        self.lock = threading.Lock()

    def texts_to(self, phone: str) -> list[str]:
        with self.lock:
            return [d["body"]["text"] for d in self.delivered if d["body"]["to"] == phone]


def _handler(gw: SMSGateway):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return None

        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            entry = {
                "body": json.loads(raw),
                "auth": self.headers.get("Authorization"),
                "key": self.headers.get("Idempotency-Key"),
            }
            with gw.lock:
                gw.requests.append(entry)
                n = len(gw.requests)
            if gw.hang.is_set():
                gw.release.wait(30)
                return  # never answered: not delivered
            if n <= gw.fail_first:
                self.send_response(503)
                self.end_headers()
                self.wfile.write(b"busy")
                return
            with gw.lock:
                gw.delivered.append(entry)
            out = json.dumps({"id": f"sms-{n}"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

    return Handler


@pytest.fixture
def sms_gateway() -> Iterator[tuple[SMSGateway, str]]:
    gw = SMSGateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(gw))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gw, f"http://127.0.0.1:{server.server_address[1]}/send"
    finally:
        gw.release.set()
        server.shutdown()
        server.server_close()


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0].lower()
    except (OSError, IndexError):
        return "zombie"


class WorkerProcess:
    def __init__(self, env: dict, args: list[str], log: Path):
        self.env, self.args, self.log = env, args, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        fh = open(self.log, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "worker.py"), *self.args],
            env=self.env,
            cwd=ROOT,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        fh.close()
        return self

    def stop(self, timeout: float = 20) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.terminate()
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(5)

    def descendants(self) -> list[int]:
        """Child processes (RQ's work horse runs in a session of its own, so not in our group)."""
        found, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            try:
                kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                kids = []
            found.extend(int(k) for k in kids)
            todo.extend(int(k) for k in kids)
        return found

    def kill_all(self) -> None:
        """SIGKILL the worker, its scheduler and its work horse at once: no clean-up at all."""
        pids = [self.proc.pid, *self.descendants()]
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait(10)
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() and "zombie" not in _state(pid) for pid in pids[1:]):
            if time.monotonic() > deadline:
                raise AssertionError("worker processes survived SIGKILL")
            time.sleep(0.05)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture
def worker_env(app, app_config, smtp_server, sms_gateway, monkeypatch) -> dict:
    # Retries are scheduled by whoever enqueues (this process too): seconds, not minutes.
    monkeypatch.setitem(app.config, "NOTIFY_RETRY_INTERVALS", "1,1,1")
    _inbox, smtp_port = smtp_server
    _gw, sms_url = sms_gateway
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_", "SMS_", "RQ_"))}
    env.update(
        {
            "APP_ENV": "development",
            "DATABASE_URL": app_config["DATABASE_URL"],
            "REDIS_URL": app.config["REDIS_URL"],
            "INSTANCE_PATH": app_config["INSTANCE_DIR"],
            "SERVER_NAME": app.config["SERVER_NAME"],
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
            "SMTP_TLS": "none",
            "MAIL_FROM": "Jazyl <no-reply@jazyl.test>",
            "SMS_PROVIDER": "http",
            "SMS_HTTP_URL": sms_url,
            "SMS_HTTP_TOKEN": "sms-secret",
            "SMS_SENDER": "Jazyl",
            "NOTIFY_RETRY_INTERVALS": "1,1,1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@pytest.fixture
def start_worker(worker_env, app_config, tmp_path) -> Iterator[Callable[..., WorkerProcess]]:
    started: list[WorkerProcess] = []

    def start(*extra: str, env: dict | None = None) -> WorkerProcess:
        args = ["--prefix", app_config["RQ_QUEUE_PREFIX"], *extra]
        w = WorkerProcess({**worker_env, **(env or {})}, args, tmp_path / f"worker{len(started)}.log").start()
        started.append(w)
        return w

    yield start
    for w in started:
        w.stop()
        print(f"---- {w.log.name}\n{w.output()[-6000:]}")  # shown when the test fails


def wait_for(check: Callable[[], object], timeout: float = 30, message: str = "condition") -> object:
    """Poll ``check`` (with a fresh database snapshot) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(0.1)
