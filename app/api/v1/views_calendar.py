"""The booking calendar: which days of a month have a free time (public)."""

from __future__ import annotations

from app.api.v1 import models as s
from app.api.v1.caching import http_cache
from app.api.v1.common import public_tenant, scope
from app.api.v1.registry import api
from app.api.v1.types import Date, checked
from app.core.errors import ValidationError
from app.core.fields import RuleError
from app.scheduling.calendar import free_days, parse_month


def _month(value: str):
    try:
        return parse_month(value)
    except ValidationError as exc:
        raise RuleError(exc.details["month"][0]) from None


Month = checked("str", _month, {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$", "examples": ["2026-12"]})


class FreeDaysQuery(s.Query):
    service_id: s.QId
    month: Month
    master_id: s.QId = s.OMIT
    location_id: s.QId = s.OMIT


class FreeDays(s.Out):
    timezone: str
    service_id: int
    month: str
    window_first: Date
    window_last: Date
    days: list[Date]


@api(
    "/public/business/<subdomain>/availability/days",
    "GET",
    summary="Days of a month with a free time",
    tag="Public",
    query=FreeDaysQuery,
    response=FreeDays,
    errors=(403, 422),
    description=(
        "The dates of `month` (`YYYY-MM`) on which the service has at least one bookable slot "
        "(with `master_id`: that master's; with `location_id`: at that location), in the location's "
        "zone. `window_first`..`window_last` is the booking window (today .. today + the business's "
        "horizon); a month wholly outside it answers `422 validation_error` on `month`."
    ),
)
@http_cache("availability")
def public_free_days(subdomain: str, query: dict):
    tenant = public_tenant(subdomain)
    with scope(tenant):
        md = free_days(
            tenant,
            service_id=query["service_id"],
            month=query["month"],
            master_id=query.get("master_id"),
            location_id=query.get("location_id"),
            require_in_window=True,
            cached=False,  # @http_cache keeps the whole answer
        )
    return {
        "timezone": md.timezone,
        "service_id": int(query["service_id"]),
        "month": md.month.strftime("%Y-%m"),
        "window_first": md.window_first.isoformat(),
        "window_last": md.window_last.isoformat(),
        "days": [d.isoformat() for d in md.free],
    }
