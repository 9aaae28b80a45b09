"""Import every model so metadata (and Alembic) sees the whole schema."""

from app.accounts.models import Client, ClientNote, ClientSession, ClientVerification, RefreshToken, User, UserSession
from app.analytics.models import DailyServiceStat, DailyStat, SystemCheck
from app.audit.models import AuditLog
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
    "Location",
    "Master",
    "MasterService",
    "Notification",
    "PermissionRequest",
    "RefreshToken",
    "ScheduleOverride",
    "Service",
    "ServiceLocation",
    "SystemCheck",
    "Tenant",
    "TimeOff",
    "User",
    "UserSession",
    "WorkingHours",
]
