"""Keys of tenant-owned tables: ``(tenant_id, id)`` primary keys with a generated ``id``.

Every tenant-owned table's primary key starts with ``tenant_id`` (Citus distributes by it
and refuses keys without it; see docs/scaling.md).  ``id`` still comes from one counter
per table, so it stays unique across tenants:

* PostgreSQL: the column's own sequence (``nextval`` of its serial sequence);
* SQLite: ``max(id) + 1`` of the table, computed inside the INSERT.  SQLite runs one
  writer at a time and an INSERT reads and writes under the same lock, so two inserts
  cannot take the same id; it is also what SQLite's own rowid allocation does.  With no
  index led by ``id`` this reads the whole primary key index (about 50 ms at 200,000
  rows); acceptable because SQLite is the development and test database (production
  refuses it, see README).

The value is rendered into the INSERT and read back with ``RETURNING``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import mapped_column
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class NextId(ColumnElement[int]):
    """The next ``id`` of ``table`` (an INSERT default)."""

    inherit_cache = True
    type = Integer()
    # The table name is part of the SQL text, so it is part of the statement cache key.
    _traverse_internals = [("table", InternalTraversal.dp_string)]

    def __init__(self, table: str) -> None:
        self.table = table


@compiles(NextId)
def _next_id_default(element: NextId, compiler: Any, **kw: Any) -> str:
    table = compiler.preparer.quote(element.table)  # a model's table name, never input
    return f"(SELECT coalesce(max(id), 0) + 1 FROM {table})"  # noqa: S608


@compiles(NextId, "postgresql")
def _next_id_postgresql(element: NextId, compiler: Any, **kw: Any) -> str:
    table = compiler.preparer.quote(element.table)
    return f"nextval(pg_get_serial_sequence('{table}', 'id'))"


def tenant_row_id(table: str):
    """The ``id`` column of a tenant-owned table whose key is ``(tenant_id, id)``."""
    return mapped_column(Integer, default=NextId(table), autoincrement=False)
