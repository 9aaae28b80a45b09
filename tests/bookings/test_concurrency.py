"""Concurrent booking requests against a real multi-process gunicorn.

More than 20 requests, released together by a barrier, race for the same slot and for
partially overlapping slots of different lengths: exactly one wins, every other one gets
``409 slot_unavailable``, and the table holds no overlap.  In the same bursts the bookings
that must still succeed do: back-to-back, another master, another tenant, a cancelled
booking's slot.  Runs on whichever database the suite uses (PostgreSQL: the exclusion
constraint; SQLite: BEGIN IMMEDIATE).
"""
from __future__ import annotations

import http.client
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time as timer
from datetime import datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.audit.services import Actor
from app.bookings.models import BLOCKING_STATUSES, Booking
from app.core.tenancy import tenant_scope, unscoped
from app.extensions import db
from app.tenants.models import Tenant

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TZ = ZoneInfo("Asia/Almaty")
CONTENDERS = 20
ROUNDS = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(app, app_config, tmp_path):
    port = _free_port()
    conf = tmp_path / "gunicorn_test.conf.py"
    conf.write_text("accesslog = None\nloglevel = 'warning'\n")
    env = {**os.environ, "TEST_SERVER_DATABASE_URL": app_config["DATABASE_URL"],
           "TEST_SERVER_REDIS_URL": app.config["REDIS_URL"], "TEST_SERVER_INSTANCE": app_config["INSTANCE_DIR"],
           "SECRET_KEY": "concurrency-test-secret-key-0123456789", "SERVER_NAME": "localhost:5000",
           "RATELIMIT_ENABLED": "false", "PYTHONPATH": str(ROOT)}
    log = (tmp_path / "gunicorn.log").open("w")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", str(conf), "-w", "4", "-k", "sync",
         "-b", f"127.0.0.1:{port}", "--timeout", "60", "tests.bookings.server_app:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = timer.monotonic() + 40
        while True:
            if proc.poll() is not None:
                raise RuntimeError("gunicorn exited: " + (tmp_path / "gunicorn.log").read_text()[-3000:])
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/health", headers={"Host": "localhost:5000"})
                if conn.getresponse().status in (200, 503):
                    break
            except OSError:
                pass
            if timer.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
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


def _post(port: int, sub: str, body: dict) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", "/api/_test/book", body=json.dumps(body),
                     headers={"Host": f"{sub}.localhost:5000", "Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


def _burst(port: int, requests: list[tuple[str, dict]]) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def run(i: int, sub: str, body: dict) -> None:
        barrier.wait()
        try:
            results[i] = _post(port, sub, body)
        except Exception as exc:
            results[i] = (0, {"error": repr(exc)})

    threads = [threading.Thread(target=run, args=(i, sub, body)) for i, (sub, body) in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


@pytest.fixture
def world(create_tenant, create_service, create_master):
    """Two businesses; in the first, master A performs 30/60/90-minute services."""
    t1 = create_tenant("race", min_notice_minutes=0, horizon_days=60)
    short, mid, long = (create_service(t1, name=n, duration=d) for n, d in
                        (("Short", 30), ("Mid", 60), ("Long", 90)))
    a = create_master(t1, name="A", services=[short, mid, long], hours=((time(8), time(20)),))
    b = create_master(t1, name="B", services=[mid])
    t2 = create_tenant("rival", min_notice_minutes=0)
    s2 = create_service(t2, name="Mid", duration=60)
    m2 = create_master(t2, name="Z", services=[s2])
    db.session.commit()
    objs = {"t1": t1, "t2": t2, "short": short, "mid": mid, "long": long, "a": a, "b": b, "s2": s2, "m2": m2}
    with unscoped():
        return {k: SimpleNamespace(id=v.id) for k, v in objs.items()}


def _start(day: datetime, hhmm: str) -> str:
    h, m = map(int, hhmm.split(":"))
    return day.replace(hour=h, minute=m).isoformat()


def _assert_no_overlaps(tenant_id: int) -> None:
    db.session.rollback()
    with tenant_scope(tenant_id):
        rows = db.session.scalars(select(Booking).where(Booking.status.in_(BLOCKING_STATUSES))
                                  .order_by(Booking.master_id, Booking.start_at)).all()
    for prev, cur in itertools.pairwise(rows):
        if prev.master_id == cur.master_id:
            assert cur.start_at >= prev.block_end_at, (prev.id, cur.id)


def test_exactly_one_wins_and_the_rest_get_slot_unavailable(server, world):
    from app.bookings.services import cancel_booking, create_booking

    w = world
    phone = iter(range(100000, 999999))

    def req(tenant_sub, service, master, start):
        return (tenant_sub, {"service_id": service.id, "master_id": master.id, "start": start,
                             "phone": f"+7701{next(phone):07d}"})

    for rnd in range(ROUNDS):
        # The server runs on the real clock: book a few days ahead, inside the horizon.
        day = datetime.combine(datetime.now(TZ).date() + timedelta(days=2 + rnd), time(0), TZ)
        # A booking in the slot of the "cancelled" case, cancelled before the burst.
        with tenant_scope(w["t1"].id):
            from app.core.db import clear_write_intent, declare_write_intent

            token = declare_write_intent()
            try:
                owner = Actor("system", role="owner", tenant_id=w["t1"].id)
                tenant = db.session.get(Tenant, w["t1"].id)
                old = create_booking(tenant, owner, service_id=w["mid"].id, master_id=w["a"].id,
                                     start=datetime.fromisoformat(_start(day, "17:00")),
                                     client_data={"name": "Old", "phone": f"+7702{next(phone):07d}"})
                cancel_booking(tenant, owner, old)
                db.session.commit()
            finally:
                clear_write_intent(token)

        same = [req("race", w["mid"], w["a"], _start(day, "10:00")) for _ in range(CONTENDERS)]
        # Different lengths, all covering 15:00-15:15: any two overlap.
        shapes = [(w["long"], "14:00"), (w["mid"], "14:15"), (w["mid"], "14:30"), (w["short"], "14:45"),
                  (w["short"], "15:00"), (w["long"], "13:45")]
        partial = [req("race", *((svc, w["a"], _start(day, hhmm)))) for svc, hhmm in
                   (shapes[i % len(shapes)] for i in range(CONTENDERS))]
        must = [
            req("race", w["mid"], w["a"], _start(day, "11:00")),   # back-to-back after 10:00
            req("race", w["short"], w["a"], _start(day, "09:30")),  # back-to-back before 10:00
            req("race", w["mid"], w["b"], _start(day, "10:00")),   # another master
            req("rival", w["s2"], w["m2"], _start(day, "10:00")),  # another tenant
            req("race", w["mid"], w["a"], _start(day, "17:00")),   # a cancelled booking's slot
        ]
        results = _burst(server, same + partial + must)
        same_r, partial_r, must_r = (results[:CONTENDERS], results[CONTENDERS:2 * CONTENDERS],
                                     results[2 * CONTENDERS:])
        for group in (same_r, partial_r):
            statuses = sorted(s for s, _ in group)
            assert statuses.count(201) == 1, group
            assert statuses.count(409) == CONTENDERS - 1, group
            assert all(body.get("error") == "slot_unavailable" for s, body in group if s == 409), group
        assert [s for s, _ in must_r] == [201] * len(must), must_r

    db.session.rollback()
    with unscoped():
        count = db.session.scalar(select(db.func.count(Booking.id)).where(Booking.status.in_(BLOCKING_STATUSES)))
    assert count == ROUNDS * (2 + len(must))
    _assert_no_overlaps(w["t1"].id)
    _assert_no_overlaps(w["t2"].id)
