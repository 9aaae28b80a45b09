"""JSON API v1: thin endpoints over the domain services (see shared API contract)."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api.v1 import views, views_billing  # noqa: E402,F401  -- views_billing: GET /billing (app.billing)
