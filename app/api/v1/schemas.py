"""Request and response schemas of API v1 (validation and the OpenAPI document)."""

from __future__ import annotations

from app.api.v1.schema import F, Schema
from app.catalog.models import PERMISSIONS
from app.core.i18n import SUPPORTED

LANG = F(enum=SUPPORTED)
ID = F("integer", required=True)


def list_of(name: str, item: Schema) -> Schema:
    return Schema(
        name,
        {
            "items": F("array", required=True, items=F("object", schema=item)),
            "total": F("integer", required=True, minimum=0),
        },
    )


PAGE = {"limit": F("integer", minimum=1, maximum=200, default=50), "offset": F("integer", minimum=0, default=0)}
Page = Schema("PageQuery", dict(PAGE))

# ---------------------------------------------------------------- shared objects

User = Schema(
    "User",
    {
        "id": ID,
        "email": F(required=True, format="email"),
        "name": F(required=True),
        "role": F(required=True, enum=("super_admin", "owner", "manager", "master", "client")),
        "tenant_id": F("integer", required=True, nullable=True),
        "location_id": F("integer", required=True, nullable=True),
        "language": F(required=True),
        "master_id": F("integer", nullable=True),
        "permissions": F("array", items=F(enum=PERMISSIONS)),
    },
)
ClientOut = Schema(
    "Client", {"id": ID, "name": F(required=True), "phone": F(required=True, nullable=True, format="phone")}
)
Me = Schema(
    "Me",
    {
        "id": ID,
        "name": F(required=True),
        "role": F(required=True),
        "email": F(nullable=True),
        "phone": F(nullable=True),
        "tenant_id": F("integer", nullable=True),
        "location_id": F("integer", nullable=True),
        "language": F(required=True),
        "master_id": F("integer", nullable=True),
        "permissions": F("array", items=F(enum=PERMISSIONS)),
    },
    description="The current staff user, or the client for a client token.",
)
TokenPair = Schema(
    "TokenPair",
    {
        "access_token": F(required=True),
        "refresh_token": F(required=True),
        "token_type": F(required=True, enum=("Bearer",)),
        "expires_in": F("integer", required=True),
        "user": F("object", required=True, schema=User),
    },
)
Ok = Schema("Ok", {"status": F(required=True)})

TenantBrief = Schema(
    "TenantBrief",
    {
        "id": ID,
        "name": F(required=True),
        "subdomain": F(required=True),
        "status": F(required=True, enum=("pending", "active", "rejected", "suspended")),
    },
)
TenantAdmin = Schema(
    "TenantAdmin",
    {
        "id": ID,
        "name": F(required=True),
        "subdomain": F(required=True),
        "status": F(required=True, enum=("pending", "active", "rejected", "suspended")),
        "status_reason": F(nullable=True),
        "email": F(nullable=True),
        "phone": F(nullable=True),
        "currency": F(required=True),
        "timezone": F(required=True),
        "created_at": F(required=True, format="date-time"),
        "approved_at": F(nullable=True, format="date-time"),
        "trial_ends_at": F(nullable=True, format="date-time"),
    },
)
TenantAdminOut = Schema("TenantAdminResult", {"tenant": F("object", required=True, schema=TenantAdmin)})

LocationOut = Schema(
    "Location",
    {
        "id": ID,
        "name": F(required=True),
        "address": F(required=True),
        "phone": F(nullable=True, required=True),
        "timezone": F(required=True),
    },
)
LocationFull = Schema("LocationFull", {**LocationOut.fields, "active": F("boolean", required=True)})

PublicBusiness = Schema(
    "PublicBusiness",
    {
        "id": ID,
        "name": F(required=True),
        "subdomain": F(required=True),
        "description": F(required=True),
        "currency": F(required=True),
        "languages": F("array", required=True, items=F()),
        "locations": F("array", required=True, items=F("object", schema=LocationOut)),
    },
)
ServiceOut = Schema(
    "Service",
    {
        "id": ID,
        "name": F(required=True),
        "description": F(required=True),
        "duration_minutes": F("integer", required=True),
        "price": F(required=True, format="decimal"),
        "currency": F(required=True),
        "location_ids": F("array", required=True, items=F("integer")),
        "buffer_minutes": F("integer"),
        "active": F("boolean"),
    },
)
MasterOut = Schema(
    "Master",
    {
        "id": ID,
        "name": F(required=True),
        "specialization": F(required=True),
        "location_id": F("integer", required=True),
        "service_ids": F("array", required=True, items=F("integer")),
        "email": F(nullable=True),
        "phone": F(nullable=True),
        "active": F("boolean"),
        "permissions": F("array", items=F()),
        "user_id": F("integer", nullable=True),
    },
)
Slot = Schema(
    "Slot",
    {
        "start": F(required=True, format="date-time"),
        "end": F(required=True, format="date-time"),
        "master_id": F("integer", required=True),
    },
)
Availability = Schema(
    "Availability",
    {
        "timezone": F(required=True),
        "service_id": F("integer", required=True),
        "slots": F("array", required=True, items=F("object", schema=Slot)),
    },
)

Ref = Schema("Ref", {"id": ID, "name": F(required=True)})
LocationRef = Schema("LocationRef", {"id": ID, "name": F(required=True), "timezone": F(required=True)})
Booking = Schema(
    "Booking",
    {
        "id": ID,
        "status": F(required=True, enum=("pending", "confirmed", "cancelled", "completed", "no_show")),
        "start": F(required=True, format="date-time"),
        "end": F(required=True, format="date-time"),
        "service": F("object", required=True, schema=Ref),
        "master": F("object", required=True, schema=Ref),
        "location": F("object", required=True, schema=LocationRef),
        "client": F("object", required=True, schema=ClientOut),
        "price": F(required=True, format="decimal"),
        "currency": F(required=True),
        "notes": F(required=True),
        "created_at": F(required=True, format="date-time"),
    },
)
BookingResult = Schema("BookingResult", {"booking": F("object", required=True, schema=Booking)})

Weekly = Schema(
    "Weekly",
    {
        d: F(
            "array",
            required=True,
            items=F(
                "object",
                schema=Schema(
                    "Interval", {"start": F(required=True, format="time"), "end": F(required=True, format="time")}
                ),
            ),
        )
        for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    },
)
ScheduleOut = Schema("Schedule", {"weekly": F("object", required=True, schema=Weekly)})
TimeOffOut = Schema(
    "TimeOff",
    {
        "id": ID,
        "start": F(required=True, format="date-time"),
        "end": F(required=True, format="date-time"),
        "reason": F(required=True),
    },
)
PermissionRequestOut = Schema(
    "PermissionRequest",
    {
        "id": ID,
        "master_id": F("integer", required=True),
        "master_name": F(),
        "permission": F(required=True, enum=PERMISSIONS),
        "reason": F(required=True),
        "status": F(required=True, enum=("pending", "approved", "denied")),
        "created_at": F(required=True, format="date-time"),
        "decided_at": F(nullable=True, format="date-time"),
    },
)
BusinessOut = Schema(
    "Business",
    {
        "id": ID,
        "name": F(required=True),
        "subdomain": F(required=True),
        "description": F(required=True),
        "status": F(required=True),
        "currency": F(required=True),
        "languages": F("array", required=True, items=F()),
        "default_language": F(required=True),
        "timezone": F(required=True),
        "min_notice_minutes": F("integer", required=True),
        "horizon_days": F("integer", required=True),
        "cancellation_window_minutes": F("integer", required=True),
        "slot_step_minutes": F("integer", required=True),
        "require_confirmation": F("boolean", required=True),
        "trial_ends_at": F(nullable=True, format="date-time"),
    },
)
Statistics = Schema(
    "Statistics",
    {
        "tenants": F(
            "object",
            required=True,
            schema=Schema(
                "TenantCounts",
                {k: F("integer", required=True) for k in ("total", "pending", "active", "rejected", "suspended")},
            ),
        ),
        "bookings": F(
            "object",
            required=True,
            schema=Schema(
                "BookingCounts", {"total": F("integer", required=True), "last_30_days": F("integer", required=True)}
            ),
        ),
        "users": F("object", required=True, schema=Schema("UserCounts", {"total": F("integer", required=True)})),
    },
)
RegisterOut = Schema(
    "Registered",
    {"tenant": F("object", required=True, schema=TenantBrief), "user": F("object", required=True, schema=User)},
)
VerifyOut = Schema(
    "VerifyResult",
    {
        "status": F(enum=("code_sent",)),
        "client_token": F(),
        "expires_in": F("integer"),
        "client": F("object", schema=ClientOut),
    },
    description="202 {status: code_sent} after step 1; 200 {client_token, expires_in, client} after step 2.",
)
DeactivatedMaster = Schema(
    "DeactivatedMaster",
    {
        "master": F("object", required=True, schema=MasterOut),
        "bookings_to_reassign": F("array", required=True, items=F("object", schema=Booking)),
    },
)

# ---------------------------------------------------------------- request bodies

RegisterIn = Schema(
    "RegisterBody",
    {
        "business_name": F(required=True, max_length=200),
        "subdomain": F(required=True, min_length=3, max_length=63),
        "owner_name": F(required=True, max_length=200),
        "email": F(required=True, max_length=254),
        "password": F(required=True, format="password", max_length=200),
        "phone": F(max_length=30),
        "language": LANG,
        "timezone": F(max_length=64),
        "currency": F(max_length=3),
        "description": F(max_length=2000),
        "address": F(max_length=500),
    },
)
LoginIn = Schema(
    "LoginBody",
    {"email": F(required=True, max_length=254), "password": F(required=True, format="password", max_length=200)},
)
RefreshIn = Schema("RefreshBody", {"refresh_token": F(required=True, max_length=200)})
LogoutIn = Schema("LogoutBody", {"refresh_token": F(max_length=200)})
PasswordResetIn = Schema("PasswordResetBody", {"email": F(required=True, max_length=254)})
PasswordResetConfirmIn = Schema(
    "PasswordResetConfirmBody",
    {"token": F(required=True, max_length=500), "password": F(required=True, format="password", max_length=200)},
)
PasswordChangeIn = Schema(
    "PasswordChangeBody",
    {
        "old_password": F(required=True, format="password", max_length=200),
        "new_password": F(required=True, format="password", max_length=200),
    },
)

VerifyIn = Schema(
    "VerifyBody",
    {
        "subdomain": F(required=True, max_length=63),
        "phone": F(required=True, max_length=30),
        "code": F(max_length=12, description="Omit to get a code by SMS; send it to finish."),
        "name": F(max_length=200),
        "language": LANG,
    },
)
PublicBookingIn = Schema(
    "PublicBookingBody",
    {
        "subdomain": F(required=True, max_length=63),
        "service_id": ID,
        "master_id": ID,
        "start": F(required=True, format="date-time"),
        "notes": F(max_length=2000),
    },
)
ClientIn = Schema("ClientBody", {"name": F(max_length=200), "phone": F(required=True, format="phone")})
BookingIn = Schema(
    "BookingBody",
    {
        "service_id": ID,
        "master_id": ID,
        "start": F(required=True, format="date-time"),
        "client": F("object", schema=ClientIn, description="Required for staff; ignored for a client token."),
        "notes": F(max_length=2000),
    },
)
BookingUpdateIn = Schema(
    "BookingUpdateBody",
    {
        "start": F(format="date-time"),
        "master_id": F("integer"),
        "service_id": F("integer"),
        "notes": F(max_length=2000),
    },
)
CancelIn = Schema("CancelBody", {"reason": F(max_length=500)})

ServiceIn = Schema(
    "ServiceBody",
    {
        "name": F(required=True, max_length=200),
        "description": F(max_length=2000),
        "duration_minutes": F("integer", required=True, minimum=5, maximum=720),
        "price": F(required=True, format="decimal"),
        "buffer_minutes": F("integer", minimum=0, maximum=240),
        "location_ids": F("array", items=F("integer")),
        "active": F("boolean"),
    },
)
MasterIn = Schema(
    "MasterBody",
    {
        "name": F(required=True, max_length=200),
        "email": F(max_length=254, nullable=True),
        "password": F(format="password", max_length=200),
        "phone": F(max_length=30, nullable=True),
        "specialization": F(max_length=200),
        "location_id": F("integer"),
        "service_ids": F("array", items=F("integer")),
        "active": F("boolean"),
        "permissions": F("array", items=F(enum=PERMISSIONS), description="Granted permissions (owner/manager)."),
    },
)
WeeklyIn = Schema(
    "WeeklyBody",
    {
        d: F(
            "array",
            items=F(
                "object",
                schema=Schema(
                    "IntervalBody", {"start": F(required=True, format="time"), "end": F(required=True, format="time")}
                ),
            ),
        )
        for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    },
    description="Missing weekdays are days off.",
)
ScheduleIn = Schema("ScheduleBody", {"weekly": F("object", required=True, schema=WeeklyIn)})
TimeOffIn = Schema(
    "TimeOffBody",
    {
        "start": F(required=True, format="date-time"),
        "end": F(required=True, format="date-time"),
        "reason": F(max_length=200),
    },
)
LocationIn = Schema(
    "LocationBody",
    {
        "name": F(required=True, max_length=200),
        "address": F(max_length=500),
        "phone": F(max_length=30, nullable=True),
        "timezone": F(max_length=64),
        "active": F("boolean"),
    },
)
ManagerIn = Schema(
    "ManagerBody",
    {
        "name": F(required=True, max_length=200),
        "email": F(required=True, max_length=254),
        "password": F(
            format="password", max_length=200, description="Omit to email an invitation (a link to set the password)."
        ),
        "location_id": ID,
        "language": LANG,
        "phone": F(max_length=30),
    },
)
PermissionRequestIn = Schema(
    "PermissionRequestBody", {"permission": F(required=True, enum=PERMISSIONS), "reason": F(max_length=1000)}
)
BusinessIn = Schema(
    "BusinessBody",
    {
        "name": F(max_length=200),
        "description": F(max_length=5000),
        "currency": F(max_length=3),
        "languages": F("array", items=F(enum=SUPPORTED), min_items=1),
        "default_language": LANG,
        "min_notice_minutes": F("integer"),
        "horizon_days": F("integer"),
        "cancellation_window_minutes": F("integer"),
        "slot_step_minutes": F("integer"),
        "require_confirmation": F("boolean"),
    },
)
RejectIn = Schema("RejectBody", {"reason": F(required=True, max_length=2000)})
SuspendIn = Schema("SuspendBody", {"reason": F(max_length=2000)})

# ---------------------------------------------------------------- query strings

ServicesQuery = Schema("PublicServicesQuery", {"location_id": F("integer")})
MastersQuery = Schema("PublicMastersQuery", {"location_id": F("integer"), "service_id": F("integer")})
AvailabilityQuery = Schema(
    "AvailabilityQuery",
    {
        "service_id": ID,
        "date": F(required=True, format="date"),
        "master_id": F("integer"),
        "location_id": F("integer"),
        "days": F("integer", minimum=1, maximum=31, default=1),
    },
)
BookingsQuery = Schema(
    "BookingsQuery",
    {
        **PAGE,
        "from": F(format="date-time", description="Start at or after this instant (or a date)."),
        "to": F(format="date-time", description="Start before this instant."),
        "status": F(enum=("pending", "confirmed", "cancelled", "completed", "no_show")),
        "location_id": F("integer"),
        "master_id": F("integer"),
    },
)
StaffListQuery = Schema(
    "StaffListQuery", {**PAGE, "location_id": F("integer"), "include_inactive": F("boolean", default=False)}
)
PermissionRequestsQuery = Schema(
    "PermissionRequestsQuery", {**PAGE, "status": F(enum=("pending", "approved", "denied"))}
)
TenantsQuery = Schema(
    "TenantsQuery",
    {
        **PAGE,
        "status": F(enum=("pending", "active", "rejected", "suspended"), default="pending"),
        "search": F(max_length=100),
    },
)

# list responses
ServiceList = list_of("ServiceList", ServiceOut)
MasterList = list_of("MasterList", MasterOut)
BookingList = list_of("BookingList", Booking)
LocationList = list_of("LocationList", LocationFull)
TimeOffList = list_of("TimeOffList", TimeOffOut)
PermissionRequestList = list_of("PermissionRequestList", PermissionRequestOut)
TenantList = list_of("TenantList", TenantAdmin)
ServiceResult = Schema("ServiceResult", {"service": F("object", required=True, schema=ServiceOut)})
MasterResult = Schema("MasterResult", {"master": F("object", required=True, schema=MasterOut)})
LocationResult = Schema("LocationResult", {"location": F("object", required=True, schema=LocationFull)})
TimeOffResult = Schema("TimeOffResult", {"time_off": F("object", required=True, schema=TimeOffOut)})
PermissionRequestResult = Schema(
    "PermissionRequestResult", {"permission_request": F("object", required=True, schema=PermissionRequestOut)}
)
UserResult = Schema("UserResult", {"user": F("object", required=True, schema=User)})
