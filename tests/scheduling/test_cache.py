"""The Redis JSON cache never raises: failures are misses and no-ops."""

from __future__ import annotations

import redis

from app.core import cache


class _Broken:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise redis.ConnectionError("down")

        return fail


def test_round_trip_and_ttl(app):
    assert cache.get_json("k") is None
    assert cache.set_json("k", {"a": [1, 2]}, 60)
    assert cache.get_json("k") == {"a": [1, 2]}
    assert 0 < app.extensions["redis"].ttl("k") <= 60
    cache.delete("k")
    assert cache.get_json("k") is None


def test_failures_degrade(app, monkeypatch):
    monkeypatch.setitem(app.extensions, "redis", _Broken())
    assert cache.get_json("k") is None
    assert cache.set_json("k", 1, 60) is False
    cache.delete("k")


def test_garbage_is_a_miss(app):
    app.extensions["redis"].set("bad", b"\xff{not json")
    assert cache.get_json("bad") is None


def test_outside_an_app_context_is_a_miss(app):
    import threading

    seen = []
    t = threading.Thread(target=lambda: seen.append((cache.get_json("k"), cache.set_json("k", 1, 5))))
    t.start()
    t.join()
    assert seen == [(None, False)]
