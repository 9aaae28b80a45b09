"""Jinja helpers: local times, money, assets."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import format_currency, format_date, format_datetime, format_time, get_locale

STATIC = Path(__file__).resolve().parent.parent / "static"
_asset_versions: dict[str, str] = {}


def asset(path: str) -> str:
    """A same-host URL for a static file, with a version so caches refresh on change."""
    if path not in _asset_versions:
        f = STATIC / path
        _asset_versions[path] = str(int(f.stat().st_mtime)) if f.exists() else "0"
    return f"/static/{path}?v={_asset_versions[path]}"


def local_dt(value: datetime | None, tz: str, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return format_datetime(value.astimezone(ZoneInfo(tz)), fmt, rebase=False)


def local_time(value: datetime | None, tz: str) -> str:
    if value is None:
        return ""
    return format_time(value.astimezone(ZoneInfo(tz)), "short", rebase=False)


def local_date(value: datetime | None, tz: str, fmt: str = "full") -> str:
    if value is None:
        return ""
    return format_date(value.astimezone(ZoneInfo(tz)).date(), fmt)


def money(amount: Decimal | str | None, currency: str) -> str:
    """Prices as people write them: "9 000 ₸", with kopecks/tiyn only when there are some."""
    if amount is None:
        return ""
    value = Decimal(amount)
    if value == value.to_integral_value():
        return format_currency(value, currency, format="#,##0\xa0¤", currency_digits=False)
    return format_currency(value, currency)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        asset=asset,
        local_dt=local_dt,
        local_time=local_time,
        local_date=local_date,
        money=money,
        current_locale=lambda: str(get_locale() or "en"),
    )
    # A missing value renders as nothing, never as the word "None" on a page or in a message.
    app.jinja_env.finalize = blank_none


def blank_none(value):
    """Jinja's ``finalize``: ``{{ x }}`` with ``x`` None prints nothing."""
    return "" if value is None else value
