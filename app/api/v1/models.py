"""Request and response models of API v1 (pydantic): validation and the OpenAPI document.

Request fields take their limits from the domain rules (``app.*.rules``) through
:func:`app.api.v1.types.ruled`; response models only describe what the serializers return.
Request models ignore unknown fields (forward compatible) and are strict about JSON types.
A field with the default ``OMIT`` is optional and, unless typed ``X | None``, may not be null.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

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
from app.core.fields import Rule, RuleError
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


# ---------------------------------------------------------------- request bodies

# ---------------------------------------------------------------- texts in several languages (bodies)

_UNKNOWN_LANGUAGE = _l("Use the language codes en, ru or kk.")


def _no_versions(field: str):
    return _l("“%(field)s” has no versions in other languages.", field=field)


class _VersionsBody(Body):
    """``translations`` of a body: language code -> that language's texts."""

    model_config = ConfigDict(strict=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _known_languages(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(key not in cls.model_fields for key in data):
            raise RuleError(_UNKNOWN_LANGUAGE)
        return data


class _VersionBody(Body):
    """One language's texts; only the fields that have versions."""

    model_config = ConfigDict(strict=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _known_fields(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in data:
                if key not in cls.model_fields:
                    raise RuleError(_no_versions(str(key)[:50]))
        return data


def version_rule(rule: Rule) -> Rule:
    """A field's rule for one language's version: the same limits, and empty allowed (an empty
    text removes that language's version; the business's default language still needs its
    required texts, which the domain service checks: it knows the default language)."""
    return replace(rule, required=False)


def _versions_in(name: str, rules: dict[str, Rule]) -> type[Body]:
    version = create_model(
        f"{name}VersionBody",
        __base__=_VersionBody,
        __doc__="One language's texts, with the same limits as the fields themselves. An empty text removes "
        "this language's version (not for the business's default language).",
        **{f: (ruled(version_rule(r)), OMIT) for f, r in rules.items()},
    )
    return create_model(
        f"{name}VersionsBody",
        __base__=_VersionsBody,
        __doc__="Texts by language code. A language left out keeps its texts; the default language's "
        "texts replace the top-level fields.",
        **dict.fromkeys(SUPPORTED, (version, OMIT)),
    )


BusinessVersionsBody = _versions_in("Business", tr.BUSINESS_TEXTS)
LocationVersionsBody = _versions_in("Location", tr.LOCATION_TEXTS)
ServiceVersionsBody = _versions_in("Service", cr.SERVICE_TEXTS)
MasterVersionsBody = _versions_in("Master", cr.MASTER_TEXTS)

_TRANSLATIONS_IN = (
    "Texts in other languages (and the default language's, which replace the top-level fields), "
    'e.g. {"kk": {"name": "..."}}. Errors name the field as translations.<language>.<field>.'
)


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
    translations: ServiceVersionsBody = Field(default=None, description=_TRANSLATIONS_IN)


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
    translations: MasterVersionsBody = Field(default=None, description=_TRANSLATIONS_IN)


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
    translations: LocationVersionsBody = Field(default=None, description=_TRANSLATIONS_IN)


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
    translations: BusinessVersionsBody = Field(default=None, description=_TRANSLATIONS_IN)


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
