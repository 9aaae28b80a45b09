"""``flask backup-db`` and ``flask restore-db``: see :mod:`app.core.backup`."""

from __future__ import annotations

import click
from flask import Flask, current_app

from app.core import backup


def _url(target: str | None) -> str:
    cfg = current_app.config
    return target or cfg.get("DATABASE_OWNER_URL") or cfg["SQLALCHEMY_DATABASE_URI"]


def register(app: Flask) -> None:
    @app.cli.command("backup-db")
    @click.option("--out", type=click.Path(dir_okay=False), help="File to write (default: backups/jazyl-<time>.*).")
    def backup_db(out: str | None) -> None:
        """Back up the database into one file (PostgreSQL: pg_dump custom format; SQLite: a copy)."""
        url = _url(None)
        try:
            path = backup.backup(url, out or backup.default_name(url))
        except backup.BackupError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(str(path))

    @app.cli.command("restore-db")
    @click.argument("source", type=click.Path(dir_okay=False))
    @click.option("--target", help="Database URL to restore into (default: the configured database).")
    @click.option("--yes", is_flag=True, help="Do not ask: replace the target's contents.")
    def restore_db(source: str, target: str | None, yes: bool) -> None:
        """Replace the database's contents with a backup made by backup-db."""
        url = _url(target)
        if not yes:
            shown = backup.make_url(url).render_as_string()  # the password hidden
            click.confirm(f"Replace the contents of {shown} with {source}?", abort=True)
        try:
            backup.restore(url, source)
        except backup.BackupError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"restored {source}")
