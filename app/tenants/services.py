"""Tenants: registration, approval lifecycle, trial, locations and business settings."""

from __future__ import annotations

from typing import Any

import redis
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.accounts.rules import EMAIL, PASSWORD, PERSON_NAME, PHONE
from app.audit.services import record, snapshot
from app.billing import services as billing
from app.catalog.models import Master, Service
from app.core import cache
from app.core.auth import ROLE_OWNER, Actor, hash_password
from app.core.errors import EmailTaken, InvalidTransition, ServiceUnavailable, SubdomainTaken, ValidationError
from app.core.fields import clean as apply_rule
from app.core.fields import clean_or_raise
from app.core.i18n import SUPPORTED
from app.core.integrity import violates_unique
from app.core.tenancy import current_tenant_id, tenant_scope
from app.core.translations import apply_versions, change_default, clean_versions, lift_default
from app.core.types import utcnow
from app.core.validation import is_valid_currency, is_valid_timezone
from app.extensions import db
from app.notifications import events
from app.tenants import rules
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
LOCATION_FIELDS = ("name", "address", "translations", "phone", "timezone", "active")


def validate_subdomain(subdomain: str) -> str:
    return clean_or_raise("subdomain", rules.SUBDOMAIN, subdomain)


def validate_password(password: str | None, field: str = "password") -> str:
    return clean_or_raise(field, PASSWORD, password)


def email_in_use(email: str) -> bool:
    return db.session.scalar(select(func.count(User.id)).where(func.lower(User.email) == email.lower())) > 0


def subdomain_in_use(subdomain: str) -> bool:
    return db.session.scalar(select(Tenant.id).where(Tenant.subdomain == subdomain)) is not None


def register_business(data: dict[str, Any]) -> tuple[Tenant, User]:
    """A new business: tenant ``pending``, its first location and the owner account."""
    errors: dict[str, list] = {}
    name = apply_rule(errors, "business_name", rules.BUSINESS_NAME, data.get("business_name"))
    owner_name = apply_rule(errors, "owner_name", PERSON_NAME, data.get("owner_name"))
    email = apply_rule(errors, "email", EMAIL, data.get("email"))
    apply_rule(errors, "description", rules.DESCRIPTION, data.get("description"))
    apply_rule(errors, "address", rules.ADDRESS, data.get("address"))
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
        ("phone", lambda: clean_or_raise("phone", PHONE, data.get("phone")) or None),
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
    if tenant.status not in ("pending", "rejected"):
        raise InvalidTransition(_l("A business in this state cannot be changed like that."))
    tenant.approved_at = utcnow()
    billing.start_trial(actor, tenant)
    _change_status(actor, tenant, ("pending", "rejected"), "active")
    _notify("tenant_approved", tenant)
    return tenant


def reject_tenant(actor: Actor, tenant: Tenant, reason: str) -> Tenant:
    reason = clean_or_raise("reason", rules.REJECT_REASON, reason)
    _change_status(actor, tenant, ("pending",), "rejected", reason)
    _notify("tenant_rejected", tenant, reason=reason)
    return tenant


def suspend_tenant(actor: Actor, tenant: Tenant, reason: str = "") -> Tenant:
    reason = clean_or_raise("reason", rules.SUSPEND_REASON, reason)
    return _change_status(actor, tenant, ("active",), "suspended", reason or None)


def reactivate_tenant(actor: Actor, tenant: Tenant) -> Tenant:
    return _change_status(actor, tenant, ("suspended",), "active")


def extend_trial(actor: Actor, tenant: Tenant, days: int) -> Tenant:
    return billing.extend_trial(actor, tenant, days)


def _translated_rows() -> list:
    """Every row of the business (in scope) whose texts have versions per language."""
    return [row for model in (Location, Service, Master) for row in db.session.scalars(select(model))]


def _change_default_language(tenant: Tenant, new: str) -> None:
    """The columns hold the default language's texts: move every row's to the new one."""
    old = tenant.default_language
    for row in (tenant, *_translated_rows()):
        change_default(row, old, new)


def update_settings(actor: Actor, tenant: Tenant, data: dict[str, Any]) -> Tenant:
    errors: dict[str, list] = {}
    changes: dict[str, Any] = {}
    # A new default language applies to the versions sent with it.
    default = data.get("default_language") if data.get("default_language") in SUPPORTED else tenant.default_language
    data = lift_default(data, default, rules.BUSINESS_TEXTS)
    versions = clean_versions(errors, data.get("translations"), rules.BUSINESS_TEXTS, default)
    for field in SETTINGS_FIELDS:
        if field not in data or data[field] is None:
            continue
        value = data[field]
        if field == "name":
            value = apply_rule(errors, field, rules.BUSINESS_NAME, value)
        elif field == "description":
            value = apply_rule(errors, field, rules.DESCRIPTION, value)
        elif field == "currency":
            value = apply_rule(errors, field, rules.CURRENCY, value)
        elif field == "languages":
            if not isinstance(value, list) or not value or any(v not in SUPPORTED for v in value):
                errors.setdefault(field, []).append(_l("Choose one or more of: en, ru, kk."))
            else:
                value = list(dict.fromkeys(value))
        elif field == "default_language":
            if value not in SUPPORTED:
                errors.setdefault(field, []).append(_l("Choose English, Russian or Kazakh."))
        elif field in rules.SETTINGS_NUMBERS:
            value = apply_rule(errors, field, rules.SETTINGS_NUMBERS[field], value)
        elif field == "require_confirmation":
            value = bool(value)
        changes[field] = value
    if errors:
        raise ValidationError(errors)
    if versions is not None:
        changes["translations"] = versions
    site_languages = changes.get("languages", tenant.languages or [])
    if default not in site_languages and ("languages" in changes or "default_language" in changes):
        changes["languages"] = [default, *site_languages]  # the default language is always offered
    before = snapshot(tenant, tuple(changes))
    if changes.get("default_language", tenant.default_language) != tenant.default_language:
        _change_default_language(tenant, changes["default_language"])
    versions = changes.pop("translations", None)
    for k, v in changes.items():
        setattr(tenant, k, v)
    if versions is not None:
        apply_versions(tenant, versions, tenant.default_language)
        changes["translations"] = versions
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


def _default_language() -> str:
    tenant = db.session.get(Tenant, current_tenant_id())
    return tenant.default_language if tenant else "en"


def _clean_location(data: dict[str, Any], partial: bool) -> dict[str, Any]:
    errors: dict[str, list] = {}
    clean: dict[str, Any] = {}
    default = _default_language()
    data = lift_default(data, default, rules.LOCATION_TEXTS)
    versions = clean_versions(errors, data.get("translations"), rules.LOCATION_TEXTS, default)
    if versions is not None:
        clean["translations"] = (default, versions)
    if "name" in data or not partial:
        clean["name"] = apply_rule(errors, "name", rules.LOCATION_NAME, data.get("name"))
    if "timezone" in data or not partial:
        tz = data.get("timezone") or current_app.config["DEFAULT_TIMEZONE"]
        clean["timezone"] = apply_rule(errors, "timezone", rules.TIMEZONE, tz)
    if "address" in data:
        clean["address"] = apply_rule(errors, "address", rules.ADDRESS, data.get("address"))
    if "phone" in data:
        clean["phone"] = apply_rule(errors, "phone", PHONE, data.get("phone")) or None
    if "active" in data:
        clean["active"] = bool(data["active"])
    if errors:
        raise ValidationError(errors)
    return clean


def _apply_location(location: Location, clean: dict[str, Any]) -> None:
    texts = clean.pop("translations", None)
    for k, v in clean.items():
        setattr(location, k, v)
    if texts is not None:
        apply_versions(location, texts[1], texts[0])


def create_location(actor: Actor, data: dict[str, Any]) -> Location:
    clean = _clean_location(data, partial=False)
    if clean.get("active", True):
        _within_plan(actor, "locations")
    location = Location()
    _apply_location(location, clean)
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
    if clean.get("active") and not location.active:
        _within_plan(actor, "locations", exclude_id=location.id)
    before = snapshot(location, LOCATION_FIELDS)
    _apply_location(location, clean)
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


def _within_plan(actor: Actor, kind: str, **kwargs: Any) -> None:
    billing.ensure_within_limit(db.session.get(Tenant, current_tenant_id()), kind, actor=actor, **kwargs)


def _notify(event: str, tenant: Tenant, owner: User | None = None, **extra: Any) -> None:
    """Hand the event to the notifications package (outbox rows in this transaction)."""
    events.tenant_event(event, tenant, owner=owner, **extra)


def clear_caches(actor: Actor, tenant: Tenant | None = None) -> int:
    """Drop the cached answers of one business (or of every business), audited; returns the
    number of cache entries removed.  Raises ``ServiceUnavailable`` when Redis is down."""
    try:
        removed = cache.clear(tenant.id if tenant is not None else None)
    except redis.RedisError:
        raise ServiceUnavailable(_l("The cache could not be reached, so nothing was cleared. Try again.")) from None
    record(
        actor,
        "cache.clear",
        "tenant" if tenant is not None else "platform",
        tenant.id if tenant is not None else None,
        tenant_id=tenant.id if tenant is not None else None,
        after={"scope": tenant.subdomain if tenant is not None else "all", "removed": removed},
    )
    return removed
