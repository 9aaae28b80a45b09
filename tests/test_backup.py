"""Backups (issue 14, item 7): ``flask backup-db`` then ``flask restore-db`` into a fresh database
gives back every row, on PostgreSQL (pg_dump/pg_restore) and on SQLite (online backup)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.extensions import db


def _platform_engine(url: str) -> sa.Engine:
    """Row-level security holds the owner too: count as the platform."""
    if url.startswith("sqlite"):
        return sa.create_engine(url)
    return sa.create_engine(url, connect_args={"options": "-c app.platform=on"})


def _counts(url: str) -> dict[str, int]:
    engine = _platform_engine(url)
    try:
        with engine.connect() as conn:
            tables = [t for t in sa.inspect(conn).get_table_names() if t != "alembic_version"]
            counts = {t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar() for t in tables}
            counts["alembic_version"] = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            return counts
    finally:
        engine.dispose()


@contextlib.contextmanager
def _fresh_database(app_config, tmp_path):
    """An empty database of the suite's kind; yields its URL (the owner role's on PostgreSQL)."""
    owner_url = app_config.get("DATABASE_OWNER_URL")
    if not owner_url:
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    url = sa.engine.make_url(owner_url)
    name = f"{url.database}_restore"
    admin = sa.create_engine(
        url.set(database="postgres", username="postgres", password=None), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}" OWNER {url.username}'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _source_url(app) -> str:
    return app.config.get("DATABASE_OWNER_URL") or app.config["SQLALCHEMY_DATABASE_URI"]


@pytest.fixture
def data(create_tenant, create_service, create_master, create_booking, commit):
    tenant = create_tenant("backup", name="Backup Salon")
    service = create_service(tenant, name="Haircut")
    master = create_master(tenant, name="Aigerim", services=[service])
    create_booking(tenant, master, service, datetime(2026, 12, 10, 5, 0, tzinfo=UTC))
    commit()
    return tenant


def test_a_backup_restores_every_row_into_a_fresh_database(app, app_config, tmp_path, data):
    runner = app.test_cli_runner()
    out = tmp_path / "jazyl.backup"
    result = runner.invoke(args=["backup-db", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    db.session.remove()
    before = _counts(_source_url(app))
    assert before["tenants"] >= 1 and before["bookings"] >= 1

    with _fresh_database(app_config, tmp_path) as target:
        result = runner.invoke(args=["restore-db", str(out), "--target", target, "--yes"])
        assert result.exit_code == 0, result.output
        assert _counts(target) == before
        engine = _platform_engine(target)
        with engine.connect() as conn:
            names = conn.execute(sa.text("SELECT name FROM tenants WHERE subdomain = 'backup'")).scalars().all()
        engine.dispose()
        assert names == ["Backup Salon"]


def test_restoring_something_that_is_not_a_backup_fails_clearly_and_changes_nothing(app, app_config, tmp_path, data):
    bogus = tmp_path / "not-a-backup.dump"
    bogus.write_bytes(b"this is not a database backup\n" * 10)
    runner = app.test_cli_runner()
    with _fresh_database(app_config, tmp_path) as target:
        result = runner.invoke(args=["restore-db", str(bogus), "--target", target, "--yes"])
        assert result.exit_code != 0
        assert "Error:" in result.output and "Traceback" not in result.output
    result = runner.invoke(args=["restore-db", str(tmp_path / "missing.dump"), "--yes"])
    assert result.exit_code != 0 and "no backup file" in result.output
