"""The SQLAlchemy side of tenant scoping (:mod:`app.core.tenancy` says what it enforces).

:class:`TenantSession` (``get`` honours the scope), :func:`install` (the ORM events: the
query filter, the write checks, the stamping of new objects, refreshes and late flushes in
the object's own tenant) and :func:`configure_engine` (PostgreSQL: the scope handed to
row-level security with ``set_config`` in front of a transaction's first statement).
"""

from __future__ import annotations

from contextlib import suppress
from functools import lru_cache
from weakref import WeakKeyDictionary

from flask_sqlalchemy.session import Session as _FlaskSession
from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (
    ORMExecuteState,
    Session,
    with_loader_criteria,
)
from sqlalchemy.sql import ClauseElement, TableClause
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.util import find_tables

from app.core.tenancy import Scope, TenantScoped, TenantScopeError, current_scope, enter_tenant, leave, tenant_tables

# ---------------------------------------------------------------- the ORM side


def _touches_tenant_models(state: ORMExecuteState) -> bool:
    return any(isinstance(m.class_, type) and issubclass(m.class_, TenantScoped) for m in state.all_mappers)


def _tenant_tables_in(statement: ClauseElement, names: frozenset[str]) -> set[str]:
    found = find_tables(
        statement, check_columns=True, include_aliases=True, include_joins=True, include_selects=True, include_crud=True
    )
    return {t.name for t in found if isinstance(t, TableClause) and t.name in names}


def _literal(value):
    if isinstance(value, BindParameter):
        return value.effective_value
    if isinstance(value, ClauseElement):
        raise TenantScopeError("tenant_id given as a SQL expression cannot be checked; pass the value")
    return value


def _written_tenant_ids(statement, parameters) -> list:
    """Every ``tenant_id`` an INSERT/UPDATE would write (``[]`` if it writes none)."""
    values: list = []
    if isinstance(statement, Insert) and statement.select is not None:
        raise TenantScopeError("INSERT ... SELECT into a tenant-owned table cannot be checked in a tenant scope")
    rows = []
    if getattr(statement, "_multi_values", None):
        for group in statement._multi_values:
            rows.extend(group)
    if getattr(statement, "_values", None):
        rows.append(statement._values)
    for row in rows:
        for col, value in row.items():
            if getattr(col, "key", col) == "tenant_id" or getattr(col, "name", None) == "tenant_id":
                values.append(_literal(value))
    params = parameters if isinstance(parameters, list | tuple) else [parameters] if parameters else []
    for p in params:
        if isinstance(p, dict) and "tenant_id" in p:
            values.append(_literal(p["tenant_id"]))
    return values


def _check_write(state: ORMExecuteState, tid: int, names: frozenset[str]) -> None:
    statement = state.statement
    table = getattr(statement, "table", None)
    if not isinstance(table, TableClause) or table.name not in names:
        return
    written = _written_tenant_ids(statement, state.parameters)
    if isinstance(statement, Insert) and not written:
        raise TenantScopeError(f"INSERT into {table.name} without tenant_id")
    for value in written:
        if value is None or int(value) != tid:
            raise TenantScopeError(f"write to {table.name} names another tenant ({value!r}) inside tenant {tid}")


def _check_instance_tenant(obj, tid: int) -> None:
    known = inspect(obj).info.get("tenant_id")
    if known is not None and known != tid:
        raise TenantScopeError(f"{type(obj).__name__} of tenant {known} touched inside tenant {tid}")


# Statements built once (module-level or ``functools.cache``) are executed on every request:
# their tenant-filtered copy is kept per tenant, so SQLAlchemy's cache key for it is computed
# once instead of per execution (walking a whole statement costs more than running a small
# one), and so is the "does it touch a tenant-owned table?" answer outside a scope.  Weak
# keys: a statement built for one request is forgotten with it.  A few tenants per statement.
_SCOPED: WeakKeyDictionary = WeakKeyDictionary()
_SCOPED_PER_STATEMENT = 8
_UNSCOPED_TABLES: WeakKeyDictionary = WeakKeyDictionary()


@lru_cache(maxsize=1024)
def _criteria(tid: int):
    return with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tid, include_aliases=True)


def _scoped(statement, tid: int):
    """``statement`` limited to tenant ``tid`` (the same object for the same pair)."""
    try:
        kept = _SCOPED.get(statement)
    except TypeError:  # not weak-referenceable
        return statement.options(_criteria(tid))
    if kept is None:
        kept = _SCOPED[statement] = {}
    scoped = kept.get(tid)
    if scoped is None:
        if len(kept) >= _SCOPED_PER_STATEMENT:
            # The oldest goes; another thread (gthread workers) may have taken it already.
            with suppress(StopIteration, RuntimeError):
                kept.pop(next(iter(kept)), None)
        scoped = kept[tid] = statement.options(_criteria(tid))
    return scoped


def _tenant_tables_touched(state: ORMExecuteState, names: frozenset[str]) -> tuple[bool, frozenset[str]]:
    """(mapped tenant-owned classes queried?, tenant-owned tables named) for a statement run
    outside a tenant scope, remembered per statement object (the set of tables is fixed
    once the models are imported; a new model clears :func:`tenant_tables`, and with it
    would change ``names``, which is part of what is remembered)."""
    statement = state.statement
    try:
        known = _UNSCOPED_TABLES.get(statement)
    except TypeError:
        known = None
        statement = None
    if known is not None and known[0] is names:
        return known[1], known[2]
    models = _touches_tenant_models(state)
    tables = frozenset()
    if isinstance(state.statement, ClauseElement):
        tables = frozenset(_tenant_tables_in(state.statement, names))
    if statement is not None:
        _UNSCOPED_TABLES[statement] = (names, models, tables)
    return models, tables


class TenantSession(_FlaskSession):
    """Flask-SQLAlchemy's session whose ``get`` honours the scope even on identity-map hits."""

    def get(self, entity, ident, **kwargs):
        mapper = inspect(entity, raiseerr=False)
        cls = mapper.class_ if mapper is not None and hasattr(mapper, "class_") else entity
        tenant_owned = isinstance(cls, type) and issubclass(cls, TenantScoped)
        if not tenant_owned:
            return super().get(entity, ident, **kwargs)
        scope = current_scope()
        if scope is None:
            raise TenantScopeError(f"get({cls.__name__}) outside a tenant scope")
        obj = super().get(entity, ident, **kwargs)
        if obj is None or scope.unscoped:
            return obj
        known = inspect(obj).info.get("tenant_id", obj.tenant_id)
        return obj if known == scope.tenant_id else None


_installed: set = set()


def install(session_class: type[Session] | Session) -> None:
    """Register the query filter, the write checks and the insert stamping on a session class."""
    if session_class in _installed:
        return
    _installed.add(session_class)

    @event.listens_for(session_class, "do_orm_execute")
    def _filter(state: ORMExecuteState):
        scope = current_scope()
        if scope is not None and scope.unscoped:
            return None
        names = tenant_tables()
        if state.is_column_load:
            return _refresh(state, scope)
        if scope is None:
            models, touched = _tenant_tables_touched(state, names)
            if models:
                raise TenantScopeError(_NO_SCOPE)
            if touched:
                raise TenantScopeError(f"{_NO_SCOPE} (tables: {', '.join(sorted(touched))})")
            return None
        tid = scope.tenant_id
        if state.is_insert or state.is_update:
            _check_write(state, tid, names)
        if state.is_select or state.is_update or state.is_delete:
            state.statement = _scoped(state.statement, tid)
        return None

    def _refresh(state: ORMExecuteState, scope: Scope | None):
        refresh_state = state.load_options._refresh_state
        known = refresh_state.info.get("tenant_id") if refresh_state is not None else None
        if known is None or not isinstance(refresh_state.obj(), TenantScoped):
            return None
        if scope is not None and known == scope.tenant_id:
            return None
        token = enter_tenant(known)  # the object's own tenant, for the refresh only
        try:  # freeze: rows and their eager (selectin) loads are fetched inside the scope
            return state.invoke_statement().freeze()()
        finally:
            leave(token)

    @event.listens_for(session_class, "loaded_as_persistent")
    def _remember_loaded(session: Session, obj) -> None:
        if isinstance(obj, TenantScoped):
            inspect(obj).info["tenant_id"] = obj.__dict__.get("tenant_id")

    @event.listens_for(session_class, "pending_to_persistent")
    def _remember_new(session: Session, obj) -> None:
        if isinstance(obj, TenantScoped):
            inspect(obj).info["tenant_id"] = obj.__dict__.get("tenant_id")

    @event.listens_for(session_class, "before_flush")
    def _stamp(session: Session, flush_context, instances) -> None:
        _check_flush(session)
        scope = current_scope()
        if scope is None:
            _flush_in_own_tenant(session)

    @event.listens_for(session_class, "after_flush_postexec")
    def _after_flush(session: Session, flush_context) -> None:
        _leave_flush_scope(session)

    @event.listens_for(session_class, "after_soft_rollback")
    def _after_failed_flush(session: Session, previous_transaction) -> None:
        _leave_flush_scope(session)

    def _check_flush(session: Session) -> None:
        scope = current_scope()
        for obj in session.new:
            if not isinstance(obj, TenantScoped):
                continue
            if scope is None:
                raise TenantScopeError(f"new {type(obj).__name__} outside a tenant scope")
            if scope.unscoped:
                if obj.tenant_id is None:
                    raise TenantScopeError(f"new {type(obj).__name__} without tenant_id in unscoped block")
                continue
            if obj.tenant_id is None:
                obj.tenant_id = scope.tenant_id
            elif obj.tenant_id != scope.tenant_id:
                raise TenantScopeError(f"new {type(obj).__name__} belongs to another tenant")
        for obj in list(session.dirty) + list(session.deleted):
            if not isinstance(obj, TenantScoped) or (scope is not None and scope.unscoped):
                continue
            st = inspect(obj)
            known = st.info.get("tenant_id")
            if "tenant_id" in st.dict and known is not None and obj.tenant_id != known:
                raise TenantScopeError(f"{type(obj).__name__} cannot move to another tenant")
            if scope is not None:
                _check_instance_tenant(obj, scope.tenant_id)


_FLUSH_SCOPE = "tenancy_flush_scope"


def _flush_in_own_tenant(session: Session) -> None:
    """No scope: changes to loaded objects are written back in their own tenant (one per flush)."""
    tenants = {
        inspect(obj).info.get("tenant_id")
        for obj in list(session.dirty) + list(session.deleted)
        if isinstance(obj, TenantScoped) and (obj in session.deleted or session.is_modified(obj))
    }
    if not tenants:
        return
    if len(tenants) > 1 or None in tenants:
        raise TenantScopeError("flush of tenant-owned rows of several (or unknown) tenants outside a tenant scope")
    session.info[_FLUSH_SCOPE] = enter_tenant(tenants.pop())


def _leave_flush_scope(session: Session) -> None:
    token = session.info.pop(_FLUSH_SCOPE, None)
    if token is not None:
        leave(token)


_NO_SCOPE = "query of a tenant-owned table outside a tenant scope; enter tenant_scope() or unscoped() explicitly"


# ---------------------------------------------------------------- the database side (PostgreSQL)

_APPLIED = "jazyl_rls_scope"
_SET = "SELECT set_config('app.tenant_id', %s, true), set_config('app.platform', %s, true)"
_configured: set = set()
_TXN_CONTROL = {"ROLLBACK ", "ROLLBACK", "RELEASE S", "SAVEPOINT", "COMMIT", "BEGIN"}
# Statements the scope is sent with, in front, in one round trip (anything else, e.g. DDL that
# must not run in a multi-statement query, or an executemany, gets its own round trip first).
_FOLDABLE = {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "SET", "EXECUTE"}
_SET_SQL = "SELECT set_config('app.tenant_id', '{tenant}', true), set_config('app.platform', '{platform}', true); "


def _wanted() -> int | str | None:
    scope = current_scope()
    if scope is None:
        return None
    return "platform" if scope.unscoped else scope.tenant_id


def _settings(want: int | str | None) -> tuple[str, str]:
    """``app.tenant_id`` and ``app.platform`` for a wanted scope."""
    tenant = "" if want is None or want == "platform" else str(int(want))
    return tenant, "on" if want == "platform" else ""


def configure_engine(engine: Engine) -> None:
    """On PostgreSQL, hand the current scope to the database before each transaction's statements."""
    if engine.dialect.name != "postgresql" or engine in _configured:
        return
    _configured.add(engine)

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _apply(conn, cursor, statement, parameters, context, executemany):
        want = _wanted()
        if conn.info.get(_APPLIED) == want:  # a fresh transaction has neither setting: None
            return statement, parameters
        head = statement.lstrip()[:9].upper()
        if head in _TXN_CONTROL or head.startswith("PREPARE"):
            # ROLLBACK TO SAVEPOINT may run in an aborted transaction, and a PREPARE reads no
            # rows: the scope goes with the next statement.
            return statement, parameters
        tenant, platform = _settings(want)
        raw = conn.connection.dbapi_connection
        if not executemany and (head.split() or [""])[0] in _FOLDABLE and getattr(cursor, "name", None) is None:
            # The statement's own round trip: psycopg2 sends both in one query string (no
            # placeholders in the prefix) and the cursor holds the last statement's result.
            statement = _SET_SQL.format(tenant=tenant, platform=platform) + statement
        else:
            cur = raw.cursor()
            try:
                cur.execute(_SET, (tenant, platform))
            finally:
                cur.close()
        if not getattr(raw, "autocommit", False):  # in autocommit the scope ends with the statement
            conn.info[_APPLIED] = want
        return statement, parameters

    def _forget_conn(conn, *args) -> None:
        conn.info.pop(_APPLIED, None)

    for name in ("commit", "rollback", "rollback_savepoint"):
        event.listen(engine, name, _forget_conn)

    @event.listens_for(engine, "checkout")
    def _forget_on_checkout(dbapi_connection, record, proxy) -> None:
        record.info.pop(_APPLIED, None)  # the pool rolled the last transaction back

    @event.listens_for(engine, "checkin")
    def _forget_on_checkin(dbapi_connection, record) -> None:
        if record is not None:
            record.info.pop(_APPLIED, None)
