"""Which unique constraint a failed INSERT hit, on PostgreSQL and SQLite alike.

Check-then-insert is not enough under concurrency: two requests can both see "free" and both
insert.  The database's unique constraint stops the second; services catch the
``IntegrityError`` (inside a savepoint) and turn it into the domain error the check would
have raised, or re-read the row the other request created.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError


def violates_unique(exc: IntegrityError, table: str, *columns: str) -> bool:
    """True when ``exc`` is the unique constraint on ``table(columns)`` (naming convention ``uq_...``)."""
    orig = getattr(exc, "orig", None)
    diag = getattr(orig, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    if constraint:  # PostgreSQL (psycopg2): the constraint's name
        return constraint == f"uq_{table}_{'_'.join(columns)}"
    # SQLite: "UNIQUE constraint failed: users.email" / "...: clients.tenant_id, clients.phone"
    text = str(orig or exc)
    if "UNIQUE constraint failed:" not in text:
        return False
    failed = {c.strip() for c in text.split("UNIQUE constraint failed:", 1)[1].split(",")}
    return failed == {f"{table}.{c}" for c in columns}
