"""Pooled PostgreSQL connections are pinged only after sitting idle (app.core.db), not on
every checkout as ``pool_pre_ping`` would (a ``SELECT 1`` round trip per request); one the
server ended while it was idle is replaced before the request uses it."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from app.core import db as uow
from app.extensions import db

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="pings are for PostgreSQL")


@pytest.fixture
def pings(app, monkeypatch):
    seen: list = []
    original = db.engine.dialect.do_ping

    def ping(dbapi_connection):
        seen.append(dbapi_connection)
        return original(dbapi_connection)

    monkeypatch.setattr(db.engine.dialect, "do_ping", ping)
    return seen


def _backend_pid() -> int:
    pid = db.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
    db.session.commit()
    db.session.close()  # back to the pool
    return pid


def test_the_engine_has_no_pre_ping_and_a_busy_connection_is_not_pinged(app, pings, monkeypatch):
    assert not db.engine.pool._pre_ping
    # a window no checkout here outlasts, even on a loaded machine (the default is 1 s)
    monkeypatch.setattr(uow, "IDLE_PING_SECONDS", 60.0)
    _backend_pid()  # a connection that sat idle before the test may be pinged here
    pings.clear()
    for _ in range(3):
        _backend_pid()
    assert pings == []


@pytest.fixture
def one_connection(app):
    """The pool holds only the connection the test opens (and none it ended afterwards)."""
    db.session.remove()
    db.engine.dispose()
    yield
    db.session.remove()
    db.engine.dispose()


def test_an_idle_connection_the_server_ended_is_replaced_before_use(app, one_connection, pings, monkeypatch):
    from app.config import normalize_db_url

    pid = _backend_pid()
    url = sa.engine.make_url(normalize_db_url(os.environ["TEST_DATABASE_URL"])).set(database="postgres")
    admin = sa.create_engine(url, poolclass=sa.pool.NullPool)  # a superuser may end any backend
    try:
        with admin.connect() as conn:
            assert conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
    finally:
        admin.dispose()
    monkeypatch.setattr(uow, "IDLE_PING_SECONDS", 0.0)  # every pooled connection counts as idle
    assert _backend_pid() != pid  # no error: the ping found it dead, the pool connected afresh
    assert pings
