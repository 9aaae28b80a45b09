"""Citus-ready keys: every key on a tenant-owned table starts with tenant_id

Hand-written.  Citus distributes a table by one column and refuses a primary key, unique
or exclusion constraint that does not include it, and co-located joins and foreign keys
need the distribution column on both sides.  So:

* the primary key of every tenant-owned table becomes ``(tenant_id, id)`` (the link tables
  ``service_locations`` and ``master_services`` get ``(tenant_id, <a>_id, <b>_id)``), and
  the separate ``UNIQUE (tenant_id, id)`` constraints the composite foreign keys used to
  point at are dropped: the foreign keys now reference the primary keys;
* ``uq_masters_user_id`` becomes ``(tenant_id, user_id)`` and
  ``uq_client_sessions_token_hash`` becomes ``(tenant_id, token_hash)``; both lookups
  know the tenant (the master lookup runs in the tenant's scope, and a client token now
  names its tenant, app/accounts/clients.py), so these indexes serve them.  Client tokens
  issued before this revision name no tenant and stop working: those clients confirm
  their phone again;
* ``bookings_no_overlap`` (PostgreSQL) is not touched: it already starts with
  ``tenant_id WITH =``.

``id`` keeps its sequence on PostgreSQL (the serial default stays); on SQLite a composite
primary key has no rowid alias, so the models give ``id`` a ``max(id) + 1`` default there
(see app/core/keys.py).  Ids stay unique per table on both.

PostgreSQL: the composite foreign keys depend on the unique constraints being dropped, so
they are dropped first and re-created against the new primary keys (same names, same
ON DELETE).  SQLite: batch mode copies each table; foreign key enforcement is switched
off meanwhile (a DROP TABLE with it on would cascade-delete child rows) and every
reference is checked with ``PRAGMA foreign_key_check`` before the migration commits.

Revision ID: 7c1d2e3f4a50
Revises: b00c0a7e1a01
Create Date: 2026-12-02 06:00:00
"""

from contextlib import contextmanager

from alembic import op

revision = "7c1d2e3f4a50"
down_revision = "b00c0a7e1a01"
branch_labels = None
depends_on = None

# Tables whose primary key was ``id`` alone.
ID_TABLES = (
    "locations",
    "services",
    "masters",
    "clients",
    "client_sessions",
    "client_verifications",
    "permission_requests",
    "bookings",
    "idempotency_keys",
    "working_hours",
    "schedule_overrides",
    "time_off",
    "daily_stats",
)
# Tables that carried a separate UNIQUE (tenant_id, id), now the primary key.
TENANT_ID_UNIQUE = ("locations", "services", "masters", "clients", "permission_requests", "bookings", "time_off")
# Link tables: (table, old primary key columns).
LINK_TABLES = (
    ("service_locations", ["service_id", "location_id"]),
    ("master_services", ["master_id", "service_id"]),
)
# Composite foreign keys that point at a (tenant_id, id) key: (table, column, referred table, ondelete).
COMPOSITE_FKS = (
    ("client_sessions", "client_id", "clients", "CASCADE"),
    ("service_locations", "service_id", "services", "CASCADE"),
    ("service_locations", "location_id", "locations", "CASCADE"),
    ("users", "location_id", "locations", "SET NULL"),
    ("masters", "location_id", "locations", None),
    ("bookings", "client_id", "clients", None),
    ("bookings", "location_id", "locations", None),
    ("bookings", "master_id", "masters", None),
    ("bookings", "service_id", "services", None),
    ("master_services", "master_id", "masters", "CASCADE"),
    ("master_services", "service_id", "services", "CASCADE"),
    ("permission_requests", "master_id", "masters", "CASCADE"),
    ("schedule_overrides", "master_id", "masters", "CASCADE"),
    ("time_off", "master_id", "masters", "CASCADE"),
    ("working_hours", "master_id", "masters", "CASCADE"),
)
# (table, old unique columns, new unique columns)
REKEYED_UNIQUES = (
    ("masters", ["user_id"], ["tenant_id", "user_id"]),
    ("client_sessions", ["token_hash"], ["tenant_id", "token_hash"]),
)


def _fk_name(table: str, column: str, referred: str) -> str:
    return f"fk_{table}_tenant_id_{column}_{referred}"


def _uq_name(table: str, columns: list[str]) -> str:
    return f"uq_{table}_{'_'.join(columns)}"


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _sqlite_pragma_foreign_keys(on: bool) -> None:
    """Set ``PRAGMA foreign_keys`` (a no-op inside a transaction, so step outside one)."""
    with op.get_context().autocommit_block():
        raw = op.get_bind().connection.dbapi_connection
        if raw.in_transaction:  # the app's SQLite engine emits BEGIN itself (app/core/db.py), even here
            raw.execute("COMMIT")
        raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
        if raw.execute("PRAGMA foreign_keys").fetchone()[0] != int(on):
            raise RuntimeError("could not switch SQLite foreign key enforcement")


@contextmanager
def _sqlite_foreign_keys_off():
    """SQLite: copy tables with FK enforcement off, then prove every reference still holds."""
    _sqlite_pragma_foreign_keys(False)
    try:
        yield
        broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by the key migration: {broken[:10]}")
    finally:
        _sqlite_pragma_foreign_keys(True)


def _rekey(new: bool) -> None:
    """Switch every key to the new (``new=True``) or the old layout."""
    sqlite = _is_sqlite()

    if not sqlite:
        for table, column, referred, _ in COMPOSITE_FKS:
            op.drop_constraint(_fk_name(table, column, referred), table, type_="foreignkey")

    for table in ID_TABLES:
        with op.batch_alter_table(table, recreate="always" if sqlite else "auto") as batch:
            batch.drop_constraint(f"pk_{table}", type_="primary")
            if new and table in TENANT_ID_UNIQUE:
                batch.drop_constraint(_uq_name(table, ["tenant_id", "id"]), type_="unique")
            batch.create_primary_key(f"pk_{table}", ["tenant_id", "id"] if new else ["id"])
            if not new and table in TENANT_ID_UNIQUE:
                batch.create_unique_constraint(_uq_name(table, ["tenant_id", "id"]), ["tenant_id", "id"])
            for t, old_cols, new_cols in REKEYED_UNIQUES:
                if t == table:
                    batch.drop_constraint(_uq_name(t, old_cols if new else new_cols), type_="unique")
                    cols = new_cols if new else old_cols
                    batch.create_unique_constraint(_uq_name(t, cols), cols)

    for table, columns in LINK_TABLES:
        with op.batch_alter_table(table, recreate="always" if sqlite else "auto") as batch:
            batch.drop_constraint(f"pk_{table}", type_="primary")
            batch.create_primary_key(f"pk_{table}", ["tenant_id", *columns] if new else columns)

    if not sqlite:
        for table, column, referred, ondelete in COMPOSITE_FKS:
            op.create_foreign_key(
                _fk_name(table, column, referred),
                table,
                referred,
                ["tenant_id", column],
                ["tenant_id", "id"],
                ondelete=ondelete,
            )


def upgrade():
    if _is_sqlite():
        with _sqlite_foreign_keys_off():
            _rekey(new=True)
    else:
        _rekey(new=True)


def downgrade():
    if _is_sqlite():
        with _sqlite_foreign_keys_off():
            _rekey(new=False)
    else:
        _rekey(new=False)
