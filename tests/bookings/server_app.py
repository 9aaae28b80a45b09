"""A gunicorn entry point for the concurrency tests: the real app (testing config) on the
test database, plus one test-only booking route that calls ``create_booking`` through the
normal request boundary (write intent, tenant scope, commit once, error rendering).

Environment: ``TEST_SERVER_DATABASE_URL``, ``TEST_SERVER_REDIS_URL``, ``TEST_SERVER_INSTANCE``.
"""
from __future__ import annotations

import os
from datetime import datetime

from flask import g, jsonify, request

from app import create_app
from app.accounts.services import find_or_create_client
from app.audit.services import Actor
from app.bookings.services import create_booking
from app.core.hosts import require_active_tenant
from app.core.phones import normalize_phone


def book():
    require_active_tenant()
    data = request.get_json(force=True)
    client = find_or_create_client(normalize_phone(data["phone"]), name="Load test")
    booking = create_booking(g.tenant, Actor.for_client(client), service_id=int(data["service_id"]),
                             master_id=int(data["master_id"]), start=datetime.fromisoformat(data["start"]),
                             client=client, source="test")
    return jsonify({"booking": {"id": booking.id, "start": booking.start_at.isoformat()}}), 201


def build():
    application = create_app(
        "testing",
        DATABASE_URL=os.environ["TEST_SERVER_DATABASE_URL"],
        REDIS_URL=os.environ["TEST_SERVER_REDIS_URL"],
        INSTANCE_DIR=os.environ["TEST_SERVER_INSTANCE"],
        SECRET_KEY=os.environ.get("SECRET_KEY", "concurrency-test-secret-key-0123456789"),
        SERVER_NAME=os.environ.get("SERVER_NAME", "localhost:5000"),
        RATELIMIT_ENABLED=False,
    )
    application.add_url_rule("/api/_test/book", "test_book", book, methods=["POST"], subdomain="<sub:tenant>")
    return application


app = build()
