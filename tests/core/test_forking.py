"""gunicorn preloads the app and forks its workers (gunicorn.conf.py ``preload_app``): a
forked child must open its own database connections and must not stop the parent's
embedded Redis when it exits."""

from __future__ import annotations

import os

import pytest

from app.core import redis as redis_core
from app.extensions import db


def _in_child(probe) -> str:
    """Run ``probe()`` in a forked child; its result as text."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report and leave at once, without running the parent's exit hooks
        try:
            os.write(write, str(probe()).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as f:
        return f.read()


def test_a_forked_child_opens_its_own_database_connections(app):
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    assert db.engine.pool.checkedin() >= 1  # the parent keeps an idle connection
    assert _in_child(lambda: db.engine.pool.checkedin()) == "0"
    assert db.engine.pool.checkedin() >= 1  # and the parent still has it


def test_a_forked_child_leaves_the_embedded_redis_running(app):
    if not redis_core._embedded:
        pytest.skip("this run uses an external Redis")
    server = next(iter(redis_core._embedded.values()))
    assert _in_child(lambda: server._cleanup is redis_core._leave_running) == "True"
    assert server._cleanup is not redis_core._leave_running  # the parent still owns it
    assert server.ping()
