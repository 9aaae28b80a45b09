"""CLI commands of this package (registered by app.cli)."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    return None
