"""Unit of work: one commit per request, job or command, and after-commit hooks.

Services only ``flush``.  The boundary (``app.core.handlers`` for a request, the ``@job``
wrapper, a CLI command) commits once if the work ended well and rolls back otherwise.
Work that must only happen if the data is really stored -- enqueueing a notification job,
bumping a cache version -- is registered with :func:`after_commit` and runs after the
database commit succeeded; a rollback discards it.  This closes the race where a worker
picks up a job before the row it reads exists (and the opposite: a job for a row that was
rolled back).

Hooks follow SAVEPOINTs (``db.session.begin_nested()``, or :func:`savepoint` around a
service call a view recovers from): rolling a savepoint back drops only the hooks
registered inside it (and inside savepoints nested in it); releasing one keeps its hooks
for the outer commit.  Only the outermost commit runs hooks.

The rare write that must stay although the work fails (a wrong SMS code, a replayed refresh
token) is made by the service with :func:`independent_write`, in a transaction of its own.
"""

from __future__ import annotations

import logging
import os
import time
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.extensions import db

log = logging.getLogger(__name__)
_KEY = "after_commit_hooks"
_INDEPENDENT = "independent_writes"


def after_commit(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run ``fn(*args, **kwargs)`` once the current transaction commits.

    The hook belongs to the innermost open SAVEPOINT (or to the transaction itself): if that
    savepoint is rolled back, the hook is dropped with the writes made inside it.
    """
    session = db.session()
    owner = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_KEY, []).append((owner, fn, args, kwargs))


def independent_write(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run ``fn(session, *args, **kwargs)`` in a short transaction of its own, whatever
    becomes of the current one.

    For the rare write that must stay although the request or job fails -- a replayed
    refresh token revokes its family, and the request still answers 401.  ``fn`` gets a
    new session (its own connection) and is committed on its own as soon as the current
    transaction has ended, committed or rolled back; not at once, because on SQLite the
    current transaction holds the database's only write lock until it ends, so a second
    connection could not write before that.  A failure is logged, not raised.
    """
    db.session().info.setdefault(_INDEPENDENT, []).append((fn, args, kwargs))


def savepoint() -> SessionTransaction:
    """A SAVEPOINT around one service call a view recovers from (``with savepoint(): ...``).

    If the block raises, what it flushed and the hooks it registered are undone and the
    error propagates; the rest of the request's work stays, and the view can re-render the
    form or redirect from the state before the call.  Whether the request then commits is
    still the boundary's decision.
    """
    return db.session.begin_nested()


def commit() -> None:
    """Commit the session's transaction.  When none has begun (nothing read, written or added
    through the session) and no hook waits, there is nothing to commit: no transaction is
    opened just to end it (a cached read, or the API's fast path, which reads on a
    connection of its own: ``app.core.prepared.autocommit``)."""
    if not db.session.registry.has():  # no session was even made
        return
    session = db.session()
    if session.in_transaction() or session.info.get(_KEY) or session.info.get(_INDEPENDENT):
        session.commit()


def rollback() -> None:
    db.session.rollback()


def _inside(owner: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while owner is not None:
        if owner is ended:
            return True
        owner = owner.parent
    return False


_installed: set = set()


def install(session_class: type[Session]) -> None:
    if session_class in _installed:
        return
    _installed.add(session_class)

    @event.listens_for(session_class, "after_commit")
    def _run_hooks(session: Session) -> None:
        if session.get_nested_transaction() is not None:
            return  # a released SAVEPOINT: its hooks wait for the outermost commit
        hooks = session.info.pop(_KEY, [])
        for _owner, fn, args, kwargs in hooks:
            try:
                fn(*args, **kwargs)
            except Exception:  # a failed enqueue must not undo a committed booking
                log.exception("after-commit hook %r failed", fn)

    @event.listens_for(session_class, "after_rollback")
    def _drop_hooks(session: Session) -> None:
        # Fired while the transaction being rolled back is still the innermost one: a
        # SAVEPOINT (get_nested_transaction) or, when none is open, the whole transaction.
        ended = session.get_nested_transaction()
        if ended is None:
            session.info.pop(_KEY, None)
            return
        hooks = session.info.get(_KEY)
        if hooks:
            session.info[_KEY] = [h for h in hooks if not _inside(h[0], ended)]

    @event.listens_for(session_class, "after_transaction_end")
    def _forget_hooks(session: Session, transaction: SessionTransaction) -> None:
        # The outermost transaction is over (its hooks ran if it committed).  A session
        # closed without commit or rollback must not carry hooks into its next transaction.
        if transaction.parent is None:
            session.info.pop(_KEY, None)
            for fn, args, kwargs in session.info.pop(_INDEPENDENT, []):
                try:
                    with db.session.session_factory() as own, own.begin():
                        fn(own, *args, **kwargs)
                except Exception:
                    log.exception("independent write %r failed", fn)


# ---------------------------------------------------------------- SQLite write serialization

import contextvars  # noqa: E402

from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.exc import InvalidatePoolError  # noqa: E402

_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("sqlite_write_intent", default=False)


def declare_write_intent() -> contextvars.Token:
    """Mark the coming transaction as a writer (a mutating request or a job).

    On SQLite its BEGIN becomes ``BEGIN IMMEDIATE``: the write lock is taken before the
    first read, so check-then-insert (is the slot free? insert the booking) cannot
    interleave with another writer.  Readers are unaffected.  PostgreSQL ignores this:
    there the exclusion constraint and row locks do the work.
    """
    return _write_intent.set(True)


def clear_write_intent(token: contextvars.Token) -> None:
    _write_intent.reset(token)


_configured: set = set()
_engines: weakref.WeakSet = weakref.WeakSet()


def _forget_inherited_connections() -> None:
    """In a forked child (gunicorn preloads the app, then forks its workers) the pools still
    hold the parent's connections: drop them without closing them, so the parent keeps its
    own and the child opens fresh ones (SQLAlchemy's advice for multiprocessing)."""
    for engine in list(_engines):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_connections)


#: A pooled connection unused for longer than this is pinged before it is handed out.
IDLE_PING_SECONDS = 1.0
_LAST_USED = "jazyl_last_used"


def _ping_idle_connections(engine: Engine) -> None:
    """Instead of ``pool_pre_ping`` (a ``SELECT 1`` round trip on every checkout): ping only a
    connection that sat in the pool longer than :data:`IDLE_PING_SECONDS`.

    A connection dies with the server (a restart, a failover), an idle timeout, or the
    network.  Busy workers get their connection back within milliseconds, so they skip the
    ping; one that waited longer -- where such a death most likely happened -- is pinged as
    ``pool_pre_ping`` would, and a dead one makes the pool drop every connection opened
    before it and connect afresh (``InvalidatePoolError``, as ``pool_pre_ping`` does).  A
    server restart takes longer than the window, so once the server is back every pooled
    connection has waited past it and is pinged.  A connection ended within the window
    (an operator's ``pg_terminate_backend``) fails its next statement instead: SQLAlchemy
    sees the disconnect and the pool drops it and every connection older than it."""

    @event.listens_for(engine, "connect")
    def _fresh(dbapi_connection, record) -> None:
        record.info[_LAST_USED] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _used(dbapi_connection, record) -> None:
        if record is not None:
            record.info[_LAST_USED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy) -> None:
        last = record.info.get(_LAST_USED)
        if last is not None and time.monotonic() - last < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_connection, None):
                raise InvalidatePoolError() from exc
            raise
        record.info[_LAST_USED] = time.monotonic()


def configure_engine(engine: Engine) -> None:
    _engines.add(engine)
    if engine in _configured:
        return
    _configured.add(engine)
    if engine.dialect.name != "sqlite":
        _ping_idle_connections(engine)
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")
