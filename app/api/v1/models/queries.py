"""Query strings: values arrive as strings and are converted to the declared types."""

from __future__ import annotations

from pydantic import Field

from app.api.v1.models.base import (
    OMIT,
    Query,
)
from app.api.v1.types import (
    Date,
    Instant,
    ruled,
)
from app.bookings.models import BOOKING_STATUSES
from app.core.fields import Rule

# ---------------------------------------------------------------- query strings

LIMIT = Rule("api.limit", kind="int", ge=1, le=200)
OFFSET = Rule("api.offset", kind="int", ge=0, le=10**9)
DAYS = Rule("scheduling.availability_days", kind="int", ge=1, le=31)
QId = ruled(Rule("api.query_id", kind="int", ge=1, le=2**63 - 1), lax=True)


class PageQuery(Query):
    limit: ruled(LIMIT, lax=True) = 50
    offset: ruled(OFFSET, lax=True) = 0


TRANSLATIONS = Rule(
    "api.translations",
    choices=("all",),
    description="all: every object also carries translations, its texts in every language the business "
    "wrote (its default language always). Without it the texts are in the request's language "
    "(Accept-Language or ?lang=), else in the business's default language.",
)


class TranslationsQuery(Query):
    translations: ruled(TRANSLATIONS) = OMIT


class PublicServicesQuery(PageQuery, TranslationsQuery):
    location_id: QId = OMIT


class PublicMastersQuery(PageQuery, TranslationsQuery):
    location_id: QId = OMIT
    service_id: QId = OMIT


class AvailabilityQuery(Query):
    service_id: QId
    date: Date
    master_id: QId = OMIT
    location_id: QId = OMIT
    days: ruled(DAYS, lax=True) = 1


class BookingsQuery(PageQuery):
    from_: Instant = Field(default=None, alias="from", description="Start at or after this instant.")
    to: Instant = Field(default=None, description="Start before this instant.")
    status: ruled(Rule("booking.status", choices=tuple(BOOKING_STATUSES))) = OMIT
    location_id: QId = OMIT
    master_id: QId = OMIT


class StaffListQuery(PageQuery, TranslationsQuery):
    location_id: QId = OMIT
    include_inactive: bool = False


class PermissionRequestsQuery(PageQuery):
    status: ruled(Rule("catalog.request_status", choices=("pending", "approved", "denied"))) = OMIT


class TenantsQuery(PageQuery):
    status: ruled(Rule("tenant.status", choices=("pending", "active", "rejected", "suspended"))) = "pending"
    search: ruled(Rule("tenant.search", max_length=100)) = OMIT
