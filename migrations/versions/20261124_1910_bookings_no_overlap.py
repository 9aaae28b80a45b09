"""bookings: no two blocking bookings of one master overlap (PostgreSQL exclusion constraint)

Hand-written: Alembic's autogenerate does not render exclusion constraints correctly.
Half-open ranges ('[)') allow back-to-back bookings; tenant_id comes first so the
constraint stays valid when the table is distributed by tenant (Citus).  The status list
must match app.bookings.models.BLOCKING_STATUSES.  SQLite has no equivalent: there the
service checks and inserts inside one write-serialized (BEGIN IMMEDIATE) transaction.

Revision ID: b00c0a7e1a01
Revises: 5fc115c0faef
Create Date: 2026-11-24 19:10:00
"""
from alembic import op

revision = "b00c0a7e1a01"
down_revision = "5fc115c0faef"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute(
        """
        ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap
        EXCLUDE USING gist (
            tenant_id WITH =,
            master_id WITH =,
            tstzrange(start_at, block_end_at, '[)') WITH &&
        ) WHERE (status IN ('pending', 'confirmed'))
        """
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE bookings DROP CONSTRAINT IF EXISTS bookings_no_overlap")
