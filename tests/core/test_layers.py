"""Core stays generic: the domain hands it hooks at app setup, and the layer contracts hold."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask, g
from sqlalchemy import delete, func, select

import app as app_package
from app.analytics.models import SystemCheck
from app.core import clock, hosts, jobs, periodic, tenancy
from app.core.errors import NotFound
from app.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contracts_hold():
    """The same check as `make lint`, so the suite fails when a layer is crossed."""
    lint_imports = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run(
        [str(lint_imports), "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_domain_package_registers_its_periodic_tasks_at_setup(app):
    assert {t.name: (t.minutes, t.queue) for t in periodic.TASKS} == {
        "outbox_sweep": (1, "default"),
        "reminder_sweep": (1, "default"),
        "health_check": (1, "low"),
        "trial_sweep": (60, "low"),
        "cleanup": (60, "low"),
        "daily_rollup": (24 * 60, "low"),
    }
    assert set(periodic._CLEANUPS) == {
        "client_sessions",
        "refresh_tokens",
        "idempotency_keys",
        "client_verifications",
        "system_checks",
    }


def test_registering_a_task_again_replaces_it(monkeypatch):
    monkeypatch.setattr(periodic, "TASKS", [])
    periodic.register_task("ping", lambda: "first", minutes=5)
    periodic.register_task("ping", lambda: "second", minutes=10, queue="low")
    assert [(t.name, t.minutes, t.queue) for t in periodic.TASKS] == [("ping", 10, "low")]
    assert periodic.run_task("ping") == "second"
    with pytest.raises(LookupError):
        periodic.run_task("pong")
    with pytest.raises(ValueError, match="queue"):
        periodic.register_task("ping", lambda: None, minutes=1, queue="notifications")


def test_cleanup_runs_each_registered_statement_with_the_time_and_reports_its_rows(monkeypatch):
    now = datetime(2026, 12, 1, tzinfo=UTC)
    for days in (1, 3):
        db.session.add(SystemCheck(status="ok", details={}, created_at=now - timedelta(days=days)))
    db.session.commit()
    seen = []

    def older_than_two_days(at):
        seen.append(at)
        return delete(SystemCheck).where(SystemCheck.created_at < at - timedelta(days=2))

    monkeypatch.setattr(periodic, "_CLEANUPS", {})
    clock.freeze(now)
    periodic.register_cleanup("old_checks", older_than_two_days)
    with tenancy.unscoped():
        assert periodic.cleanup() == {"old_checks": 1}
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(SystemCheck)) == 1
    assert seen == [now]


def _host_app(resolve) -> Flask:
    app = Flask(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"
    hosts.init_app(app, resolve_tenant=resolve)
    app.register_error_handler(NotFound, lambda exc: ("not found", 404))

    @app.get("/", subdomain="<sub:tenant>")
    def home():
        return f"{g.tenant.name} in scope {tenancy.current_tenant_id()}"

    return app


def test_hosts_enter_the_tenant_the_registered_resolver_finds():
    asked = []
    known = {"acme": SimpleNamespace(id=7, name="Acme", status="active")}

    def resolve(sub):
        asked.append(sub)
        return known.get(sub)

    client = _host_app(resolve).test_client()
    assert client.get("/", base_url="http://acme.example.test").text == "Acme in scope 7"
    assert client.get("/", base_url="http://nobody.example.test").status_code == 404
    assert client.get("/", base_url="http://admin.example.test").status_code == 404  # reserved: never looked up
    assert asked == ["acme", "nobody"]


def test_a_job_outside_an_app_builds_its_app_with_the_registered_factory(monkeypatch):
    assert jobs._app_factory is app_package.create_app  # registered when the app package is imported
    built = []

    def factory():
        built.append(Flask("job-app"))
        return built[-1]

    monkeypatch.setattr(jobs, "_worker_app", None)
    monkeypatch.setattr(jobs, "_app_factory", factory)
    first = jobs._app_for_job()
    assert first is built[0] and jobs._app_for_job() is first  # built once, then reused
    monkeypatch.setattr(jobs, "_worker_app", None)
    monkeypatch.setattr(jobs, "_app_factory", None)
    with pytest.raises(RuntimeError, match="factory"):
        jobs._app_for_job()
