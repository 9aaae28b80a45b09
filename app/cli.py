"""Operations commands: ``create-admin``, ``seed-demo`` and friends. None of them prompts
when given its options, so scripts and CI can run them."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import func, select

from app.accounts.models import User
from app.analytics.commands import register as register_analytics_commands
from app.bookings.commands import register as register_booking_commands
from app.core import tenancy
from app.core.auth import hash_password
from app.core.backup_commands import register as register_backup_commands
from app.core.errors import ValidationError
from app.core.types import utcnow
from app.core.validation import is_valid_email
from app.demo import DEMO_PASSWORD, seed
from app.extensions import db
from app.notifications.commands import register as register_notification_commands
from app.tenants.commands import register as register_tenant_commands
from app.tenants.models import Tenant
from app.tenants.services import validate_password


def init_app(app: Flask) -> None:
    register_booking_commands(app)
    register_notification_commands(app)
    register_backup_commands(app)
    register_tenant_commands(app)
    register_analytics_commands(app)

    @app.cli.command("create-admin")
    @click.option("--email", prompt=True, help="Super admin's email.")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="At least 8 characters.")
    @click.option("--name", default="Platform admin", show_default=True)
    def create_admin(email: str, password: str, name: str) -> None:
        """Create a super admin, or reset the password of an existing one."""
        email = email.strip().lower()
        if not is_valid_email(email):
            raise click.BadParameter("not a valid email address", param_hint="--email")
        try:
            validate_password(password)
        except ValidationError as exc:
            raise click.BadParameter("; ".join(exc.details["password"]), param_hint="--password") from None
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is not None and user.role != "super_admin":
            raise click.ClickException(f"{email} belongs to a business account; use another email.")
        created = user is None
        if created:
            user = User(email=email, name=name, role="super_admin", language="en")
            db.session.add(user)
        user.password_hash = hash_password(password)
        user.password_changed_at = utcnow()
        user.active = True
        db.session.commit()
        click.echo(f"{'Created' if created else 'Updated'} super admin {email}.")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Do nothing when any business exists already.")
    @click.option("--subdomain", default="demo", show_default=True)
    def seed_demo(if_empty: bool, subdomain: str) -> None:
        """A realistic demo business with two locations, services, masters, hours and bookings."""
        if if_empty and db.session.scalar(select(func.count(Tenant.id))):
            click.echo("Database already has businesses; demo seed skipped.")
            return
        with tenancy.unscoped():
            if db.session.scalar(select(Tenant.id).where(Tenant.subdomain == subdomain)):
                click.echo(f"Business '{subdomain}' exists already; nothing to do.")
                return
        summary = seed(subdomain)
        db.session.commit()
        click.echo(f"Seeded demo business '{subdomain}': {summary}.")
        click.echo(
            f"Logins (password {DEMO_PASSWORD}): owner@{subdomain}.example, "
            f"manager@{subdomain}.example, aigerim@{subdomain}.example (master)."
        )
