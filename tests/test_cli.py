"""Operations commands run non-interactively on a fresh database."""

import sqlalchemy as sa

from app.accounts.models import User
from app.bookings.models import Booking
from app.catalog.models import Master, Service
from app.core.auth import check_password
from app.core.tenancy import tenant_scope, unscoped
from app.core.translations import text_in
from app.extensions import db
from app.tenants.models import Location, Tenant


def test_create_admin_creates_then_resets(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "--email", "Root@Example.com", "--password", "first-pass-1"])
    assert result.exit_code == 0, result.output
    assert "Created super admin root@example.com" in result.output
    result = runner.invoke(args=["create-admin", "--email", "root@example.com", "--password", "second-pass-2"])
    assert result.exit_code == 0 and "Updated" in result.output
    db.session.expire_all()
    users = db.session.scalars(sa.select(User).where(User.email == "root@example.com")).all()
    assert len(users) == 1 and users[0].role == "super_admin"
    assert check_password("second-pass-2", users[0].password_hash)


def test_create_admin_rejects_bad_input_without_prompting(app):
    runner = app.test_cli_runner()
    bad_email = runner.invoke(args=["create-admin", "--email", "not-an-email", "--password", "longenough1"])
    assert bad_email.exit_code != 0 and "valid email" in bad_email.output
    short = runner.invoke(args=["create-admin", "--email", "a@b.example", "--password", "short"])
    assert short.exit_code != 0 and "8 characters" in short.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_create_admin_prompts_a_person_without_options(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin"], input="p@example.com\nsecret-pass-9\nsecret-pass-9\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User.role).where(User.email == "p@example.com")) == "super_admin"


def test_seed_demo_builds_a_realistic_business_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.subdomain == "demo"))
    assert tenant is not None and tenant.status == "active"
    with tenant_scope(tenant.id):
        locations = db.session.scalars(sa.select(Location)).all()
        # Written in Russian (the default language), Kazakh and English.
        assert tenant.default_language == "ru"
        for lang, cities in (("ru", {"Алматы", "Астана"}), ("kk", {"Алматы", "Астана"}), ("en", {"Almaty", "Astana"})):
            assert {text_in(loc, "name", lang).split(",")[0] for loc in locations} == cities
        rows = [tenant, *locations, *db.session.scalars(sa.select(Service)), *db.session.scalars(sa.select(Master))]
        for row in rows:
            for field in type(row).translated_fields:
                versions = {text_in(row, field, lang) for lang in ("ru", "kk", "en")}
                assert "" not in versions and set(row.translations) == {"kk", "en"}, (row, field)
        assert text_in(tenant, "name", "kk") == "«Демо» сұлулық студиясы"
        assert db.session.scalar(sa.select(sa.func.count(Master.id))) == 5
        statuses = set(db.session.scalars(sa.select(Booking.status)))
        assert {"completed", "confirmed"} <= statuses
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "exists already" in again.output
    skip = runner.invoke(args=["seed-demo", "--if-empty", "--subdomain", "other"])
    assert "skipped" in skip.output
    with unscoped():
        assert db.session.scalar(sa.select(sa.func.count(Tenant.id))) == 1
