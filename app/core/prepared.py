"""Hot statements as PostgreSQL prepared statements, run on the session's connection.

Some statements run on every availability question or every booking and are small and
fast to execute, yet cost more to plan than to run, and more again to pass through the
ORM's execution steps.  On PostgreSQL such a Core statement is PREPAREd once per database
connection (prepared statements live as long as the connection, across transactions) and
EXECUTEd with its parameters in order, so the planner's work is amortised (generic plans)
and SQLAlchemy's per-execution work (compiled-cache look-up, parameter construction, ORM
loading) is skipped.  The PREPARE text is the statement compiled for PostgreSQL, its named
parameters numbered ``$1``, ``$2``, ... in order of appearance, typed from their binds.

Each EXECUTE goes with ``SET LOCAL plan_cache_mode = force_generic_plan`` (one round trip,
this transaction only): left to choose, the server compares the generic plan's estimate
with those of its first five plans for the actual values, and for an array parameter a
generic plan guesses ten elements, so after a few questions about one or two masters it
would plan a four-table UNION again on every execution (about 0.4 ms of server CPU,
several times what executing it costs).  The generic plan is the one these statements are
written for: each on its ``(tenant_id, ...)`` index.

The statements are Core statements: the ORM tenant filter does not apply, so each one names
``tenant_id`` itself.  The tenant guard's ``set_config`` (row-level security) still goes in
front of a transaction's first statement, these included (it works on the cursor).  On any
other database the same statement runs through SQLAlchemy Core.
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple

from psycopg2.extensions import TRANSACTION_STATUS_IDLE
from sqlalchemy import inspect

from app.extensions import db

_NAMED = re.compile(r"%\((\w+)\)s")
_GENERIC = "SET LOCAL plan_cache_mode = force_generic_plan; "
MAX_ID = 2**31 - 1  # ids are INTEGER columns: a larger one names nothing (and would not fit a typed parameter)


class Prepared(NamedTuple):
    prepare: str  # PREPARE name (types) AS the statement
    execute: str  # EXECUTE name (%s, ...) for the driver
    names: tuple[str, ...]  # the parameter of each position
    fixed: dict[str, Any]  # parameters the statement gives a value itself (e.g. a literal 0)
    defaults: tuple  # (column key, its default) to compute at each execution when not given
    # Each parameter's conversion to the driver's value (None: none), e.g. JSON to text.
    binds: tuple[Callable[[Any], Any] | None, ...]
    result_types: tuple  # the type of each result column (for ``typed`` rows)
    given: frozenset | None  # an INSERT's or UPDATE's columns given by the caller


_forms: dict[str, Prepared] = {}
# Inside autocommit(): a one-item list, the block's own connection once it has one.
_own: ContextVar[list | None] = ContextVar("jazyl_prepared_own_connection", default=None)


@contextmanager
def autocommit() -> Iterator[None]:
    """For a block that only reads: on PostgreSQL its :func:`rows` run on a pooled
    connection of their own in the driver's autocommit, each statement its own transaction,
    so there are no BEGIN and COMMIT round trips and no session transaction to open and
    commit (the API's fast path computing a new availability answer: one statement).

    The connection is checked out by the block's first statement (a block that runs none
    checks out nothing) and goes back to the pool at its end with autocommit off again.
    The tenant guard sends the scope in front of every statement then.  Whatever else the
    block runs goes through the session as usual.  On SQLite nothing changes."""
    if not is_postgres():
        yield
        return
    own: list = []
    token = _own.set(own)
    try:
        yield
    finally:
        _own.reset(token)
        if own:
            conn = own[0]
            if not conn.invalidated:  # (an invalidated one, e.g. after a lost server, is discarded)
                conn.connection.dbapi_connection.autocommit = False
            conn.close()


def _connection():
    own = _own.get()
    if own is None:
        return db.session.connection()
    if not own:
        conn = db.engine.connect()
        raw = conn.connection.dbapi_connection
        # Not after the pool's ping of an idle connection, which left a transaction open:
        # then the block's statements share that transaction, rolled back at its end.
        if raw.get_transaction_status() == TRANSACTION_STATUS_IDLE:
            raw.autocommit = True
        own.append(conn)
    return own[0]


def is_postgres() -> bool:
    # The app's engine (one per app): cheaper than asking the session for its bind on every call.
    return db.engine.dialect.name == "postgresql"


def form(name: str, stmt, dialect, keys: Iterable[str] | None = None) -> Prepared:
    """The PREPARE and EXECUTE texts of a Core statement (built once per name).

    ``keys``: for an INSERT or UPDATE, the columns the caller gives values for (always the
    same ones under one name); the other columns with a Python-side default get it at each
    execution, as SQLAlchemy would do."""
    found = _forms.get(name)
    if found is None:
        compiled = stmt.compile(dialect=dialect, column_keys=list(keys) if stmt.is_dml and keys else None)
        names: list[str] = []

        def number(match: re.Match) -> str:
            if match.group(1) not in names:
                names.append(match.group(1))
            return f"${names.index(match.group(1)) + 1}"

        sql = _NAMED.sub(number, compiled.string)
        types = ", ".join(compiled.binds[n].type.compile(dialect=dialect) for n in names)
        placeholders = ", ".join(["%s"] * len(names))
        result_types = tuple(c.type for c in stmt.exported_columns)
        fixed = {n: compiled.binds[n].value for n in names if compiled.binds[n].value is not None}
        # Columns whose default SQLAlchemy computes in Python at each execution (e.g. now()).
        defaults = tuple(
            (c.key, c.default) for c in (*compiled.insert_prefetch, *compiled.update_prefetch) if c.default is not None
        )
        binds = tuple(compiled.binds[n].type._cached_bind_processor(dialect) for n in names)
        found = _forms[name] = Prepared(
            f"PREPARE {name} ({types}) AS {sql}",
            f"EXECUTE {name} ({placeholders})",
            tuple(names),
            fixed,
            defaults,
            binds,
            result_types,
            frozenset(keys) if stmt.is_dml and keys else None,
        )
    return found


def rows(name: str, stmt, params: dict, *, typed: bool = False) -> list:
    """The rows of ``stmt`` (a Core statement with named bound parameters) for ``params``.

    On PostgreSQL: EXECUTE of the statement PREPAREd as ``name`` on this connection (a new
    ``name`` whenever the statement changes); the values are the driver's own unless
    ``typed``, which converts them as SQLAlchemy would.  Elsewhere: the statement through
    SQLAlchemy Core (values always converted)."""
    conn = _connection()
    if conn.dialect.name != "postgresql":
        result = conn.execute(stmt, params)
        return list(result) if result.returns_rows else []
    prepared = form(name, stmt, conn.dialect, params)
    if prepared.given is not None and prepared.given != params.keys():
        raise ValueError(f"prepared statement {name} was built for the columns {sorted(prepared.given)}")
    if prepared.defaults:
        params = dict(params)
        for key, default in prepared.defaults:
            if key not in params:
                params[key] = default.arg(None) if default.is_callable else default.arg
    known = conn.connection.info.setdefault("jazyl_prepared", set())
    if name not in known:
        conn.exec_driver_sql(prepared.prepare)
        known.add(name)
    # The tenant guard puts its set_config in front when the transaction has no scope yet.
    values = []
    for n, f in zip(prepared.names, prepared.binds, strict=True):
        v = params[n] if n in params else prepared.fixed[n]
        values.append(v if f is None else f(v))  # as SQLAlchemy: None too (JSON None is 'null')
    description, found = _execute(conn, _GENERIC + prepared.execute, tuple(values))
    if description is None:
        return []
    make = _row_types.get(name)
    if make is None:  # rows with index and attribute access, as SQLAlchemy's, named as the cursor names them
        make = _row_types[name] = namedtuple(f"{name}_row", [d[0] for d in description], rename=True)._make
    if not typed:
        return list(map(make, found))
    steps = _processors.get(name)
    if steps is None:
        # As SQLAlchemy's result processing: by each column's type and the driver's type code.
        codes = [d[1] for d in description]
        steps = _processors[name] = tuple(
            t._cached_result_processor(conn.dialect, code) for t, code in zip(prepared.result_types, codes, strict=True)
        )
    if not any(steps):
        return list(map(make, found))
    return [make(v if f is None or v is None else f(v) for f, v in zip(steps, row, strict=True)) for row in found]


_processors: dict[str, tuple[Callable[[Any], Any] | None, ...]] = {}
_row_types: dict[str, Callable[[Iterable], tuple]] = {}


def _execute(conn, sql: str, values: tuple) -> tuple[Any, list]:
    """``(cursor description, rows)`` of one statement on ``conn``.

    As SQLAlchemy runs the statements of its own dialects (a sequence, a column default): an
    execution context made for it (``_init_default``, whose cursor is a plain driver cursor)
    and the connection's ``_cursor_execute``.  The engine's ``before_cursor_execute`` and
    ``after_cursor_execute`` listeners get that context (the tenant guard puts its scope in
    front; statement logs, counts and Sentry's spans see the statement) and a driver error is
    raised as SQLAlchemy's, a lost connection invalidated.  What it skips is building a
    ``CursorResult``, whose column metadata comes from the cursor's description on every
    execution (driver SQL has no compiled form to keep it on)."""
    context = conn.dialect.execution_ctx_cls._init_default(
        conn.dialect, conn, conn.connection, conn.get_execution_options()
    )
    cursor = context.cursor
    try:
        conn._cursor_execute(cursor, sql, values, context)
        description = cursor.description
        return description, cursor.fetchall() if description is not None else []
    finally:
        cursor.close()


_EXECUTE = re.compile(r"^(?:SET LOCAL plan_cache_mode = force_generic_plan; )?EXECUTE (\w+) \(")


def statement_text(sql: str) -> str:
    """The SQL behind an EXECUTE sent by :func:`rows` (the prepared statement's text, its
    parameters ``$1``...); any other SQL as it is.  For reading statement logs and tests."""
    match = _EXECUTE.match(sql)
    found = _forms.get(match.group(1)) if match else None
    return found.prepare.split(" AS ", 1)[1] if found is not None else sql


def entity_columns(cls) -> tuple[tuple[str, ...], list]:
    """A mapped class's attribute names and their columns, in one order: select the columns,
    then ``cache.attach(cls, dict(zip(names, values)))`` makes the session object."""
    props = inspect(cls).column_attrs
    return tuple(p.key for p in props), [p.columns[0] for p in props]
