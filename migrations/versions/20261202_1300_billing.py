"""plans, subscriptions and invoices

Hand-written.  ``plans`` is platform-wide (seeded here with Start, Pro and Business);
``subscriptions`` (one per business) and ``invoices`` are tenant-owned: key
``(tenant_id, id)`` with ``id`` from its own sequence on PostgreSQL, and the row-level
security policy of every tenant-owned table.

Every existing business gets its subscription, mapped from the tenant's own columns:
a paid period still running (``subscription_ends_at`` in the future) is ``active`` on the
Business plan (it paid for the product without limits, so no limit may bite it now); a
paid period that ran out is ``past_due`` on the same plan; otherwise it is a ``trial`` of
the trial plan (Pro) ending at ``trial_ends_at`` (none yet for a business waiting for
approval), with the notice already sent if it was.  The tenant columns stay, kept in step
by app.billing.services.

Revision ID: b7d1e2f3a401
Revises: a3c5e7f9b102
Create Date: 2026-12-02 13:00:00
"""

from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = "b7d1e2f3a401"
down_revision = "a3c5e7f9b102"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(12, 2).with_variant(sa.String(24), "sqlite")
POLICY = "tenant_isolation"
RULE = (
    "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::integer"
    " OR current_setting('app.platform', true) = 'on'"
)
NEW_TABLES = ("subscriptions", "invoices")
# code, name, price (KZT a month), locations, masters, bookings a month (None: unlimited)
PLANS = (
    ("start", "Start", "9900.00", 1, 3, 300),
    ("pro", "Pro", "19900.00", 3, 10, 1500),
    ("business", "Business", "39900.00", None, None, None),
)
TRIAL_PLAN = "pro"
PAID_PLAN = "business"


def _id() -> sa.Column:
    pg = op.get_bind().dialect.name == "postgresql"
    return sa.Column("id", sa.Integer(), autoincrement=pg, nullable=False)


def _tenant_id(table: str) -> sa.Column:
    return sa.Column(
        "tenant_id",
        sa.Integer(),
        sa.ForeignKey("tenants.id", name=f"fk_{table}_tenant_id_tenants", ondelete="CASCADE"),
        nullable=False,
    )


def _aware(value):
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _seed(pg: bool) -> None:
    now = datetime.now(UTC)

    def stored(value):
        # SQLite keeps instants as naive UTC (app.core.types.UTCDateTime).
        return value if value is None or pg else value.replace(tzinfo=None)

    plans = sa.table(
        "plans",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("price", MONEY),
        sa.column("currency", sa.String),
        sa.column("max_locations", sa.Integer),
        sa.column("max_masters", sa.Integer),
        sa.column("max_monthly_bookings", sa.Integer),
        sa.column("position", sa.Integer),
        sa.column("active", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(
        plans,
        [
            {
                "code": code,
                "name": name,
                "price": Decimal(price) if pg else price,
                "currency": "KZT",
                "max_locations": locations,
                "max_masters": masters,
                "max_monthly_bookings": bookings,
                "position": i,
                "active": True,
                "created_at": stored(now),
            }
            for i, (code, name, price, locations, masters, bookings) in enumerate(PLANS)
        ],
    )

    tenants = (
        op.get_bind()
        .execute(
            sa.text("SELECT id, trial_ends_at, subscription_ends_at, trial_notice_sent_at FROM tenants ORDER BY id")
        )
        .all()
    )
    rows = []
    for n, (tenant_id, trial_ends, paid_until, notice) in enumerate(tenants, start=1):
        trial_ends, paid_until, notice = _aware(trial_ends), _aware(paid_until), _aware(notice)
        if paid_until is not None:
            plan, status = PAID_PLAN, ("active" if paid_until > now else "past_due")
        else:
            plan, status = TRIAL_PLAN, "trial"
        rows.append(
            {
                "id": n,
                "tenant_id": tenant_id,
                "plan_code": plan,
                "status": status,
                "provider": "manual",
                "trial_ends_at": stored(trial_ends),
                "trial_notice_sent_at": stored(notice),
                "current_period_end": stored(paid_until),
                "created_at": stored(now),
                "updated_at": stored(now),
            }
        )
    if rows:
        subscriptions = sa.table(
            "subscriptions",
            *(sa.column(c, sa.Integer) for c in ("id", "tenant_id")),
            *(sa.column(c, sa.String) for c in ("plan_code", "status", "provider")),
            *(
                sa.column(c, sa.DateTime(timezone=True))
                for c in ("trial_ends_at", "trial_notice_sent_at", "current_period_end", "created_at", "updated_at")
            ),
        )
        op.bulk_insert(subscriptions, rows)
        if pg:
            op.execute(
                "SELECT setval(pg_get_serial_sequence('subscriptions', 'id'), (SELECT max(id) FROM subscriptions))"
            )


def upgrade():
    pg = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("price", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("max_locations", sa.Integer(), nullable=True),
        sa.Column("max_masters", sa.Integer(), nullable=True),
        sa.Column("max_monthly_bookings", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_plans"),
        sa.UniqueConstraint("code", name="uq_plans_code"),
    )

    op.create_table(
        "subscriptions",
        _id(),
        sa.Column("plan_code", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("trial_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("trial_notice_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("current_period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _tenant_id("subscriptions"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_subscriptions"),
        sa.UniqueConstraint("tenant_id", name="uq_subscriptions_tenant_id"),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index("ix_subscriptions_tenant_id", ["tenant_id"], unique=False)

    op.create_table(
        "invoices",
        _id(),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("plan_code", sa.String(length=32), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        _tenant_id("invoices"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "subscription_id"],
            ["subscriptions.tenant_id", "subscriptions.id"],
            name="fk_invoices_tenant_id_subscription_id_subscriptions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_invoices"),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index("ix_invoices_subscription_id", ["subscription_id"], unique=False)
        batch_op.create_index("ix_invoices_tenant_id", ["tenant_id"], unique=False)

    # Before the policies: the migration writes every business's row, in no tenant's scope.
    _seed(pg)

    if pg:
        for table in NEW_TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({RULE}) WITH CHECK ({RULE})")


def downgrade():
    op.drop_table("invoices")
    op.drop_table("subscriptions")
    op.drop_table("plans")
