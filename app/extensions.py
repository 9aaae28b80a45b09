"""Flask extensions, created unbound and initialised in ``create_app``."""

from __future__ import annotations

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from app.core.tenant_guard import TenantSession

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base, session_options={"class_": TenantSession})  # get() honours the tenant scope
migrate = Migrate()
login = LoginManager()
babel = Babel()
csrf = CSRFProtect()
htmx = Htmx()


def _default_limit() -> str:
    """``RATELIMIT_DEFAULT`` of the app handling the request.  Flask-Limiter would take the
    string from the first app it is set up for and keep it for every later app of the
    process (the limiter object is shared): a test's or a script's second app got the
    first one's limit."""
    return current_app.config.get("RATELIMIT_DEFAULT", "100 per minute")


limiter = Limiter(key_func=get_remote_address, default_limits=[_default_limit])
