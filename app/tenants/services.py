"""Tenants: registration, approval lifecycle, trial, locations and business settings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.audit.services import Actor, record, snapshot
from app.core.auth import ROLE_OWNER, hash_password
from app.core.errors import EmailTaken, InvalidTransition, SubdomainTaken, ValidationError
from app.core.hosts import RESERVED_SUBDOMAINS
from app.core.i18n import SUPPORTED
from app.core.integrity import violates_unique
from app.core.phones import normalize_phone
from app.core.tenancy import tenant_scope
from app.core.types import utcnow
from app.core.validation import SUBDOMAIN_RE, is_valid_currency, is_valid_email, is_valid_timezone
from app.extensions import db
from app.tenants.models import Location, Tenant

SETTINGS_FIELDS = (
    "name",
    "description",
    "currency",
    "languages",
    "default_language",
    "min_notice_minutes",
    "horizon_days",
    "cancellation_window_minutes",
    "slot_step_minutes",
    "require_confirmation",
)
SETTINGS_RANGES = {
    "min_notice_minutes": (0, 60 * 24 * 14),
    "horizon_days": (1, 365),
    "cancellation_window_minutes": (0, 60 * 24 * 14),
    "slot_step_minutes": (5, 120),
}
LOCATION_FIELDS = ("name", "address", "phone", "timezone", "active")


def validate_subdomain(subdomain: str) -> str:
    sub = (subdomain or "").strip().lower()
    if not SUBDOMAIN_RE.match(sub) or "--" in sub:
        raise ValidationError.field(
            "subdomain",
            _l("Use 3 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit."),
        )
    if sub in RESERVED_SUBDOMAINS:
        raise ValidationError.field("subdomain", _l("This subdomain is reserved."))
    return sub


def validate_password(password: str | None, field: str = "password") -> str:
    if not password or len(password) < 8:
        raise ValidationError.field(field, _l("Use at least 8 characters."))
    if len(password.encode()) > 72:
        raise ValidationError.field(field, _l("Use at most 72 characters."))
    return password


def email_in_use(email: str) -> bool:
    return db.session.scalar(select(func.count(User.id)).where(func.lower(User.email) == email.lower())) > 0


def subdomain_in_use(subdomain: str) -> bool:
    return db.session.scalar(select(Tenant.id).where(Tenant.subdomain == subdomain)) is not None


def register_business(data: dict[str, Any]) -> tuple[Tenant, User]:
    """A new business: tenant ``pending``, its first location and the owner account."""
    errors: dict[str, list] = {}
    name = (data.get("business_name") or "").strip()
    if not name:
        errors.setdefault("business_name", []).append(_l("Enter the business name."))
    owner_name = (data.get("owner_name") or "").strip()
    if not owner_name:
        errors.setdefault("owner_name", []).append(_l("Enter your name."))
    email = (data.get("email") or "").strip().lower()
    if not is_valid_email(email):
        errors.setdefault("email", []).append(_l("Enter a valid email address."))
    language = data.get("language") or current_app.config["DEFAULT_LANGUAGE"]
    if language not in SUPPORTED:
        errors.setdefault("language", []).append(_l("Choose English, Russian or Kazakh."))
    tz = data.get("timezone") or current_app.config["DEFAULT_TIMEZONE"]
    if not is_valid_timezone(tz):
        errors.setdefault("timezone", []).append(_l("Choose a valid time zone."))
    currency = (data.get("currency") or current_app.config["DEFAULT_CURRENCY"]).upper()
    if not is_valid_currency(currency):
        errors.setdefault("currency", []).append(_l("Choose a valid currency."))
    phone = None
    for field, check in (
        ("subdomain", lambda: validate_subdomain(data.get("subdomain"))),
        ("password", lambda: validate_password(data.get("password"))),
        ("phone", lambda: normalize_phone(data["phone"]) if data.get("phone") else None),
    ):
        try:
            value = check()
            if field == "phone":
                phone = value
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.details.get(field, []))
    if errors:
        raise ValidationError(errors)
    sub = data["subdomain"].strip().lower()
    if subdomain_in_use(sub):
        raise SubdomainTaken()
    if email_in_use(email):
        raise EmailTaken()

    password_hash = hash_password(data["password"])
    # The checks above give the answer in the common case; two registrations racing for the same
    # subdomain or email both pass them, and the unique constraint stops the second one here.
    try:
        with db.session.begin_nested():
            tenant = Tenant(
                name=name,
                subdomain=sub,
                status="pending",
                currency=currency,
                default_language=language,
                timezone=tz,
                phone=phone,
                email=email,
                description=(data.get("description") or "").strip(),
            )
            db.session.add(tenant)
            db.session.flush()
            with tenant_scope(tenant.id):
                location = Location(
                    tenant_id=tenant.id,
                    name=(data.get("location_name") or name).strip(),
                    address=(data.get("address") or "").strip(),
                    phone=phone,
                    timezone=tz,
                )
                db.session.add(location)
                db.session.flush()
            owner = User(
                email=email,
                name=owner_name,
                role=ROLE_OWNER,
                tenant_id=tenant.id,
                password_hash=password_hash,
                language=language,
                phone=phone,
            )
            db.session.add(owner)
            db.session.flush()
    except IntegrityError as exc:
        if violates_unique(exc, "tenants", "subdomain"):
            raise SubdomainTaken() from None
        if violates_unique(exc, "users", "email"):
            raise EmailTaken() from None
        raise
    actor = Actor("user", owner.id, owner.email, ROLE_OWNER, tenant.id)
    record(
        actor,
        "tenant.register",
        "tenant",
        tenant.id,
        tenant_id=tenant.id,
        after=snapshot(tenant, ("name", "subdomain", "status")),
    )
    _notify("tenant_registered", tenant, owner)
    return tenant, owner


def _change_status(
    actor: Actor, tenant: Tenant, allowed_from: tuple[str, ...], to: str, reason: str | None = None
) -> Tenant:
    if tenant.status not in allowed_from:
        raise InvalidTransition(_l("A business in this state cannot be changed like that."))
    before = snapshot(tenant, ("status", "status_reason", "trial_ends_at"))
    tenant.status = to
    tenant.status_reason = reason
    record(
        actor,
        f"tenant.{to}",
        "tenant",
        tenant.id,
        tenant_id=tenant.id,
        before=before,
        after=snapshot(tenant, ("status", "status_reason", "trial_ends_at")),
    )
    return tenant


def approve_tenant(actor: Actor, tenant: Tenant) -> Tenant:
    """Approval opens the public site and starts the trial."""
    now = utcnow()
    tenant.approved_at = now
    tenant.trial_ends_at = now + timedelta(days=current_app.config["TRIAL_DAYS"])
    _change_status(actor, tenant, ("pending", "rejected"), "active")
    _notify("tenant_approved", tenant)
    return tenant


def reject_tenant(actor: Actor, tenant: Tenant, reason: str) -> Tenant:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError.field("reason", _l("Give the reason, it is sent to the owner."))
    _change_status(actor, tenant, ("pending",), "rejected", reason)
    _notify("tenant_rejected", tenant, reason=reason)
    return tenant


def suspend_tenant(actor: Actor, tenant: Tenant, reason: str = "") -> Tenant:
    return _change_status(actor, tenant, ("active",), "suspended", reason or None)


def reactivate_tenant(actor: Actor, tenant: Tenant) -> Tenant:
    return _change_status(actor, tenant, ("suspended",), "active")


def extend_trial(actor: Actor, tenant: Tenant, days: int) -> Tenant:
    if not 1 <= int(days) <= 365:
        raise ValidationError.field("days", _l("Choose between 1 and 365 days."))
    before = snapshot(tenant, ("status", "trial_ends_at"))
    base = max(tenant.trial_ends_at or utcnow(), utcnow())
    tenant.trial_ends_at = base + timedelta(days=int(days))
    tenant.trial_notice_sent_at = None
    if tenant.status == "suspended" and tenant.status_reason == "trial_expired":
        tenant.status, tenant.status_reason = "active", None
    record(
        actor,
        "tenant.extend_trial",
        "tenant",
        tenant.id,
        tenant_id=tenant.id,
        before=before,
        after=snapshot(tenant, ("status", "trial_ends_at")),
    )
    return tenant


def update_settings(actor: Actor, tenant: Tenant, data: dict[str, Any]) -> Tenant:
    errors: dict[str, list] = {}
    changes: dict[str, Any] = {}
    for field in SETTINGS_FIELDS:
        if field not in data or data[field] is None:
            continue
        value = data[field]
        if field == "name":
            value = str(value).strip()
            if not value:
                errors.setdefault(field, []).append(_l("Enter the business name."))
        elif field == "currency":
            value = str(value).upper()
            if not is_valid_currency(value):
                errors.setdefault(field, []).append(_l("Choose a valid currency."))
        elif field == "languages":
            if not isinstance(value, list) or not value or any(v not in SUPPORTED for v in value):
                errors.setdefault(field, []).append(_l("Choose one or more of: en, ru, kk."))
            else:
                value = list(dict.fromkeys(value))
        elif field == "default_language":
            if value not in SUPPORTED:
                errors.setdefault(field, []).append(_l("Choose English, Russian or Kazakh."))
        elif field in SETTINGS_RANGES:
            lo, hi = SETTINGS_RANGES[field]
            if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
                errors.setdefault(field, []).append(_l("Enter a whole number from %(lo)s to %(hi)s.", lo=lo, hi=hi))
        elif field == "require_confirmation":
            value = bool(value)
        changes[field] = value
    if errors:
        raise ValidationError(errors)
    before = snapshot(tenant, tuple(changes))
    for k, v in changes.items():
        setattr(tenant, k, v)
    tenant.cache_version = (tenant.cache_version or 0) + 1
    record(
        actor,
        "tenant.update_settings",
        "tenant",
        tenant.id,
        tenant_id=tenant.id,
        before=before,
        after=snapshot(tenant, tuple(changes)),
    )
    return tenant


def _clean_location(data: dict[str, Any], partial: bool) -> dict[str, Any]:
    errors: dict[str, list] = {}
    clean: dict[str, Any] = {}
    if "name" in data or not partial:
        name = (data.get("name") or "").strip()
        if not name:
            errors.setdefault("name", []).append(_l("Enter a name."))
        clean["name"] = name
    if "timezone" in data or not partial:
        tz = data.get("timezone") or current_app.config["DEFAULT_TIMEZONE"]
        if not is_valid_timezone(tz):
            errors.setdefault("timezone", []).append(_l("Choose a valid time zone."))
        clean["timezone"] = tz
    if "address" in data:
        clean["address"] = (data.get("address") or "").strip()
    if data.get("phone"):
        try:
            clean["phone"] = normalize_phone(data["phone"])
        except ValidationError as exc:
            errors.update(exc.details)
    elif "phone" in data:
        clean["phone"] = None
    if "active" in data:
        clean["active"] = bool(data["active"])
    if errors:
        raise ValidationError(errors)
    return clean


def create_location(actor: Actor, data: dict[str, Any]) -> Location:
    location = Location(**_clean_location(data, partial=False))
    db.session.add(location)
    db.session.flush()
    record(
        actor,
        "location.create",
        "location",
        location.id,
        tenant_id=location.tenant_id,
        after=snapshot(location, LOCATION_FIELDS),
    )
    return location


def update_location(actor: Actor, location: Location, data: dict[str, Any]) -> Location:
    clean = _clean_location(data, partial=True)
    before = snapshot(location, LOCATION_FIELDS)
    for k, v in clean.items():
        setattr(location, k, v)
    db.session.flush()
    record(
        actor,
        "location.update",
        "location",
        location.id,
        tenant_id=location.tenant_id,
        before=before,
        after=snapshot(location, LOCATION_FIELDS),
    )
    return location


def _notify(event: str, tenant: Tenant, owner: User | None = None, **extra: Any) -> None:
    """Hand the event to the notifications package (outbox rows in this transaction)."""
    from app.notifications import events

    events.tenant_event(event, tenant, owner=owner, **extra)
