"""Jobs name their scope; periodic sweeps handle each tenant in its own scope and unit of work."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.catalog.models import Master
from app.core import clock, tenancy
from app.core.jobs import job
from app.core.periodic import each_tenant
from app.core.tenancy import TenantScopeError, tenant_scope, unscoped
from app.extensions import db


@job("default")
def tenant_job(note: str) -> tuple:
    return tenancy.current_tenant_id(), tenancy.is_unscoped(), note


@job("default", platform=True)
def platform_job() -> tuple:
    return tenancy.current_tenant_id(), tenancy.is_unscoped()


def test_a_tenant_job_without_a_tenant_id_is_refused_at_enqueue_and_at_run():
    with pytest.raises(TenantScopeError):
        tenant_job.delay("x")
    with pytest.raises(TenantScopeError):
        tenant_job.enqueue_now("x")
    with pytest.raises(TenantScopeError):
        tenant_job("x")  # as the worker would run a job that arrived without one


def test_jobs_run_in_the_scope_they_name(caplog):
    assert tenant_job("x", _tenant_id=7) == (7, False, "x")
    with caplog.at_level(logging.INFO, logger="app.core.tenancy.platform"):
        assert platform_job() == (None, True)
    assert any("platform_job" in r.getMessage() for r in caplog.records)
    platform_job.delay()  # no tenant needed, and none asked for


def test_platform_path_is_logged_with_its_reason_or_call_site(caplog):
    with caplog.at_level(logging.INFO, logger="app.core.tenancy.platform"):
        with unscoped("test: audit me"):
            pass
        with unscoped():
            pass
        tenancy.leave(tenancy.enter_unscoped())
    messages = [r.getMessage() for r in caplog.records]
    assert "test: audit me" in messages[0]
    assert all("test_tenancy_jobs.py:" in m for m in messages[1:]), messages


@pytest.fixture
def two_tenants(create_tenant, create_master):
    a, b = create_tenant("alpha"), create_tenant("beta")
    create_master(a, name="Anna")
    create_master(b, name="Bella")
    db.session.commit()
    return a.id, b.id


def test_each_tenant_gives_every_tenant_its_own_scope_and_unit_of_work(two_tenants):
    a_id, b_id = two_tenants

    def rename(tenant_id: int) -> list[str]:
        names = [m.name for m in db.session.scalars(select(Master))]  # scoped: this tenant's only
        for m in db.session.scalars(select(Master)):
            m.name = m.name + "!"
        db.session.flush()
        if tenant_id == a_id:
            raise RuntimeError("tenant A breaks")
        return names

    with pytest.raises(RuntimeError, match="tenant A breaks"):
        each_tenant([b_id, a_id], rename, "test sweep")
    db.session.rollback()
    with unscoped("test"):
        names = sorted(db.session.scalars(select(Master.name)))
    assert names == ["Anna", "Bella!"]  # A rolled back alone; B committed although A failed first


def test_reminder_sweep_isolates_tenants(create_tenant, create_service, create_master, create_booking, monkeypatch):
    from app.notifications import events, reminders
    from app.notifications.models import Notification

    start = datetime(2026, 12, 10, 5, 0, tzinfo=UTC)
    ids = []
    for sub in ("alpha", "beta"):
        t = create_tenant(sub)
        svc = create_service(t)
        m = create_master(t, services=[svc])
        create_booking(t, m, svc, start, created_at=start - timedelta(days=5))
        ids.append(t.id)
    db.session.commit()
    real = events.booking_reminder
    seen_scopes = []

    def flaky(booking, kind):
        seen_scopes.append((tenancy.current_tenant_id(), booking.tenant_id))
        if booking.tenant_id == ids[0]:
            raise RuntimeError("alpha's provider is broken")
        return real(booking, kind)

    monkeypatch.setattr(events, "booking_reminder", flaky)
    clock.freeze(start - timedelta(hours=2))
    with pytest.raises(RuntimeError):
        reminders.sweep_reminders()
    db.session.rollback()
    assert all(scope == owner for scope, owner in seen_scopes) and {o for _, o in seen_scopes} == set(ids)
    with unscoped("test"):
        sent = db.session.scalar(select(func.count(Notification.id)).where(Notification.template == "booking_reminder"))
    assert sent == 1  # beta's reminder is stored although alpha failed


def test_periodic_jobs_are_platform_jobs_and_cleanup_runs_in_the_platform_scope():
    from app.core import periodic

    assert periodic.run_periodic.platform and periodic.run_periodic_low.platform
    with tenant_scope(1):
        assert periodic.cleanup()["client_sessions"] == 0  # not limited to (nor refused by) tenant 1
