"""Production refuses unsafe defaults with a clear message; development runs embedded."""

import pytest

from app import create_app
from app.config import ConfigError, ProductionConfig

GOOD = {
    "SECRET_KEY": "k" * 48,
    "DATABASE_URL": "postgresql://app@db/app",
    "SERVER_NAME": "jazyl.tech",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


@pytest.fixture
def env(monkeypatch):
    for k in ("SECRET_KEY", "DATABASE_URL", "SERVER_NAME", "REDIS_URL"):
        monkeypatch.delenv(k, raising=False)

    def set_env(**values):
        for k, v in values.items():
            monkeypatch.setenv(k, v)

    return set_env


def test_production_accepts_a_complete_configuration(env):
    env(**GOOD)
    config: dict = {}
    ProductionConfig.finalize(config)
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg2://")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "change-me-change-me-change-me-change-me"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DATABASE_URL": "sqlite:///x.db"}, "PostgreSQL"),
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
        ({"SERVER_NAME": ""}, "SERVER_NAME"),
        ({"REDIS_URL": ""}, "REDIS_URL"),
    ],
)
def test_production_refuses_unsafe_defaults(env, override, message):
    env(**{**GOOD, **override})
    with pytest.raises(ConfigError, match=message):
        ProductionConfig.finalize({})


def test_create_app_in_production_fails_fast_without_settings(env):
    with pytest.raises(ConfigError, match="Refusing to start in production"):
        create_app("production")


def test_unknown_environment_name_is_refused():
    with pytest.raises(RuntimeError, match="APP_ENV"):
        create_app("staging-typo")


def test_development_defaults_are_embedded(tmp_path, monkeypatch):
    import app.config as config_module

    monkeypatch.setattr(config_module, "INSTANCE_DIR", tmp_path)
    config: dict = {}
    config_module.DevelopmentConfig.finalize(config)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'jazyl.db'}"
    secret = config["SECRET_KEY"]
    assert len(secret) >= 32 and (tmp_path / "secret_key").read_text() == secret
    again: dict = {}
    config_module.DevelopmentConfig.finalize(again)
    assert again["SECRET_KEY"] == secret  # persisted, so sessions survive restarts


def test_a_bad_retry_schedule_is_refused_at_start_up(monkeypatch):
    monkeypatch.setenv("NOTIFY_RETRY_INTERVALS", "1m,soon")
    with pytest.raises(ConfigError, match="NOTIFY_RETRY_INTERVALS: 'soon'"):
        create_app("testing")
