"""CLI commands of this package (registered by app.cli)."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from app.core import tenancy
from app.core.auth import Actor
from app.core.db import clear_write_intent, declare_write_intent
from app.extensions import db
from app.notifications.services import resend_failed
from app.tenants.models import Tenant


def register(app: Flask) -> None:
    @app.cli.command("notifications-resend")
    @click.option("--id", "ids", type=int, multiple=True, help="An outbox row to send again (repeatable).")
    @click.option("--tenant", "subdomain", default=None, help="Only this business's messages (subdomain).")
    @click.option("--all-failed", is_flag=True, help="Every failed message (of --tenant if given).")
    def notifications_resend(ids: tuple[int, ...], subdomain: str | None, all_failed: bool) -> None:
        """Queue failed notifications again with a fresh set of retries (audited, actor "cli").

        A message that is not failed (sent meanwhile, or re-sent already) is left alone, so
        running the command twice sends nothing twice.
        """
        if not ids and not all_failed:
            raise click.UsageError("say which messages: --id N (repeatable) or --all-failed [--tenant SUB]")
        token = declare_write_intent()
        try:
            tenant_id = None
            if subdomain:
                tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.subdomain == subdomain.strip().lower()))
                if tenant_id is None:
                    raise click.ClickException(f"No business with subdomain {subdomain!r}.")
            with tenancy.unscoped():
                done, skipped = resend_failed(Actor.system("cli"), ids=list(ids) or None, tenant_id=tenant_id)
            db.session.commit()  # enqueues the jobs (after commit)
        except Exception:
            db.session.rollback()
            raise
        finally:
            clear_write_intent(token)
        for nid in done:
            click.echo(f"re-sent notification {nid}")
        for nid, why in skipped.items():
            click.echo(f"skipped notification {nid}: {why}")
        click.echo(f"{len(done)} re-sent, {len(skipped)} skipped.")
