"""CLI commands of this package (registered by app.cli)."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from app.core import tenancy
from app.core.auth import Actor
from app.core.db import clear_write_intent, declare_write_intent
from app.core.errors import DomainError
from app.extensions import db
from app.tenants.models import Tenant
from app.tenants.services import clear_caches


def register(app: Flask) -> None:
    @app.cli.command("cache-clear")
    @click.option("--tenant", "subdomain", default=None, help="Only this business (subdomain); default: every one.")
    def cache_clear(subdomain: str | None) -> None:
        """Drop cached answers so pages and the API read the database again (audited, actor "cli")."""
        token = declare_write_intent()
        try:
            with tenancy.unscoped("cli cache-clear"):
                tenant = None
                if subdomain:
                    tenant = db.session.scalar(select(Tenant).where(Tenant.subdomain == subdomain.strip().lower()))
                    if tenant is None:
                        raise click.ClickException(f"No business with subdomain {subdomain!r}.")
                removed = clear_caches(Actor.system("cli"), tenant)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc.message)) from None
        except Exception:
            db.session.rollback()
            raise
        finally:
            clear_write_intent(token)
        click.echo(f"cleared {removed} cache entries ({subdomain or 'every business'}).")
