"""The routes of the dashboard pages shared by the owner and the manager (and, for bookings and schedules, the master).

The same views are registered on each dashboard blueprint; the services decide what each
role may see and change (a manager only reaches their own location, anything else is not
found), so the views only load, validate, call one service and render.  The pages are in
``bookings``, ``catalog`` and ``schedules`` (helpers they share in ``area``).
"""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from app.web import calendar
from app.web.owner.area import area_url
from app.web.owner.bookings import booking_action, booking_new, booking_reschedule, index, reassign
from app.web.owner.catalog import (
    master_deactivate,
    master_edit,
    masters_list,
    request_decide,
    requests_list,
    service_deactivate,
    service_edit,
    services_list,
)
from app.web.owner.schedules import (
    master_override_delete,
    master_override_set,
    master_schedule,
    master_time_off_add,
    master_time_off_delete,
)

# ---------------------------------------------------------------- registration


def register_booking_routes(bp: Blueprint) -> None:
    """Day and week calendar, booking panel, status actions and schedules: every dashboard."""
    bp.add_url_rule("/", "index", index)
    calendar.register(bp)
    bp.add_url_rule("/bookings/<int:booking_id>/<action>", "booking_action", booking_action, methods=["POST"])
    bp.add_url_rule(
        "/bookings/<int:booking_id>/reschedule", "booking_reschedule", booking_reschedule, methods=["GET", "POST"]
    )
    bp.add_url_rule("/masters/<int:master_id>/schedule", "master_schedule", master_schedule, methods=["GET", "POST"])
    bp.add_url_rule("/masters/<int:master_id>/time-off", "master_time_off_add", master_time_off_add, methods=["POST"])
    bp.add_url_rule(
        "/masters/<int:master_id>/time-off/<int:time_off_id>/delete",
        "master_time_off_delete",
        master_time_off_delete,
        methods=["POST"],
    )
    bp.add_url_rule("/masters/<int:master_id>/overrides", "master_override_set", master_override_set, methods=["POST"])
    bp.add_url_rule(
        "/masters/<int:master_id>/overrides/<day>/delete",
        "master_override_delete",
        master_override_delete,
        methods=["POST"],
    )

    @bp.context_processor
    def _area():
        return {
            "area": bp.name,
            "area_url": area_url,
            "can_manage": getattr(current_user, "role", None) in ("owner", "manager"),
        }


def register_management_routes(bp: Blueprint) -> None:
    """Bookings for clients, services, masters and permission requests: owner and manager."""
    register_booking_routes(bp)
    bp.add_url_rule("/bookings/new", "booking_new", booking_new, methods=["GET", "POST"])
    bp.add_url_rule("/reassign", "reassign", reassign)
    bp.add_url_rule("/services", "services_list", services_list)
    bp.add_url_rule("/services/new", "service_new", service_edit, methods=["GET", "POST"])
    bp.add_url_rule("/services/<int:service_id>", "service_edit", service_edit, methods=["GET", "POST"])
    bp.add_url_rule("/services/<int:service_id>/deactivate", "service_deactivate", service_deactivate, methods=["POST"])
    bp.add_url_rule("/masters", "masters_list", masters_list)
    bp.add_url_rule("/masters/new", "master_new", master_edit, methods=["GET", "POST"])
    bp.add_url_rule("/masters/<int:master_id>", "master_edit", master_edit, methods=["GET", "POST"])
    bp.add_url_rule("/masters/<int:master_id>/deactivate", "master_deactivate", master_deactivate, methods=["POST"])
    bp.add_url_rule("/requests", "requests_list", requests_list)
    bp.add_url_rule("/requests/<int:request_id>/<decision>", "request_decide", request_decide, methods=["POST"])
