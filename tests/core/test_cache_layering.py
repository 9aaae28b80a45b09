"""Core imports no domain package (issue 15): the cache and the rate limiter learn about the
domain's models and tokens at app setup (``cache.watch``, ``ratelimit.set_token_subject``,
wired in ``app/__init__.py``), never by importing them, not even inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
DOMAIN = {p.name for p in APP.iterdir() if p.is_dir() and (p / "__init__.py").exists()} - {"core", "web", "api"}


CACHE = sorted(str(p.relative_to(APP)) for p in (APP / "core" / "cache").glob("*.py"))


@pytest.mark.parametrize("module", [*CACHE, "core/ratelimit.py", "core/redis.py"])
def test_core_module_imports_no_domain_package(module):
    tree = ast.parse((APP / module).read_text())
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "app" and len(parts) > 1 and parts[1] in DOMAIN:
                found.append(name)
    assert DOMAIN, "no domain packages found"
    assert not found, f"{module} imports {found}"


def test_the_watched_models_are_registered_at_app_setup(app):
    from app.bookings.models import Booking
    from app.catalog.models import Master, Service
    from app.core.cache import watching
    from app.tenants.models import Tenant

    assert Tenant in watching._TENANT_MODELS
    assert {Master, Service} <= set(watching._SITE_MODELS)
    assert Booking in watching._SCHEDULE_MODELS
