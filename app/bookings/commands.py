"""CLI commands of the bookings package (registered by app.cli)."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from app.bookings.services.retiming import rederive_booking_times
from app.core import tenancy
from app.core.db import clear_write_intent, declare_write_intent
from app.extensions import db
from app.tenants.models import Tenant


def register(app: Flask) -> None:
    @app.cli.command("rederive-times")
    @click.option("--tenant", "subdomain", default=None, help="Only this business (subdomain).")
    @click.option("--dry-run", is_flag=True, help="Report only; change nothing.")
    def rederive_times(subdomain: str | None, dry_run: bool) -> None:
        """Re-derive UTC instants of future bookings from their local time (after a tzdata update).

        Lists the bookings that moved and those that would now collide; colliding ones are
        left where they are for the business to resolve.
        """
        token = declare_write_intent()
        try:
            tenant_id = None
            if subdomain:
                tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.subdomain == subdomain.lower()))
                if tenant_id is None:
                    raise click.ClickException(f"No business with subdomain {subdomain!r}.")
            with tenancy.unscoped():
                result = rederive_booking_times(tenant_id=tenant_id, dry_run=dry_run)
            for item in result["changed"]:
                click.echo(
                    f"{'would move' if dry_run else 'moved'} booking {item['id']} (tenant {item['tenant_id']}, "
                    f"master {item['master_id']}): {item['old_start'].isoformat()} -> "
                    f"{item['new_start'].isoformat()}"
                )
            for item in result["collisions"]:
                click.echo(
                    f"COLLISION booking {item['id']} (tenant {item['tenant_id']}, master {item['master_id']}): "
                    f"would move {item['old_start'].isoformat()} -> {item['new_start'].isoformat()} "
                    f"and overlap another booking; left unchanged"
                )
            click.echo(
                f"Checked {result['checked']} future bookings: {len(result['changed'])} "
                f"{'to move' if dry_run else 'moved'}, {len(result['collisions'])} collisions."
            )
            if dry_run:
                db.session.rollback()
            else:
                db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        finally:
            clear_write_intent(token)
