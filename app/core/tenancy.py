"""Tenant scoping that fails closed, in the ORM and (on PostgreSQL) in the database.

Every tenant-owned model inherits :class:`TenantScoped`.  The current scope is entered once
per entry point (request host, API token, job argument, CLI option) and lives in a
:mod:`contextvars` variable, so it follows the request's or job's thread/task and cannot
leak between concurrent requests.  There are three states:

* **no scope** -- any statement that references a tenant-owned table anywhere (the main
  entity, ``select_from``, a join, a subquery, ``IN (SELECT ...)``, ``EXISTS``, a CTE, a
  Core ``Table``, an ``INSERT``/``UPDATE``/``DELETE``) raises :class:`TenantScopeError`,
  and so does :meth:`TenantSession.get` of a tenant-owned model, even when the row is
  already in the identity map;
* **a tenant** (:func:`tenant_scope`) -- every ORM statement gets ``tenant_id = :current``
  on every tenant-owned entity it mentions (``with_loader_criteria``, which also reaches
  subqueries, relationship and lazy loads); ``get`` of another tenant's row returns
  ``None`` even from the identity map; an ``INSERT`` or ``UPDATE`` (ORM flush, ORM
  bulk or Core) that names another tenant's ``tenant_id``, or one that cannot be checked
  (``INSERT ... SELECT``, a SQL expression as ``tenant_id``), raises; new ORM objects
  without a ``tenant_id`` are stamped with the scope's tenant;
* **platform** (:func:`unscoped`) -- the explicit cross-tenant path for the platform admin,
  registration, token look-ups and the periodic sweeps' discovery queries.  Each entry is
  logged on the ``app.core.tenancy.platform`` logger with its reason (or call site).

Core statements on ``Table`` objects are not rewritten inside a tenant scope: they live only
in ``queries.py`` modules and take ``tenant_id`` as an argument.  ``text()`` is not parsed at
all, in any scope; raw SQL likewise lives in ``queries.py`` with an explicit ``tenant_id``,
and on PostgreSQL row-level security (below) filters both.

On PostgreSQL the database checks the same thing a second time (row-level security, see
``migrations/versions/20261202_0800_row_level_security.py``).  Before the first statement
of a transaction -- and again before the next statement whenever the scope changed inside a
transaction or a savepoint that applied it was rolled back -- :func:`configure_engine`'s hook
runs ``set_config('app.tenant_id', ..., true)`` and ``set_config('app.platform', ..., true)``
(in front of that statement, in its round trip, when it is a single statement).
Both are transaction-local, so a pooled connection never carries a tenant into the next
transaction.  The policies allow a row only when its ``tenant_id`` equals ``app.tenant_id``,
or when ``app.platform = 'on'`` (set only by :func:`unscoped`); with neither set, a raw SQL
statement sees no tenant-owned rows and cannot write any.  This guards against a forgotten
filter or a raw query without ``tenant_id``; it is not a boundary against SQL injection,
since the application role may call ``set_config`` itself.

An object already in the session that a commit expired is refreshed in its own tenant, the
one it was loaded or created in, whatever the current scope: the refresh re-reads a row the
session held already and cannot reach a new one.  Likewise a change to loaded objects that
is flushed after their scope ended (the request's commit) is written in their tenant, if
they all belong to one; objects of several tenants raise.  Flushing a change to an object
inside another tenant's scope, or moving it to another tenant, raises.

This module is the scope itself, plain Python; :mod:`app.core.tenant_guard` is the SQLAlchemy
side that enforces it (the session class, the ORM event hooks, the PostgreSQL hook).
"""

from __future__ import annotations

import contextvars
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import ForeignKey
from sqlalchemy.orm import (
    Mapped,
    declared_attr,
    mapped_column,
)

log = logging.getLogger(__name__)
platform_log = logging.getLogger(__name__ + ".platform")


class TenantScopeError(RuntimeError):
    """A tenant-owned model was queried or written without (or outside) its tenant scope."""


@dataclass(frozen=True, slots=True)
class Scope:
    tenant_id: int | None
    unscoped: bool = False


_scope: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("tenant_scope", default=None)


class TenantScoped:
    """Mixin for tenant-owned models: a non-null, indexed ``tenant_id``."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True)

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        _known_tables.clear()  # a new tenant-owned model: the names are gathered again


_known_tables: list[frozenset[str]] = []


def tenant_tables() -> frozenset[str]:
    """Names of the tables of every tenant-owned model (gathered once per set of models: the
    tenant guard asks on every statement)."""
    if _known_tables:
        return _known_tables[0]
    names: set[str] = set()
    stack = list(TenantScoped.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        table = getattr(cls, "__table__", None)
        if table is not None:
            names.add(table.name)
    _known_tables[:] = [frozenset(names)]
    return _known_tables[0]


# ---------------------------------------------------------------- entering and leaving scopes


def _platform_entry(reason: str | None, depth: int) -> None:
    if not reason:
        frame = sys._getframe(depth + 1)
        reason = f"{frame.f_code.co_filename.rsplit('/app/', 1)[-1]}:{frame.f_lineno}"
    platform_log.info("platform scope: %s", reason)


@contextmanager
def tenant_scope(tenant_id: int) -> Iterator[None]:
    """Run the block with every ORM query restricted to ``tenant_id``."""
    if tenant_id is None:
        raise TenantScopeError("tenant_scope() needs a tenant id")
    token = _scope.set(Scope(int(tenant_id)))
    try:
        yield
    finally:
        _scope.reset(token)


@contextmanager
def unscoped(reason: str | None = None) -> Iterator[None]:
    """Platform-wide block: tenant-owned rows of every tenant, on purpose (and logged)."""
    _platform_entry(reason, 2)  # this generator <- contextmanager.__enter__ <- the caller
    token = _scope.set(Scope(None, unscoped=True))
    try:
        yield
    finally:
        _scope.reset(token)


def enter_tenant(tenant_id: int) -> contextvars.Token:
    """Enter a scope without a ``with`` block (request hooks); pair with :func:`leave`."""
    if tenant_id is None:
        raise TenantScopeError("enter_tenant() needs a tenant id")
    return _scope.set(Scope(int(tenant_id)))


def enter_unscoped(reason: str | None = None) -> contextvars.Token:
    _platform_entry(reason, 1)
    return _scope.set(Scope(None, unscoped=True))


def leave(token: contextvars.Token) -> None:
    _scope.reset(token)


def current_tenant_id() -> int | None:
    scope = _scope.get()
    return scope.tenant_id if scope else None


def current_scope() -> Scope | None:
    """The scope in force: a tenant, the platform (``unscoped``), or ``None``."""
    return _scope.get()


def is_unscoped() -> bool:
    scope = _scope.get()
    return bool(scope and scope.unscoped)
