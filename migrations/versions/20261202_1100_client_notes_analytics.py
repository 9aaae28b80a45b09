"""client_notes, daily_service_stats, and booked/working minutes on daily_stats

Hand-written.  ``client_notes`` holds the notes the staff keep about a client;
``daily_service_stats`` is the daily roll-up per service (``location_id`` 0: all
locations); ``daily_stats`` gains the minutes booked and the minutes the masters were
scheduled to work, so the analytics page can show utilization.  Both new tables are
tenant-owned: key ``(tenant_id, id)`` with ``id`` from its own sequence on PostgreSQL,
and the row-level security policy of every tenant-owned table.

Revision ID: a3c5e7f9b102
Revises: 9d4e5f6a7b81
Create Date: 2026-12-02 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a3c5e7f9b102"
down_revision = "9d4e5f6a7b81"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(12, 2).with_variant(sa.String(24), "sqlite")
POLICY = "tenant_isolation"
RULE = (
    "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::integer"
    " OR current_setting('app.platform', true) = 'on'"
)
NEW_TABLES = ("client_notes", "daily_service_stats")


def _id() -> sa.Column:
    # A serial column on PostgreSQL (app.core.keys takes nextval of its sequence); on SQLite
    # a plain integer (the INSERT computes the next id).
    pg = op.get_bind().dialect.name == "postgresql"
    return sa.Column("id", sa.Integer(), autoincrement=pg, nullable=False)


def _tenant_id(table: str) -> sa.Column:
    return sa.Column(
        "tenant_id",
        sa.Integer(),
        sa.ForeignKey("tenants.id", name=f"fk_{table}_tenant_id_tenants", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade():
    op.create_table(
        "client_notes",
        _id(),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _tenant_id("client_notes"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "client_id"],
            ["clients.tenant_id", "clients.id"],
            name="fk_client_notes_tenant_id_client_id_clients",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_user_id"], ["users.id"], name="fk_client_notes_author_user_id_users", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_client_notes"),
    )
    with op.batch_alter_table("client_notes", schema=None) as batch_op:
        batch_op.create_index("ix_client_notes_client_id", ["client_id"], unique=False)
        batch_op.create_index("ix_client_notes_tenant_id", ["tenant_id"], unique=False)

    op.create_table(
        "daily_service_stats",
        _id(),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("bookings", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("no_shows", sa.Integer(), nullable=False),
        sa.Column("cancellations", sa.Integer(), nullable=False),
        sa.Column("revenue", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("booked_minutes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _tenant_id("daily_service_stats"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_daily_service_stats"),
        sa.UniqueConstraint(
            "tenant_id",
            "date",
            "location_id",
            "service_id",
            name="uq_daily_service_stats_tenant_id_date_location_id_service_id",
        ),
    )
    with op.batch_alter_table("daily_service_stats", schema=None) as batch_op:
        batch_op.create_index("ix_daily_service_stats_date", ["date"], unique=False)
        batch_op.create_index("ix_daily_service_stats_tenant_id", ["tenant_id"], unique=False)

    with op.batch_alter_table("daily_stats", schema=None) as batch_op:
        batch_op.add_column(sa.Column("booked_minutes", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("working_minutes", sa.Integer(), server_default="0", nullable=False))

    if op.get_bind().dialect.name == "postgresql":
        for table in NEW_TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({RULE}) WITH CHECK ({RULE})")


def downgrade():
    with op.batch_alter_table("daily_stats", schema=None) as batch_op:
        batch_op.drop_column("working_minutes")
        batch_op.drop_column("booked_minutes")
    op.drop_table("daily_service_stats")
    op.drop_table("client_notes")
