"""Shared fixtures (flaskr style): app, per-host clients, callable factories, clock.

The suite runs against real parts.  ``TEST_DATABASE_URL``/``TEST_REDIS_URL`` point it at
PostgreSQL and Redis (``make test`` sets them when the servers answer); without them it
uses SQLite and the embedded Redis.  Each xdist worker gets its own database and Redis
database, migrated once with Alembic; tables are emptied after every test.

On PostgreSQL the two roles of production are used: the database belongs to
``jazyl_test_owner``, which runs the migrations (``DATABASE_OWNER_URL``), and the app
connects as ``jazyl_test_app``, which owns nothing and lacks BYPASSRLS, so every test runs
under row-level security.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, current_app
from flask.testing import FlaskClient

from app import create_app
from app.core import clock, tenancy
from app.extensions import db, limiter

PG_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")
DOMAIN = "localhost:5000"


def pytest_configure(config):
    # One id per test run, inherited by the xdist workers: concurrent runs never share databases.
    os.environ.setdefault("JAZYL_TEST_RUN", uuid.uuid4().hex[:8])


def _worker_index() -> int:
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(name[2:]) if name[2:].isdigit() else 0


_TERMINATE = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"


OWNER_ROLE, APP_ROLE = "jazyl_test_owner", "jazyl_test_app"


def _ensure_role(conn, role: str) -> None:
    """Create a login role (no superuser, no BYPASSRLS) once per cluster; parallel runs race."""
    if conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
        return
    with contextlib.suppress(sa.exc.DBAPIError):  # created meanwhile by another worker
        conn.execute(sa.text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE PASSWORD '{role}'"))


def _database_urls(tmp: Path) -> tuple[str, str | None]:
    """(app URL, owner URL); on SQLite one URL and no owner."""
    if not PG_URL:
        return f"sqlite:///{tmp / 'test.db'}", None
    from app.config import normalize_db_url

    url = sa.engine.make_url(normalize_db_url(PG_URL))
    name = f"{url.database or 'jazyl'}_test_{os.environ.get('JAZYL_TEST_RUN', 'x')}_{_worker_index()}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        _ensure_role(conn, OWNER_ROLE)
        _ensure_role(conn, APP_ROLE)
        conn.execute(sa.text(_TERMINATE), {"n": name})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}" OWNER {OWNER_ROLE}'))
    admin.dispose()
    db_url = url.set(database=name)
    return (
        db_url.set(username=APP_ROLE, password=APP_ROLE).render_as_string(hide_password=False),
        db_url.set(username=OWNER_ROLE, password=OWNER_ROLE).render_as_string(hide_password=False),
    )


def _redis_url(tmp: Path) -> str:
    if REDIS_URL:
        base = REDIS_URL.rsplit("/", 1)[0] if REDIS_URL.count("/") > 2 else REDIS_URL
        return f"{base}/{1 + _worker_index()}"
    from app.core.redis import embedded_url

    return embedded_url(tmp)


@pytest.fixture(scope="session")
def app_config(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("instance")
    app_url, owner_url = _database_urls(tmp)
    return {
        "DATABASE_URL": app_url,
        "DATABASE_OWNER_URL": owner_url,
        "REDIS_URL": _redis_url(tmp),
        "INSTANCE_DIR": str(tmp),
        "RQ_QUEUE_PREFIX": f"test{_worker_index()}:",
    }


@pytest.fixture
def app_with_limits(app_config):
    """``app_with_limits("3 per minute")`` -> an app with its rate limits on (the testing
    config turns them off) and that default limit."""
    made = []

    def make(default: str = "100 per minute") -> Flask:
        made.append(create_app("testing", RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT=default, **app_config))
        return made[-1]

    yield make
    if made:  # the limiter object is shared by every app of this process: switch it back off
        from app.extensions import limiter

        limiter.enabled = False
        limiter.initialized = False


def _compile_catalogs() -> None:
    """The suite renders ru/kk pages, so make sure the compiled catalogs match the .po files."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (Path(__file__).resolve().parent.parent / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parts[-3])
        tmp = mo.with_suffix(f".mo.{os.getpid()}")
        with tmp.open("wb") as fh:
            write_mo(fh, catalog)
        tmp.replace(mo)


@pytest.fixture(scope="session")
def app(app_config) -> Iterator[Flask]:
    _compile_catalogs()
    from flask_migrate import upgrade

    app = create_app("testing", **app_config)
    with app.app_context():
        upgrade()
        app.extensions["redis"].flushdb()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    for engine in _owner_engines.values():
        engine.dispose()
    if PG_URL:
        from app.config import normalize_db_url

        url = sa.engine.make_url(normalize_db_url(PG_URL))
        name = sa.engine.make_url(app_config["DATABASE_URL"]).database
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(_TERMINATE), {"n": name})
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


_owner_engines: dict[str, sa.engine.Engine] = {}


def _empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":  # TRUNCATE is the owner's (the app role may not)
        from app.config import normalize_db_url

        owner_url = normalize_db_url(current_app.config["DATABASE_OWNER_URL"])
        engine = _owner_engines.get(owner_url) or _owner_engines.setdefault(owner_url, sa.create_engine(owner_url))
        # DELETE, not TRUNCATE: a test leaves a few rows in a few tables, which DELETE removes
        # in milliseconds, while TRUNCATE of every table costs hundreds per test.  The
        # sequences restart as TRUNCATE ... RESTART IDENTITY would; row-level security is
        # FORCEd, so the owner's connection speaks for the platform.
        with engine.begin() as conn:
            conn.execute(sa.text("SELECT set_config('app.platform', 'on', true)"))
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
            conn.execute(sa.text("SELECT setval(schemaname || '.' || sequencename, 1, false) FROM pg_sequences"))
        return
    with db.engine.begin() as conn:
        for t in tables:
            conn.execute(sa.text(f"DELETE FROM {t}"))


@pytest.fixture(autouse=True)
def _clean(app) -> Iterator[None]:
    ctx = app.app_context()
    ctx.push()
    try:
        yield
    finally:
        clock.reset()
        db.session.rollback()
        db.session.remove()
        _empty_tables()
        app.extensions["redis"].flushdb()
        _forget_limiter_fallback()
        ctx.pop()


def _forget_limiter_fallback() -> None:
    """A test that stops or breaks Redis leaves Flask-Limiter counting in its in-process
    fallback until it next probes Redis; flushing Redis does not clear those counts, so a
    later test in the same process would meet another test's 429.  Start each test on Redis
    with an empty fallback (Flask-Limiter has no public call for this)."""
    fallback = getattr(limiter, "_fallback_storage", None)
    if fallback is not None:
        fallback.reset()
    limiter._storage_dead = False


@contextlib.contextmanager
def flask_requests(app):
    """``with flask_requests(app) as seen: ...`` -- the paths of the requests Flask itself
    handled meanwhile (its ``request_started`` signal: a request a WSGI layer answered before
    Flask, app.core.early, sends none)."""
    from flask import request, request_started

    seen: list[str] = []

    def started(sender, **_):
        seen.append(request.full_path)

    request_started.connect(started, app)
    try:
        yield seen
    finally:
        request_started.disconnect(started, app)


class HostClient:
    """A test client bound to one host (``owner.demo`` -> ``owner.demo.localhost:5000``)."""

    def __init__(self, client: FlaskClient, sub: str | None):
        self.client = client
        self.host = f"{sub}.{DOMAIN}" if sub else DOMAIN

    def __getattr__(self, method):
        verb = getattr(self.client, method)

        def call(path, **kwargs):
            headers = kwargs.pop("headers", {}) or {}
            headers.setdefault("Host", self.host)
            return verb(path, headers=headers, **kwargs)

        return call


@pytest.fixture
def host_client(app):
    """``host_client("owner.demo")`` -> a client whose requests go to that host."""
    clients: dict[str, HostClient] = {}

    def make(sub: str | None = None) -> HostClient:
        key = sub or ""
        if key not in clients:
            clients[key] = HostClient(app.test_client(), sub)
        return clients[key]

    return make


@pytest.fixture
def client(host_client):
    return host_client(None)


@pytest.fixture
def admin(create_user, commit, host_client):
    """A platform admin signed in on the admin host (root@jazyl.test)."""
    create_user(None, role="super_admin", email="root@jazyl.test", password="password123")
    commit()
    c = host_client("admin")
    assert c.post("/login", data={"email": "root@jazyl.test", "password": "password123"}).status_code == 302
    return c


@pytest.fixture
def commit():
    """Commit what a test set up, so requests (their own sessions) see it."""

    def do() -> None:
        db.session.commit()

    return do


# ---------------------------------------------------------------- factories


@pytest.fixture
def create_tenant():
    from app.tenants.models import Location, Tenant

    counter = iter(range(1, 10_000))

    def make(
        subdomain: str | None = None,
        *,
        status: str = "active",
        timezone: str = "Asia/Almaty",
        with_location: bool = True,
        **fields,
    ) -> Tenant:
        n = next(counter)
        tenant = Tenant(
            name=fields.pop("name", f"Salon {n}"),
            subdomain=subdomain or f"salon{n}",
            status=status,
            timezone=timezone,
            currency=fields.pop("currency", "KZT"),
            **fields,
        )
        db.session.add(tenant)
        db.session.flush()
        if with_location:
            with tenancy.tenant_scope(tenant.id):
                db.session.add(Location(tenant_id=tenant.id, name="Main", address="Abay 1", timezone=timezone))
                db.session.flush()
        return tenant

    return make


@pytest.fixture
def create_user():
    from app.accounts.models import User
    from app.core.auth import hash_password

    def make(
        tenant=None,
        *,
        role: str = "owner",
        email: str | None = None,
        password: str = "password123",
        location_id: int | None = None,
        language: str = "en",
        **fields,
    ) -> User:
        user = User(
            email=email or f"{role}{os.urandom(3).hex()}@example.com",
            name=fields.pop("name", role.title()),
            role=role,
            tenant_id=tenant.id if tenant else None,
            location_id=location_id,
            password_hash=hash_password(password),
            language=language,
            **fields,
        )
        db.session.add(user)
        db.session.flush()
        return user

    return make


@pytest.fixture
def create_service():
    from app.catalog.models import Service, ServiceLocation
    from app.tenants.models import Location

    def make(
        tenant,
        *,
        name: str = "Haircut",
        duration: int = 60,
        buffer: int = 0,
        price: str = "5000",
        locations=None,
        **fields,
    ) -> Service:
        with tenancy.tenant_scope(tenant.id):
            svc = Service(
                name=name,
                duration_minutes=duration,
                buffer_minutes=buffer,
                price=Decimal(price),
                currency=tenant.currency,
                tenant_id=tenant.id,
                **fields,
            )
            db.session.add(svc)
            db.session.flush()
            locs = locations or db.session.scalars(sa.select(Location)).all()
            for loc in locs:
                db.session.add(ServiceLocation(tenant_id=tenant.id, service_id=svc.id, location_id=loc.id))
            db.session.flush()
        return svc

    return make


@pytest.fixture
def create_master():
    from app.catalog.models import Master, MasterService
    from app.scheduling.models import WorkingHours
    from app.tenants.models import Location

    def make(
        tenant,
        *,
        name: str = "Aigerim",
        services=(),
        location=None,
        user=None,
        hours=((time(9), time(13)), (time(14), time(18))),
        weekdays=range(7),
        **fields,
    ) -> Master:
        with tenancy.tenant_scope(tenant.id):
            loc = location or db.session.scalars(sa.select(Location).order_by(Location.id)).first()
            m = Master(name=name, location_id=loc.id, tenant_id=tenant.id, user_id=user.id if user else None, **fields)
            db.session.add(m)
            db.session.flush()
            for s in services:
                db.session.add(MasterService(tenant_id=tenant.id, master_id=m.id, service_id=s.id))
            for wd in weekdays:
                for start, end in hours:
                    db.session.add(
                        WorkingHours(tenant_id=tenant.id, master_id=m.id, weekday=wd, start_time=start, end_time=end)
                    )
            db.session.flush()
        return m

    return make


@pytest.fixture
def create_client():
    from app.accounts.models import Client

    counter = iter(range(1000, 9999))

    def make(tenant, *, phone: str | None = None, name: str = "Client", language: str = "en") -> Client:
        with tenancy.tenant_scope(tenant.id):
            c = Client(tenant_id=tenant.id, phone=phone or f"+7701555{next(counter):04d}", name=name, language=language)
            db.session.add(c)
            db.session.flush()
        return c

    return make


@pytest.fixture
def create_booking(create_client):
    """Insert a booking row directly (no service rules): for tests of queries and constraints."""
    from zoneinfo import ZoneInfo

    from app.bookings.models import Booking

    def make(tenant, master, service, start: datetime, *, status: str = "confirmed", client=None, **fields) -> Booking:
        client = client or create_client(tenant)
        with tenancy.tenant_scope(tenant.id):
            tz = master.location.timezone
            end = start + timedelta(minutes=service.duration_minutes)
            b = Booking(
                tenant_id=tenant.id,
                location_id=master.location_id,
                master_id=master.id,
                service_id=service.id,
                client_id=client.id,
                status=status,
                start_at=start,
                end_at=end,
                block_end_at=end + timedelta(minutes=service.buffer_minutes),
                local_start=start.astimezone(ZoneInfo(tz)).replace(tzinfo=None),
                timezone=tz,
                duration_minutes=service.duration_minutes,
                buffer_minutes=service.buffer_minutes,
                price=service.price,
                currency=service.currency,
                **fields,
            )
            db.session.add(b)
            db.session.flush()
        return b

    return make


@pytest.fixture
def frozen_now():
    """``frozen_now(datetime)`` pins the app's clock for the rest of the test."""

    def freeze(at: datetime) -> datetime:
        clock.freeze(at if at.tzinfo else at.replace(tzinfo=UTC))
        return clock.now()

    return freeze


@pytest.fixture
def count_queries(app):
    """``with count_queries() as q: ...; q.count`` -- statements sent to the database."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        class Counter:
            count = 0
            statements: list[str] = []

        def before(conn, cursor, statement, *args):
            Counter.count += 1
            Counter.statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield Counter
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def redis_trips(monkeypatch):
    """``with redis_trips() as trips: ...`` -- the packets sent to Redis, one per round trip (a
    pipeline or a script call is one), each as the words of its commands
    (``["EVALSHA", "<sha>", "1", ...]``)."""
    import redis.connection

    original = redis.connection.AbstractConnection.send_packed_command
    sent: list[list[str]] = []
    active = [False]

    def send(conn, command, check_health=True):
        if active[0]:
            raw = b"".join(bytes(p) for p in (command if isinstance(command, list) else [command]))
            sent.append([w.decode(errors="replace") for w in raw.split(b"\r\n") if w and w[:1] not in (b"*", b"$")])
        return original(conn, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", send)

    @contextlib.contextmanager
    def counting():
        sent.clear()
        active[0] = True
        try:
            yield sent
        finally:
            active[0] = False

    return counting
