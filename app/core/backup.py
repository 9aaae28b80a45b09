"""Database backups: one file per backup, restored with one command.

PostgreSQL is dumped with ``pg_dump --format=custom`` (compressed; tables, data, row-level
security policies and grants) through the owner role (``DATABASE_OWNER_URL``, else
``DATABASE_URL``) with the platform setting on, since row-level security holds the owner
too, and restored with ``pg_restore --clean --if-exists`` in one transaction,
so a failed restore leaves the target as it was.  SQLite is copied with SQLite's online
backup API, which is consistent while the app keeps writing.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(RuntimeError):
    """A backup or restore did not complete; the message says why."""


def _pg_args(url: URL) -> tuple[list[str], dict[str, str]]:
    args = ["--dbname", url.database or "postgres"]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    # Row-level security holds the owner role too (FORCE): a backup or restore is platform work.
    env = {**os.environ, "PGOPTIONS": (os.environ.get("PGOPTIONS", "") + " -c app.platform=on").strip()}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def default_name(url: str, directory: str | Path = "backups") -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    suffix = "sqlite3" if make_url(url).get_backend_name() == "sqlite" else "dump"
    return Path(directory) / f"jazyl-{stamp}.{suffix}"


def backup(url: str, out: str | Path) -> Path:
    """Write a backup of the database at ``url`` to ``out``; returns the path."""
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(parsed))
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
            source.close()
        return target
    args, env = _pg_args(parsed)
    cmd = [_tool("pg_dump"), "--format=custom", "--enable-row-security", "--file", str(target), *args]
    # The arguments are the configured URL's parts, passed as a list (no shell).
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.strip()[-500:]}")
    return target


def restore(url: str, source: str | Path) -> None:
    """Replace the contents of the database at ``url`` with the backup ``source``."""
    path = Path(source)
    if not path.is_file():
        raise BackupError(f"no backup file at {path}")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        try:
            src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} is not a SQLite backup: {exc}") from None
        dest = sqlite3.connect(_sqlite_path(parsed))
        try:
            src.backup(dest)
        finally:
            dest.close()
            src.close()
        return
    args, env = _pg_args(parsed)
    cmd = [_tool("pg_restore"), "--clean", "--if-exists", "--single-transaction", "--exit-on-error", *args, str(path)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()[-500:]}")
