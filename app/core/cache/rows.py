"""Rows as JSON: ORM rows stored in the cache and read back as records or session objects."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import configure_mappers, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, set_committed_value

from app.extensions import db

# ---------------------------------------------------------------- rows as JSON


def _enc(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, time):
        return {"$t": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    return value


def _dec(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        if tag == "$dt":
            return datetime.fromisoformat(raw)
        if tag == "$d":
            return date.fromisoformat(raw)
        if tag == "$t":
            return time.fromisoformat(raw)
        if tag == "$dec":
            return Decimal(raw)
    return value


def columns_to_json(obj, **extra: Any) -> dict:
    """Every column of a loaded ORM object (plus ``extra``) as JSON-safe data."""
    out = {a.key: _enc(getattr(obj, a.key)) for a in inspect(type(obj)).column_attrs}
    out.update({k: _enc(v) for k, v in extra.items()})
    return out


class Record:
    """A read-only stand-in for a cached row: its columns (and extras) as attributes."""

    def __init__(self, data: dict):
        self.__dict__.update({k: _dec(v) for k, v in data.items()})

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cached {type(self).__name__} is read-only")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Record id={self.__dict__.get('id')!r}>"


def records(data: list[dict]) -> list[Record]:
    return [Record(d) for d in data]


def attach(cls, data: dict, *, decoded: bool = False):
    """A persistent ORM object rebuilt from :func:`columns_to_json` data without any SQL
    (``decoded``: ``data`` holds Python values already, e.g. a row just read).

    It joins the session as if just loaded (``merge(load=False)``): reading it costs
    nothing, changing it is flushed as an UPDATE like any loaded object, and an object of
    that identity already in the session is returned instead.
    """
    values = data if decoded else {k: _dec(v) for k, v in data.items()}
    mapper = cls.__mapper__
    session = db.session()  # the request's session, looked up once
    key = mapper.identity_key_from_primary_key([values[c.key] for c in mapper.primary_key])
    existing = session.identity_map.get(key)
    if existing is not None:
        # As a query would: the object the session holds, its loaded (perhaps changed)
        # attributes left alone, the expired ones filled in.
        loaded = instance_dict(existing)
        for name, value in values.items():
            if name not in loaded:
                set_committed_value(existing, name, value)
        return existing
    # As the ORM loads a row: the instance without its constructor, the values as committed
    # state (no change history), then joined to the session as it is (no copy, no SQL).
    if not mapper.configured:  # the ORM configures mappers on first use; nothing else may have yet
        configure_mappers()
    obj = mapper.class_manager.new_instance()
    instance_dict(obj).update(values)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj
