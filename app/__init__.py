"""Application factory."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

from flask import Flask, g, has_request_context, send_from_directory
from flask_babel import gettext, lazy_gettext, ngettext
from werkzeug.middleware.proxy_fix import ProxyFix

from app import cli
from app import models as _models  # noqa: F401  -- every table registered on the metadata
from app.accounts import impersonation
from app.accounts import periodic as accounts_periodic
from app.accounts.services import load_user_by_session_id
from app.accounts.tokens import decode_access
from app.analytics import periodic as analytics_periodic
from app.api.v1 import bp as api_bp
from app.api.v1 import fastpath
from app.bookings import periodic as bookings_periodic
from app.bookings.models import Booking
from app.catalog.models import Master, MasterService, Service, ServiceLocation
from app.config import CONFIGS, INSTANCE_DIR, ConfigError
from app.core import (
    assets,
    cache,
    errortracking,
    handlers,
    hardening,
    hosts,
    i18n,
    jobs,
    logs,
    ratelimit,
    security,
    sessions,
    templating,
    tenant_guard,
)
from app.core import db as uow
from app.core import redis as redis_core
from app.core.i18n import select_locale
from app.extensions import babel, csrf, db, htmx, limiter, login, migrate
from app.notifications import periodic as notifications_periodic
from app.notifications.services import parse_intervals
from app.scheduling.models import ScheduleOverride, TimeOff, WorkingHours
from app.tenants import periodic as tenants_periodic
from app.tenants.models import Location, Tenant
from app.tenants.queries import get_tenant_by_subdomain
from app.web import metrics as web_metrics
from app.web.admin import bp as admin_bp
from app.web.health import register as register_health
from app.web.main import bp as main_bp
from app.web.manager import bp as manager_bp
from app.web.master import bp as master_bp
from app.web.owner import bp as owner_bp
from app.web.public import bp as public_bp
from app.web.public import fastpage

STATIC_DIR = Path(__file__).parent / "static"


def create_app(config_name: str | None = None, **overrides) -> Flask:
    config_name = config_name or os.environ.get("APP_ENV", "development")
    config_class = CONFIGS.get(config_name)
    if config_class is None:
        raise RuntimeError(f"APP_ENV must be one of {sorted(CONFIGS)}, got {config_name!r}")

    app = Flask(
        __name__,
        subdomain_matching=True,
        static_folder=None,
        instance_path=str(overrides.get("INSTANCE_DIR") or INSTANCE_DIR),
    )
    app.config.from_object(config_class)
    app.config.update(overrides)
    config_class.finalize(app.config)
    _check_settings(app)
    logs.init_app(app)  # first: every later line carries the request id
    errortracking.init_app(app)

    web_metrics.install(app)  # inside ProxyFix: it sees the client's address, not the proxy's
    fastpage.install(app)  # the kept booking page for first-time visitors, before Flask runs
    fastpath.install(app)  # warm public API reads answered before Flask runs (also inside ProxyFix)
    if app.config.get("PROXY_FIX"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1)

    redis_core.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_core.limiter_storage_uri(app.config["REDIS_URL"], app.config))
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "jazyl-rl")
    app.config.setdefault("RATELIMIT_STRATEGY", ratelimit.STRATEGY)  # one Redis round trip per limit

    db.init_app(app)
    with app.app_context():
        session_class = type(db.session())
        uow.configure_engine(db.engine)
        tenant_guard.configure_engine(db.engine)
    tenant_guard.install(session_class)
    uow.install(session_class)
    cache.install(session_class)  # writes bump the cache versions after commit
    _watch_cached_models()
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent.parent / "migrations"), render_as_batch=True, compare_type=True
    )
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    login.init_app(app)
    ratelimit.set_token_subject(lambda token: decode_access(token)["sub"])  # core imports no domain package

    login.user_loader(load_user_by_session_id)
    login.session_protection = "basic"

    handlers.init_app(app)  # first: its before_request marks writers before any query runs
    hosts.init_app(app, resolve_tenant=get_tenant_by_subdomain)
    hardening.init_app(app)  # before the blueprints: it installs the bounded <int:> converter
    security.init_app(app)
    sessions.init_app(app)
    _register_static(app)
    assets.init_app(app)  # fingerprinted names (/static/css/app.<hash>.css), cached for a year
    _register_blueprints(app)
    _register_template_helpers(app)
    _register_periodic()

    cli.init_app(app)
    return app


def _watch_cached_models() -> None:
    """Which rows bump which cache versions (app.core.cache imports no domain package)."""
    cache.watch(
        site=(Location, Service, Master, MasterService, ServiceLocation),
        tenants=(Tenant,),
        schedules=(Booking, WorkingHours, ScheduleOverride, TimeOff),
    )


def _register_static(app: Flask) -> None:
    """Static files answer on every host, so pages never load assets cross-origin."""

    def static(filename: str, **_):
        response = send_from_directory(STATIC_DIR, filename, max_age=3600 * 24 * 30)
        return response

    app.add_url_rule("/static/<path:filename>", "static", static)
    app.add_url_rule("/static/<path:filename>", "static_sub", static, subdomain="<sub:tenant>")
    app.add_url_rule("/static/<path:filename>", "static_sub2", static, subdomain="<sub:area>.<sub:tenant>")


def _register_blueprints(app: Flask) -> None:
    register_health(app)
    app.register_blueprint(main_bp)
    app.register_blueprint(admin_bp, subdomain="admin")
    app.register_blueprint(owner_bp, subdomain="owner.<sub:tenant>")
    app.register_blueprint(manager_bp, subdomain="manager.<sub:tenant>")
    app.register_blueprint(master_bp, subdomain="master.<sub:tenant>")
    app.register_blueprint(public_bp, subdomain="<sub:tenant>")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(api_bp, url_prefix="/api/v1", subdomain="<sub:tenant>", name="api_tenant")
    csrf.exempt(api_bp)


def _register_periodic() -> None:
    """Each domain package declares its periodic tasks and cleanups; the worker's loop runs them."""
    for package in (
        notifications_periodic,
        analytics_periodic,
        tenants_periodic,
        accounts_periodic,
        bookings_periodic,
    ):
        package.register()


def _register_template_helpers(app: Flask) -> None:
    templating.init_app(app)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(gettext, ngettext, newstyle=True)
    app.jinja_env.globals.update(LANGUAGE_NAMES=i18n.LANGUAGE_NAMES, _l=lazy_gettext)
    app.jinja_env.globals["current_tenant"] = lambda: g.get("tenant")
    app.jinja_env.globals["support_session"] = _support_session


def _support_session():
    """The platform admin's support session on this dashboard, or None (the banner reads it)."""
    if not has_request_context() or not impersonation.active():
        return None
    return SimpleNamespace(label=impersonation.label(), read_only=impersonation.read_only())


def _check_settings(app: Flask) -> None:
    """Refuse to start on a setting that would only fail later, inside a job."""
    try:
        parse_intervals(app.config.get("NOTIFY_RETRY_INTERVALS") or os.environ.get("NOTIFY_RETRY_INTERVALS"))
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc


# A job run outside an app context (an RQ worker not started by worker.py) builds its app with
# this factory; core.jobs is handed it here instead of importing the app package.
jobs.set_app_factory(create_app)
