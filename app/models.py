"""Import every model so metadata (and Alembic) sees the whole schema."""

from app.accounts.models import Client, ClientNote, ClientSession, ClientVerification, RefreshToken, User, UserSession
from app.analytics.models import DailyServiceStat, DailyStat, SystemCheck
from app.audit.models import AuditLog
from app.billing.models import Invoice, Plan, Subscription
from app.bookings.models import Booking, IdempotencyKey
from app.catalog.models import Master, MasterService, PermissionRequest, Service, ServiceLocation
from app.notifications.models import Notification
from app.scheduling.models import ScheduleOverride, TimeOff, WorkingHours
from app.tenants.models import Location, Tenant

__all__ = [
    "AuditLog",
    "Booking",
    "Client",
    "ClientNote",
    "ClientSession",
    "ClientVerification",
    "DailyServiceStat",
    "DailyStat",
    "IdempotencyKey",
    "Invoice",
    "Location",
    "Master",
    "MasterService",
    "Notification",
    "PermissionRequest",
    "Plan",
    "RefreshToken",
    "ScheduleOverride",
    "Service",
    "ServiceLocation",
    "Subscription",
    "SystemCheck",
    "Tenant",
    "TimeOff",
    "User",
    "UserSession",
    "WorkingHours",
]
