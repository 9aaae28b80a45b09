"""The optional Sentinel layout for compose (docker-compose.sentinel.yml) names services that
exist and settings the app reads; the failover itself is tested with real servers in
tests/notifications/test_sentinel_failover.py."""

from __future__ import annotations

from pathlib import Path

import yaml

from app.config import Config

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str) -> dict:
    return yaml.safe_load((ROOT / name).read_text())


def test_the_override_points_every_app_service_at_three_sentinels_watching_the_primary():
    base, over = _load("docker-compose.yml"), _load("docker-compose.sentinel.yml")
    services = {**base["services"], **over["services"]}
    for name in ("migrate", "web", "worker"):
        assert name in base["services"]
        env = over["services"][name]["environment"]
        hosts = [h.split(":")[0] for h in env["REDIS_SENTINELS"].split(",")]
        assert len(hosts) == 3 and all(h in services for h in hosts)
        assert env["REDIS_SENTINEL_MASTER"] == "jazyl"
    script = over["services"]["sentinel1"]["command"][-1]
    assert "sentinel monitor jazyl redis 6379 2" in script  # quorum of two out of three
    assert "--replicaof" in over["services"]["redis-replica"]["command"]
    assert hasattr(Config, "REDIS_SENTINELS") and hasattr(Config, "REDIS_SENTINEL_MASTER")
