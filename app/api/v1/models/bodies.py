"""Request bodies: JSON types strict, limits from the domain rules, unknown fields ignored."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask_babel import lazy_gettext as _l
from pydantic import ConfigDict, Field, create_model, model_validator

from app.accounts import rules as ar
from app.api.v1.models.base import (
    OMIT,
    Body,
)
from app.api.v1.types import (
    Flag,
    Id,
    Instant,
    WallTime,
    ruled,
)
from app.bookings import rules as br
from app.catalog import rules as cr
from app.catalog.models import PERMISSIONS
from app.core.fields import Rule, RuleError
from app.core.i18n import SUPPORTED
from app.scheduling import rules as sr
from app.tenants import rules as tr

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
