"""Automatic version bumps: the models whose flushed changes bump which versions."""

from __future__ import annotations

from sqlalchemy import event, inspect

from app.core.cache.versions import WRITING, bump

# ---------------------------------------------------------------- automatic bumps on flush
#
# Core imports no domain package: the models whose rows change a tenant's public catalogue
# (site version) and a master's availability (schedule version) are registered at app setup
# (:func:`watch`, called from ``app/__init__.py``).

_SITE_MODELS: tuple = ()  # rows carrying ``tenant_id``: bump that tenant's site version
_TENANT_MODELS: tuple = ()  # the tenant rows themselves: bump the site version of their ``id``
_SCHEDULE_MODELS: tuple = ()  # rows carrying ``tenant_id`` and ``master_id``: bump that master
_installed: set = set()


def watch(*, site=(), tenants=(), schedules=()) -> None:
    """Register models whose flushed changes bump versions: ``site`` (the tenant's catalogue,
    by ``tenant_id``), ``tenants`` (the tenant row, by ``id``), ``schedules`` (a master's
    availability, by ``tenant_id`` and ``master_id``, old and new)."""
    global _SITE_MODELS, _TENANT_MODELS, _SCHEDULE_MODELS
    _SITE_MODELS = tuple(dict.fromkeys((*_SITE_MODELS, *site)))
    _TENANT_MODELS = tuple(dict.fromkeys((*_TENANT_MODELS, *tenants)))
    _SCHEDULE_MODELS = tuple(dict.fromkeys((*_SCHEDULE_MODELS, *schedules)))


def _changed(session) -> list:
    dirty = [o for o in session.dirty if session.is_modified(o, include_collections=False)]
    return [*session.new, *dirty, *session.deleted]


def _master_ids(obj) -> set:
    ids = {obj.__dict__.get("master_id")}
    hist = inspect(obj).attrs.master_id.history  # a booking moved to another master: both
    ids.update(hist.deleted or ())
    ids.discard(None)
    return ids


def collect(session) -> tuple[set, set]:
    """(tenant ids, (tenant id, master id) pairs) whose versions the pending flush changes."""
    sites: set = set()
    schedules: set = set()
    for obj in _changed(session):
        if isinstance(obj, _SCHEDULE_MODELS):
            tid = obj.__dict__.get("tenant_id")
            schedules.update((tid, m) for m in _master_ids(obj))
        elif isinstance(obj, _TENANT_MODELS):
            sites.add(obj.__dict__.get("id"))
        elif isinstance(obj, _SITE_MODELS):
            sites.add(obj.__dict__.get("tenant_id"))
    return sites, schedules


def install(session_class) -> None:
    """Bump the versions of whatever each flush of this session class changed (after commit)."""
    if session_class in _installed:
        return
    _installed.add(session_class)

    @event.listens_for(session_class, "after_transaction_end")
    def _end(session, transaction) -> None:
        if transaction.parent is None:  # committed (bumps ran) or rolled back (nothing changed)
            session.info.pop(WRITING, None)

    @event.listens_for(session_class, "after_flush")
    def _after_flush(session, flush_context) -> None:
        # After the SQL ran (new rows have their ids) the new/dirty/deleted lists and the
        # attribute history still describe what this flush wrote.
        sites, schedules = collect(session)
        bump(sites=sites, schedules=schedules)
