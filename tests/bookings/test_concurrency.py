"""Concurrent booking requests through the real JSON API against a multi-process gunicorn.

The production entry point (``wsgi:app``) runs under gunicorn with several sync workers,
configured only through environment variables, on the suite's database.  Owners log in with
``POST /api/v1/login`` and book for clients with ``POST /api/v1/booking``.  More than 20
requests, released together by a barrier, race for the same slot and for partially
overlapping slots of different lengths: exactly one wins (with a contract-shaped ``Booking``),
every other one gets ``409 slot_unavailable``, and the table holds no overlap.  In the same
bursts the bookings that must still succeed do: back-to-back, another master, another tenant,
a cancelled booking's slot.  Runs on whichever database the suite uses (PostgreSQL: the
exclusion constraint; SQLite: BEGIN IMMEDIATE).  Nothing is frozen: the server runs on the real
clock, so every slot is a few days ahead, inside working hours and past the minimum notice.
"""

from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.bookings.models import BLOCKING_STATUSES, Booking
from app.core.tenancy import tenant_scope, unscoped
from app.extensions import db
from tests import live

pytestmark = pytest.mark.slow

TZ = ZoneInfo("Asia/Almaty")
CONTENDERS = 20
ROUNDS = 3
PASSWORD = "race-password-123"
BOOKING_KEYS = {
    "id",
    "status",
    "start",
    "end",
    "service",
    "master",
    "location",
    "client",
    "price",
    "currency",
    "notes",
    "created_at",
}


@pytest.fixture
def server(app, app_config, world, tmp_path):
    """``gunicorn wsgi:app`` (4 sync workers) on the test database, started after ``world`` is committed."""
    with live.gunicorn(app, app_config, tmp_path) as port:
        yield port


def _burst(port: int, requests: list[tuple[str, dict]]) -> list[tuple[int, dict]]:
    return live.burst(port, [("POST", "/api/v1/booking", body, token) for token, body in requests])


@pytest.fixture
def world(create_tenant, create_service, create_master, create_user):
    """Two businesses with an owner each; in the first, master A performs 30/60/90-minute services.

    Default booking rules (60 minutes minimum notice, 60-day horizon) apply."""
    t1 = create_tenant("race")
    short, mid, long = (create_service(t1, name=n, duration=d) for n, d in (("Short", 30), ("Mid", 60), ("Long", 90)))
    a = create_master(t1, name="A", services=[short, mid, long], hours=((time(8), time(20)),))
    b = create_master(t1, name="B", services=[mid])
    t2 = create_tenant("rival")
    s2 = create_service(t2, name="Mid", duration=60)
    m2 = create_master(t2, name="Z", services=[s2])
    create_user(t1, role="owner", email="owner@race.example", password=PASSWORD)
    create_user(t2, role="owner", email="owner@rival.example", password=PASSWORD)
    db.session.commit()
    objs = {"t1": t1, "t2": t2, "short": short, "mid": mid, "long": long, "a": a, "b": b, "s2": s2, "m2": m2}
    with unscoped():
        ns = {k: SimpleNamespace(id=v.id) for k, v in objs.items()}
        for k in ("short", "mid", "long", "s2"):
            ns[k].duration, ns[k].name = objs[k].duration_minutes, objs[k].name
        for k in ("a", "b", "m2"):
            ns[k].location_id, ns[k].name = objs[k].location_id, objs[k].name
    return ns


def _login(port: int, email: str) -> str:
    status, body = live.call(port, "POST", "/api/v1/login", {"email": email, "password": PASSWORD})
    assert status == 200, body
    return body["access_token"]


def _start(day: datetime, hhmm: str) -> str:
    h, m = map(int, hhmm.split(":"))
    return day.replace(hour=h, minute=m).isoformat()


def _assert_booking_shape(body: dict, sent: dict, service, master) -> None:
    """The winner's ``201`` body is ``{"booking": Booking}`` as API.md defines it, for what was sent."""
    assert set(body) == {"booking"}, body
    b = body["booking"]
    assert set(b) == BOOKING_KEYS, b
    assert isinstance(b["id"], int)
    assert b["status"] == "confirmed"
    start = datetime.fromisoformat(b["start"])
    assert b["start"].endswith("+05:00")
    assert start == datetime.fromisoformat(sent["start"])
    assert datetime.fromisoformat(b["end"]) == start + timedelta(minutes=service.duration)
    assert b["service"] == {"id": service.id, "name": service.name}
    assert b["master"] == {"id": master.id, "name": master.name}
    assert b["location"] == {"id": master.location_id, "name": "Main", "address": "Abay 1", "timezone": "Asia/Almaty"}
    assert set(b["client"]) == {"id", "name", "phone"}
    assert {"name": b["client"]["name"], "phone": b["client"]["phone"]} == sent["client"]
    assert Decimal(b["price"]) == Decimal("5000")
    assert (b["currency"], b["notes"]) == ("KZT", "")
    assert datetime.fromisoformat(b["created_at"]).utcoffset() is not None


def _assert_no_overlaps(tenant_id: int) -> None:
    db.session.rollback()
    with tenant_scope(tenant_id):
        rows = db.session.scalars(
            select(Booking).where(Booking.status.in_(BLOCKING_STATUSES)).order_by(Booking.master_id, Booking.start_at)
        ).all()
    for prev, cur in itertools.pairwise(rows):
        if prev.master_id == cur.master_id:
            assert cur.start_at >= prev.block_end_at, (prev.id, cur.id)


def test_exactly_one_wins_and_the_rest_get_slot_unavailable(server, world):
    w = world
    tokens = {"race": _login(server, "owner@race.example"), "rival": _login(server, "owner@rival.example")}
    phone = iter(range(100000, 999999))
    winners: list[int] = []

    def req(tenant_sub, service, master, start):
        return (
            tokens[tenant_sub],
            {
                "service_id": service.id,
                "master_id": master.id,
                "start": start,
                "client": {"name": "Racer", "phone": f"+7701{next(phone):07d}"},
            },
        )

    for rnd in range(ROUNDS):
        # The server runs on the real clock: book a few days ahead in the location's zone.
        day = datetime.combine(datetime.now(TZ).date() + timedelta(days=2 + rnd), time(0), TZ)
        # A booking in the slot of the "cancelled" case, made and cancelled through the API first.
        token, body = req("race", w["mid"], w["a"], _start(day, "17:00"))
        status, old = live.call(server, "POST", "/api/v1/booking", body, token)
        assert status == 201, old
        status, cancelled = live.call(server, "DELETE", f"/api/v1/booking/{old['booking']['id']}", {}, token)
        assert (status, cancelled["booking"]["status"]) == (200, "cancelled"), cancelled

        same = [(w["mid"], w["a"], req("race", w["mid"], w["a"], _start(day, "10:00"))) for _ in range(CONTENDERS)]
        # Different lengths, all covering 15:00-15:15: any two overlap.
        shapes = [
            (w["long"], "14:00"),
            (w["mid"], "14:15"),
            (w["mid"], "14:30"),
            (w["short"], "14:45"),
            (w["short"], "15:00"),
            (w["long"], "13:45"),
        ]
        partial = [
            (svc, w["a"], req("race", svc, w["a"], _start(day, hhmm)))
            for svc, hhmm in (shapes[i % len(shapes)] for i in range(CONTENDERS))
        ]
        must = [
            (w["mid"], w["a"], req("race", w["mid"], w["a"], _start(day, "11:00"))),  # back-to-back after 10:00
            (w["short"], w["a"], req("race", w["short"], w["a"], _start(day, "09:30"))),  # back-to-back before
            (w["mid"], w["b"], req("race", w["mid"], w["b"], _start(day, "10:00"))),  # another master
            (w["s2"], w["m2"], req("rival", w["s2"], w["m2"], _start(day, "10:00"))),  # another tenant
            (w["mid"], w["a"], req("race", w["mid"], w["a"], _start(day, "17:00"))),  # a cancelled booking's slot
        ]
        sent = same + partial + must
        results = _burst(server, [r for _, _, r in sent])
        same_r, partial_r, must_r = (
            results[:CONTENDERS],
            results[CONTENDERS : 2 * CONTENDERS],
            results[2 * CONTENDERS :],
        )
        for group in (same_r, partial_r):
            statuses = sorted(s for s, _ in group)
            assert statuses.count(201) == 1, group
            assert statuses.count(409) == CONTENDERS - 1, group
            assert all(body.get("error") == "slot_unavailable" for s, body in group if s == 409), group
        assert [s for s, _ in must_r] == [201] * len(must), must_r
        for (service, master, (_, body)), (status, answer) in zip(sent, results, strict=True):
            if status == 201:
                _assert_booking_shape(answer, body, service, master)
                winners.append(answer["booking"]["id"])

    db.session.rollback()
    with unscoped():
        blocking = db.session.scalars(select(Booking.id).where(Booking.status.in_(BLOCKING_STATUSES))).all()
    assert sorted(blocking) == sorted(winners)
    assert len(winners) == ROUNDS * (2 + len(must))
    _assert_no_overlaps(w["t1"].id)
    _assert_no_overlaps(w["t2"].id)
