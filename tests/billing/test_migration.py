"""The billing migration on a database with businesses in it: plans are seeded and every
business gets the subscription its tenant columns describe (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from tests.test_backup import _fresh_database

BEFORE, BILLING = "a3c5e7f9b102", "b7d1e2f3a401"


def test_the_billing_migration_maps_every_business(app, app_config, tmp_path):
    now = datetime.now(UTC).replace(microsecond=0)
    with _fresh_database(app_config, tmp_path) as url:
        other = create_app(
            "testing",
            DATABASE_URL=url,
            DATABASE_OWNER_URL=url if url.startswith("postgresql") else None,
            REDIS_URL=app_config["REDIS_URL"],
            INSTANCE_DIR=app_config["INSTANCE_DIR"],
        )
        with other.app_context():
            from app.extensions import db

            upgrade(revision=BEFORE)
            rows = [
                (1, "paying", None, now + timedelta(days=40)),
                (2, "lapsed", now - timedelta(days=30), now - timedelta(days=2)),
                (3, "trying", now + timedelta(days=5), None),
                (4, "waiting", None, None),
            ]
            engine = db.engine
            sqlite = engine.dialect.name == "sqlite"

            def stored(v):
                return v.replace(tzinfo=None) if v is not None and sqlite else v

            with engine.begin() as conn:
                for tid, sub, trial, paid in rows:
                    conn.execute(
                        sa.text(
                            "INSERT INTO tenants (id, name, subdomain, description, status, currency, languages,"
                            " default_language, timezone, min_notice_minutes, horizon_days,"
                            " cancellation_window_minutes, slot_step_minutes, require_confirmation,"
                            " trial_ends_at, subscription_ends_at, cache_version, created_at, updated_at)"
                            " VALUES (:id, :n, :n, '', 'active', 'KZT', '[]', 'en', 'Asia/Almaty', 60, 60, 120, 15,"
                            " false, :trial, :paid, 1, :now, :now)"
                        ),
                        {"id": tid, "n": sub, "trial": stored(trial), "paid": stored(paid), "now": stored(now)},
                    )
            upgrade(revision=BILLING)
            with engine.begin() as conn:
                if not sqlite:
                    conn.execute(sa.text("SELECT set_config('app.platform', 'on', true)"))
                plans = conn.execute(sa.text("SELECT code, max_masters FROM plans ORDER BY position")).all()
                subs = conn.execute(
                    sa.text("SELECT tenant_id, status, plan_code, id FROM subscriptions ORDER BY tenant_id")
                ).all()
            db.session.remove()
            engine.dispose()
    assert [tuple(p) for p in plans] == [("start", 3), ("pro", 10), ("business", None)]
    assert [tuple(s[:3]) for s in subs] == [
        (1, "active", "business"),
        (2, "past_due", "business"),
        (3, "trial", "pro"),
        (4, "trial", "pro"),
    ]
    assert len({s[3] for s in subs}) == 4
