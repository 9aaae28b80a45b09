"""Request and response models of API v1 (pydantic): validation and the OpenAPI document.

Request fields take their limits from the domain rules (``app.*.rules``) through
:func:`app.api.v1.types.ruled`; response models only describe what the serializers return.
Request models ignore unknown fields (forward compatible) and are strict about JSON types.
A field with the default ``OMIT`` is optional and, unless typed ``X | None``, may not be null.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.accounts import rules as ar
from app.api.v1.types import (
    Date,
    Flag,
    Id,
    Instant,
    OutInstant,
    Phone,
    Price,
    WallTime,
    ruled,
)
from app.bookings import rules as br
from app.bookings.models import BOOKING_STATUSES
from app.catalog import rules as cr
from app.catalog.models import PERMISSIONS
from app.core.fields import Rule
from app.core.i18n import SUPPORTED
from app.scheduling import rules as sr
from app.tenants import rules as tr

OMIT: Any = None  # optional request field (absent -> not in the validated data)

Role = Literal["super_admin", "owner", "manager", "master", "client"]
TenantStatus = Literal["pending", "active", "rejected", "suspended"]
BookingStatus = Literal["pending", "confirmed", "cancelled", "completed", "no_show"]
RequestStatus = Literal["pending", "approved", "denied"]
Permission = Literal[PERMISSIONS]  # type: ignore[valid-type]
Language = Literal[SUPPORTED]  # type: ignore[valid-type]


class Out(BaseModel):
    """A response object (documentation; the serializers build the JSON)."""

    model_config = ConfigDict(extra="allow")


class Body(BaseModel):
    """A JSON request body: strict JSON types, unknown fields ignored."""

    model_config = ConfigDict(strict=True, extra="ignore")


class Query(BaseModel):
    """A query string: values are strings, converted to the declared types."""

    model_config = ConfigDict(extra="ignore")


# ---------------------------------------------------------------- responses


class User(Out):
    id: int
    email: str = Field(json_schema_extra={"format": "email"})
    name: str
    role: Role
    tenant_id: int | None
    location_id: int | None
    language: str
    master_id: int | None = None
    permissions: list[Permission] = OMIT


class Client(Out):
    id: int
    name: str
    phone: Phone | None


class Me(Out):
    """The current staff user, or the client for a client token."""

    id: int
    name: str
    role: Role
    email: str | None = None
    phone: str | None = None
    tenant_id: int | None = None
    location_id: int | None = None
    language: str
    master_id: int | None = None
    permissions: list[Permission] = OMIT


class TokenPair(Out):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="Seconds until the access token expires.")
    user: User


class Ok(Out):
    status: str


class TenantBrief(Out):
    id: int
    name: str
    subdomain: str
    status: TenantStatus


class TenantAdmin(TenantBrief):
    status_reason: str | None = None
    email: str | None = None
    phone: str | None = None
    currency: str
    timezone: str
    created_at: OutInstant
    approved_at: OutInstant | None = None
    trial_ends_at: OutInstant | None = None


class TenantAdminResult(Out):
    tenant: TenantAdmin


class Location(Out):
    id: int
    name: str
    address: str
    phone: Phone | None
    timezone: str


class LocationFull(Location):
    active: bool


class PublicBusiness(Out):
    id: int
    name: str
    subdomain: str
    description: str
    currency: str
    languages: list[str]
    locations: list[Location]


class Service(Out):
    id: int
    name: str
    description: str
    duration_minutes: int
    price: Price
    currency: str
    location_ids: list[int]
    buffer_minutes: int = OMIT
    active: bool = OMIT


class Master(Out):
    id: int
    name: str
    specialization: str
    location_id: int
    service_ids: list[int]
    email: str | None = None
    phone: str | None = None
    active: bool = OMIT
    permissions: list[str] = OMIT
    user_id: int | None = None


class Slot(Out):
    start: OutInstant
    end: OutInstant
    master_id: int


class Availability(Out):
    timezone: str
    service_id: int
    slots: list[Slot]


class Ref(Out):
    id: int
    name: str


class LocationRef(Ref):
    timezone: str


class Booking(Out):
    id: int
    status: BookingStatus
    start: OutInstant
    end: OutInstant
    service: Ref
    master: Ref
    location: LocationRef
    client: Client
    price: Price
    currency: str
    notes: str
    created_at: OutInstant


class BookingResult(Out):
    booking: Booking


class Interval(Out):
    start: str = Field(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")
    end: str = Field(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")


class Weekly(Out):
    mon: list[Interval]
    tue: list[Interval]
    wed: list[Interval]
    thu: list[Interval]
    fri: list[Interval]
    sat: list[Interval]
    sun: list[Interval]


class Schedule(Out):
    weekly: Weekly


class TimeOff(Out):
    id: int
    start: OutInstant
    end: OutInstant
    reason: str


class PermissionRequest(Out):
    id: int
    master_id: int
    master_name: str = OMIT
    permission: Permission
    reason: str
    status: RequestStatus
    created_at: OutInstant
    decided_at: OutInstant | None = None


class Business(Out):
    id: int
    name: str
    subdomain: str
    description: str
    status: TenantStatus
    currency: str
    languages: list[str]
    default_language: str
    timezone: str
    min_notice_minutes: int
    horizon_days: int
    cancellation_window_minutes: int
    slot_step_minutes: int
    require_confirmation: bool
    trial_ends_at: OutInstant | None = None


class TenantCounts(Out):
    total: int
    pending: int
    active: int
    rejected: int
    suspended: int


class BookingCounts(Out):
    total: int
    last_30_days: int


class UserCounts(Out):
    total: int


class Statistics(Out):
    tenants: TenantCounts
    bookings: BookingCounts
    users: UserCounts


class Registered(Out):
    tenant: TenantBrief
    user: User


class VerifyResult(Out):
    """202 {status: code_sent} after step 1; 200 {client_token, expires_in, client} after step 2."""

    status: Literal["code_sent"] = OMIT
    client_token: str = OMIT
    expires_in: int = OMIT
    client: Client = OMIT


class DeactivatedMaster(Out):
    master: Master
    bookings_to_reassign: list[Booking]


def _list(name: str, item: type[Out]) -> type[Out]:
    from pydantic import create_model

    return create_model(name, __base__=Out, items=(list[item], ...), total=(int, Field(ge=0)))


ServiceList = _list("ServiceList", Service)
MasterList = _list("MasterList", Master)
BookingList = _list("BookingList", Booking)
LocationList = _list("LocationList", LocationFull)
TimeOffList = _list("TimeOffList", TimeOff)
PermissionRequestList = _list("PermissionRequestList", PermissionRequest)
TenantList = _list("TenantList", TenantAdmin)


class ServiceResult(Out):
    service: Service


class MasterResult(Out):
    master: Master


class LocationResult(Out):
    location: LocationFull


class TimeOffResult(Out):
    time_off: TimeOff


class PermissionRequestResult(Out):
    permission_request: PermissionRequest


class UserResult(Out):
    user: User


# ---------------------------------------------------------------- request bodies

Email = ruled(ar.EMAIL)
Password = ruled(ar.PASSWORD)
Lang = ruled(ar.LANGUAGE)
PhoneIn = ruled(ar.PHONE)
Subdomain = ruled(tr.SUBDOMAIN)
Token = ruled(Rule("account.token", required=True, max_length=500))
#: Login and "current password" take what was once accepted: no minimum, bounded length.
AnyPassword = ruled(ar.CURRENT_PASSWORD)
SubdomainRef = ruled(Rule("tenant.subdomain_ref", required=True, max_length=63))


class RegisterBody(Body):
    business_name: ruled(tr.BUSINESS_NAME)
    subdomain: Subdomain
    owner_name: ruled(ar.PERSON_NAME)
    email: Email
    password: Password
    phone: PhoneIn = OMIT
    language: Lang = OMIT
    timezone: ruled(tr.TIMEZONE) = OMIT
    currency: ruled(tr.CURRENCY) = OMIT
    description: ruled(tr.DESCRIPTION) = OMIT
    address: ruled(tr.ADDRESS) = OMIT


class LoginBody(Body):
    email: ruled(ar.LOGIN_EMAIL)
    password: AnyPassword


class RefreshBody(Body):
    refresh_token: Token


class LogoutBody(Body):
    refresh_token: Token = OMIT


class PasswordResetBody(Body):
    email: ruled(ar.RESET_EMAIL)


class PasswordResetConfirmBody(Body):
    token: Token
    password: Password


class PasswordChangeBody(Body):
    old_password: AnyPassword
    new_password: Password


class VerifyBody(Body):
    subdomain: SubdomainRef
    phone: ruled(ar.REQUIRED_PHONE)
    code: ruled(ar.SMS_CODE) = Field(default=None, description="Omit to get a code by SMS; send it to finish.")
    name: ruled(ar.CLIENT_NAME) = OMIT
    language: Lang = OMIT


class PublicBookingBody(Body):
    subdomain: SubdomainRef
    service_id: Id
    master_id: Id
    start: Instant
    notes: ruled(br.NOTES) = OMIT


class ClientBody(Body):
    name: ruled(ar.CLIENT_NAME) = OMIT
    phone: ruled(ar.REQUIRED_PHONE)


class BookingBody(Body):
    service_id: Id
    master_id: Id
    start: Instant
    client: ClientBody = Field(default=None, description="Required for staff; ignored for a client token.")
    notes: ruled(br.NOTES) = OMIT


class BookingUpdateBody(Body):
    start: Instant = OMIT
    master_id: Id = OMIT
    service_id: Id = OMIT
    notes: ruled(br.NOTES) = OMIT


class CancelBody(Body):
    reason: ruled(br.CANCEL_REASON) = OMIT


class ServiceBody(Body):
    name: ruled(cr.NAME)
    description: ruled(cr.SERVICE_DESCRIPTION) = OMIT
    duration_minutes: ruled(cr.DURATION_MINUTES)
    price: ruled(cr.PRICE)
    buffer_minutes: ruled(cr.BUFFER_MINUTES) = OMIT
    location_ids: list[Id] = Field(default=None, max_length=1000)
    active: Flag = OMIT


class MasterBody(Body):
    name: ruled(cr.NAME)
    email: ruled(ar.OPTIONAL_EMAIL, nullable=True) = OMIT
    password: Password = OMIT
    phone: ruled(ar.PHONE, nullable=True) = OMIT
    specialization: ruled(cr.SPECIALIZATION) = OMIT
    location_id: Id = OMIT
    service_ids: list[Id] = Field(default=None, max_length=1000)
    active: Flag = OMIT
    permissions: list[ruled(Rule("catalog.permission", choices=PERMISSIONS))] = Field(
        default=None, description="Granted permissions (owner/manager)."
    )


class IntervalBody(Body):
    start: WallTime
    end: WallTime


class WeeklyBody(Body):
    """Missing weekdays are days off."""

    mon: list[IntervalBody] = Field(default=None, max_length=48)
    tue: list[IntervalBody] = Field(default=None, max_length=48)
    wed: list[IntervalBody] = Field(default=None, max_length=48)
    thu: list[IntervalBody] = Field(default=None, max_length=48)
    fri: list[IntervalBody] = Field(default=None, max_length=48)
    sat: list[IntervalBody] = Field(default=None, max_length=48)
    sun: list[IntervalBody] = Field(default=None, max_length=48)


class ScheduleBody(Body):
    weekly: WeeklyBody


class TimeOffBody(Body):
    start: Instant
    end: Instant
    reason: ruled(sr.TIME_OFF_REASON) = OMIT


class LocationBody(Body):
    name: ruled(tr.LOCATION_NAME)
    address: ruled(tr.ADDRESS) = OMIT
    phone: ruled(ar.PHONE, nullable=True) = OMIT
    timezone: ruled(tr.TIMEZONE) = OMIT
    active: Flag = OMIT


class ManagerBody(Body):
    name: ruled(ar.PERSON_NAME)
    email: Email
    password: Password = Field(default=None, description="Omit to email an invitation (a link to set the password).")
    location_id: Id
    language: Lang = OMIT
    phone: PhoneIn = OMIT


class PermissionRequestBody(Body):
    permission: ruled(Rule("catalog.requested_permission", required=True, choices=PERMISSIONS))
    reason: ruled(cr.PERMISSION_REASON) = OMIT


class BusinessBody(Body):
    name: ruled(tr.BUSINESS_NAME) = OMIT
    description: ruled(tr.DESCRIPTION) = OMIT
    currency: ruled(tr.CURRENCY) = OMIT
    languages: list[Lang] = Field(default=None, min_length=1, max_length=len(SUPPORTED))
    default_language: Lang = OMIT
    min_notice_minutes: ruled(tr.MIN_NOTICE_MINUTES) = OMIT
    horizon_days: ruled(tr.HORIZON_DAYS) = OMIT
    cancellation_window_minutes: ruled(tr.CANCELLATION_WINDOW_MINUTES) = OMIT
    slot_step_minutes: ruled(tr.SLOT_STEP_MINUTES) = OMIT
    require_confirmation: Flag = OMIT


class RejectBody(Body):
    reason: ruled(tr.REJECT_REASON)


class SuspendBody(Body):
    reason: ruled(tr.SUSPEND_REASON) = OMIT


# ---------------------------------------------------------------- query strings

LIMIT = Rule("api.limit", kind="int", ge=1, le=200)
OFFSET = Rule("api.offset", kind="int", ge=0, le=10**9)
DAYS = Rule("scheduling.availability_days", kind="int", ge=1, le=31)
QId = ruled(Rule("api.query_id", kind="int", ge=1, le=2**63 - 1), lax=True)


class PageQuery(Query):
    limit: ruled(LIMIT, lax=True) = 50
    offset: ruled(OFFSET, lax=True) = 0


class PublicServicesQuery(PageQuery):
    location_id: QId = OMIT


class PublicMastersQuery(PageQuery):
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


class StaffListQuery(PageQuery):
    location_id: QId = OMIT
    include_inactive: bool = False


class PermissionRequestsQuery(PageQuery):
    status: ruled(Rule("catalog.request_status", choices=("pending", "approved", "denied"))) = OMIT


class TenantsQuery(PageQuery):
    status: ruled(Rule("tenant.status", choices=("pending", "active", "rejected", "suspended"))) = "pending"
    search: ruled(Rule("tenant.search", max_length=100)) = OMIT
