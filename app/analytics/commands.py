"""CLI commands of the analytics package (registered by app.cli)."""

from __future__ import annotations

import click
from flask import Flask

from app.analytics.services import roll_up


def register(app: Flask) -> None:
    @app.cli.command("analytics-rollup")
    @click.option("--days", default=90, show_default=True, type=click.IntRange(1, 3660), help="Days back from today.")
    def analytics_rollup(days: int) -> None:
        """Recompute the daily analytics roll-up of the last DAYS days for every business with bookings.

        The periodic job redoes only the last two days; run this after an upgrade that adds
        roll-up figures (booked and working minutes, per service) to fill in the history.
        Each business is committed on its own; re-running is safe (a day's rows are replaced).
        """
        rows = roll_up(days=days)
        click.echo(f"Rolled up the last {days} days: {rows} rows.")
