"""Row-level security on every tenant-owned table (PostgreSQL; nothing on SQLite)

Hand-written.  The second line behind the ORM's tenant filter (app/core/tenancy.py):
``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` (FORCE: the table owner is held to the
policy too, unless it is a superuser or has BYPASSRLS) and one policy per table that
allows a row only when its ``tenant_id`` equals the transaction's ``app.tenant_id``
setting, or when ``app.platform`` is ``'on'`` (the audited platform path).  Both settings
are set with ``set_config(..., true)`` by the application per transaction; with neither set
a statement sees no rows and cannot write any.  The same expression is the ``WITH CHECK``,
so an INSERT or UPDATE cannot write a row of another tenant.

Foreign keys, unique and exclusion constraints are checked by PostgreSQL without row
security, so the constraints keep working across the policy.

Revision ID: 5e9a1c2b7d80
Revises: 7c1d2e3f4a50
Create Date: 2026-12-02 08:00:00
"""

from alembic import op

revision = "5e9a1c2b7d80"
down_revision = "7c1d2e3f4a50"
branch_labels = None
depends_on = None

# Every table of a TenantScoped model at this revision (tests/core/test_rls.py checks the
# live schema against the models, so a new tenant-owned table without a policy fails there).
TABLES = (
    "bookings",
    "client_sessions",
    "client_verifications",
    "clients",
    "daily_stats",
    "idempotency_keys",
    "locations",
    "master_services",
    "masters",
    "permission_requests",
    "schedule_overrides",
    "service_locations",
    "services",
    "time_off",
    "working_hours",
)
POLICY = "tenant_isolation"
RULE = (
    "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::integer"
    " OR current_setting('app.platform', true) = 'on'"
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {POLICY} ON {table} USING ({RULE}) WITH CHECK ({RULE})")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
