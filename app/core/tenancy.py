"""Tenant scoping that fails closed.

Every tenant-owned model inherits :class:`TenantScoped`.  The current tenant is entered
once per entry point (request host, API token, job argument, CLI option) with
:func:`tenant_scope`; from then on every ORM ``SELECT``/``UPDATE``/``DELETE`` touching a
tenant-owned model gets ``tenant_id = :current`` added by a ``do_orm_execute`` hook with
``with_loader_criteria`` (which also reaches relationship and lazy loads), and every new
row is stamped with the scope's tenant in ``before_flush``.

A query of a tenant-owned model with no scope raises :class:`TenantScopeError` rather
than running unfiltered.  Platform-wide code (super admin pages, periodic sweeps) opts
out explicitly with :func:`unscoped`.  Raw SQL bypasses the ORM hook, so it lives only in
``queries.py`` modules and takes ``tenant_id`` as an argument.

The scope lives in a :mod:`contextvars` variable, so it follows the request or job's
thread/task and cannot leak between concurrent requests.  One database session is never
reused across tenants: the scope is entered per request or job and the session is removed
when it ends.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import ForeignKey, event
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)


class TenantScopeError(RuntimeError):
    """A tenant-owned model was queried or written without a tenant scope."""


@dataclass(frozen=True, slots=True)
class _Scope:
    tenant_id: int | None
    unscoped: bool = False


_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("tenant_scope", default=None)


class TenantScoped:
    """Mixin for tenant-owned models: a non-null, indexed ``tenant_id``."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True)


@contextmanager
def tenant_scope(tenant_id: int) -> Iterator[None]:
    """Run the block with every ORM query restricted to ``tenant_id``."""
    if tenant_id is None:
        raise TenantScopeError("tenant_scope() needs a tenant id")
    token = _scope.set(_Scope(int(tenant_id)))
    try:
        yield
    finally:
        _scope.reset(token)


@contextmanager
def unscoped() -> Iterator[None]:
    """Platform-wide block: tenant-owned queries run unfiltered, on purpose."""
    token = _scope.set(_Scope(None, unscoped=True))
    try:
        yield
    finally:
        _scope.reset(token)


def enter_tenant(tenant_id: int) -> contextvars.Token:
    """Enter a scope without a ``with`` block (request hooks); pair with :func:`leave`."""
    return _scope.set(_Scope(int(tenant_id)))


def enter_unscoped() -> contextvars.Token:
    return _scope.set(_Scope(None, unscoped=True))


def leave(token: contextvars.Token) -> None:
    _scope.reset(token)


def current_tenant_id() -> int | None:
    scope = _scope.get()
    return scope.tenant_id if scope else None


def is_unscoped() -> bool:
    scope = _scope.get()
    return bool(scope and scope.unscoped)


def _touches_tenant_models(state: ORMExecuteState) -> bool:
    return any(isinstance(m.class_, type) and issubclass(m.class_, TenantScoped) for m in state.all_mappers)


_installed: set = set()


def install(session_class: type[Session] | Session) -> None:
    """Register the query filter and the insert stamping on a session class."""
    if session_class in _installed:
        return
    _installed.add(session_class)

    @event.listens_for(session_class, "do_orm_execute")
    def _filter(state: ORMExecuteState) -> None:
        if state.is_column_load:
            return
        if not (state.is_select or state.is_update or state.is_delete):
            return
        scope = _scope.get()
        if scope is not None and scope.unscoped:
            return
        if scope is None:
            if _touches_tenant_models(state):
                raise TenantScopeError(
                    "query of a tenant-owned model outside a tenant scope; "
                    "enter tenant_scope() or unscoped() explicitly"
                )
            return
        tid = scope.tenant_id
        state.statement = state.statement.options(
            with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tid, include_aliases=True)
        )

    @event.listens_for(session_class, "before_flush")
    def _stamp(session: Session, flush_context, instances) -> None:
        scope = _scope.get()
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
