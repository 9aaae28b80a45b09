"""Response models: what the serializers return (documentation of the answers)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, create_model

from app.api.v1.models.base import (
    OMIT,
    BookingStatus,
    Language,
    Out,
    Permission,
    RequestStatus,
    Role,
    TenantStatus,
)
from app.api.v1.types import (
    OutInstant,
    Phone,
    Price,
)
from app.core.i18n import SUPPORTED

# ---------------------------------------------------------------- responses

# ---------------------------------------------------------------- texts in several languages
#
# A business writes its names, descriptions and addresses in its default language and, if it
# likes, in the other languages (``app.core.translations``).  Reads give each text in the
# caller's language (``Accept-Language`` or ``?lang=``), else in the default language;
# ``?translations=all`` adds ``translations``: every version, by language.  Writes take
# ``translations`` in the same shape; each language's field has the base field's limits.


def _versions_out(name: str, fields: tuple[str, ...]) -> type[Out]:
    """``{"en": {...}, "ru": {...}, "kk": {...}}`` of a response: the languages written."""
    version = create_model(
        f"{name}Version",
        __base__=Out,
        __doc__=f"The {name.lower()}'s texts in one language.",
        **dict.fromkeys(fields, (str, ...)),
    )
    return create_model(
        f"{name}Versions",
        __base__=Out,
        __doc__="Every language the business wrote (its default language always): language code -> texts.",
        **dict.fromkeys(SUPPORTED, (version, OMIT)),
    )


BusinessVersions = _versions_out("Business", ("name", "description"))
LocationVersions = _versions_out("Location", ("name", "address"))
ServiceVersions = _versions_out("Service", ("name", "description"))
MasterVersions = _versions_out("Master", ("name", "specialization"))

_TRANSLATIONS_OUT = "Every version by language: with ?translations=all, and in the answers of creates and updates."


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
    translations: LocationVersions = Field(default=None, description=_TRANSLATIONS_OUT)


class LocationFull(Location):
    active: bool


class PublicBusiness(Out):
    id: int
    name: str
    subdomain: str
    description: str
    currency: str
    languages: list[str]
    default_language: Language = Field(
        default=None, description="The language of the business's own texts: what a reader of another gets."
    )
    locations: list[Location]
    translations: BusinessVersions = Field(default=None, description=_TRANSLATIONS_OUT)


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
    translations: ServiceVersions = Field(default=None, description=_TRANSLATIONS_OUT)


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
    translations: MasterVersions = Field(default=None, description=_TRANSLATIONS_OUT)


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
    address: str = OMIT


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
    translations: BusinessVersions = Field(default=None, description=_TRANSLATIONS_OUT)


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
