"""JSON API v1: thin endpoints over the domain services (see shared API contract)."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api.v1 import views  # noqa: E402,F401
