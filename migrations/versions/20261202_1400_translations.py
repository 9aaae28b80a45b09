"""translations: other languages' versions of what a business types

Hand-written.  ``tenants``, ``locations``, ``services`` and ``masters`` gain a JSON column
``translations`` (``{"kk": {"name": ...}, "ru": {...}}``, see ``app.core.translations``).
Today's texts stay where they are: the ordinary columns hold the business's default
language, so every existing name, description and address becomes its default-language
version and nothing is copied.

Revision ID: c4e8f1a2b503
Revises: b7d1e2f3a401
Create Date: 2026-12-02 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c4e8f1a2b503"
down_revision = "b7d1e2f3a401"
branch_labels = None
depends_on = None

TABLES = ("tenants", "locations", "services", "masters")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("translations", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("translations")
