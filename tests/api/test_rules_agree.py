"""One rule in one place: form, API and service accept and reject the same values.

Every rule declared in the domains' ``rules.py`` (``app.core.fields.RULES``) is bound here to
the WTForms field, the API model field and the service call that use it. For each rule the
test derives the boundary values from the rule's own limits (one under and at each length
or range bound, one over; multi-byte text at the byte limit; each choice and a wrong one)
and proves that the three layers give the same answer as the rule for each value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import TypeAdapter
from werkzeug.datastructures import MultiDict

from app.accounts import rules as ar
from app.api.v1 import models as m
from app.bookings import rules as br
from app.catalog import rules as cr
from app.core.errors import ValidationError
from app.core.fields import RULES, Rule
from app.extensions import db
from app.scheduling import rules as sr
from app.tenants import rules as tr
from tests.bookings.conftest import quiet_events, salon, writer  # noqa: F401  -- shared engine fixtures

# ---------------------------------------------------------------- boundary values


def _email(length: int) -> str:
    """A syntactically valid address of exactly ``length`` characters (at least 6)."""
    local = "a" * min(64, length - 5)
    domain = "b" * (length - len(local) - 5)
    return f"{local}@{domain}.com" if domain else f"{local[:-1]}@b.com"


SPECIAL: dict[str, list] = {
    "account.email": ["user@example.com", "not-an-email", "a@b", _email(254), _email(255), " Ann@Example.com "],
    "account.optional_email": ["user@example.com", "not-an-email", _email(254), _email(255), ""],
    "account.phone": ["+77011234567", "8 701 123 45 67", "12", "+7701123456789012345678901234567", ""],
    "account.required_phone": ["+77011234567", "87011234567", "12", "x" * 31, ""],
    "account.sms_code": ["123456", "12345", "1234567", "12a456", "١٢٣٤٥٦"],
    "tenant.subdomain": ["abc", "ab", "a" * 63, "a" * 64, "admin", "-abc", "ab--c", "Anna-Beauty", "anna beauty"],
    "tenant.timezone": ["Asia/Almaty", "UTC", "Mars/Olympus", ""],
    "tenant.currency": ["KZT", "usd", "XXY", "KZTX", ""],
    "catalog.price": [
        "0",
        "0.00",
        "5000.5",
        "5000.55",
        "5000.555",
        "-0.01",
        "9999999999.99",
        "10000000000",
        "abc",
        "1e3",
        " 7 ",
        "0000000000001",
        "-0.00",
        "-1",
    ],
}


def boundaries(rule: Rule) -> list:
    """Values around every limit the rule declares."""
    if rule.name in SPECIAL:
        return SPECIAL[rule.name]
    if rule.kind == "int":
        values = set()
        for bound in (rule.ge, rule.le):
            if bound is not None:
                values |= {bound - 1, bound, bound + 1}
        return sorted(values)
    if rule.choices is not None:
        return [*rule.choices, "nope", ""]
    values: list = ["", "   ", "a"]
    for n in (rule.min_length, rule.max_length):
        if n:
            values += ["a" * (n - 1), "a" * n, "a" * (n + 1)]
    if rule.max_bytes:
        half = rule.max_bytes // 2
        values += ["я" * half, "я" * (half + 1)]
        if rule.min_length:
            values.append("я" * rule.min_length)
    return values


# ---------------------------------------------------------------- the three layers


@dataclass
class Binding:
    rule: Rule
    form: tuple[str, str] | None  # ("module:Class", field)
    api: tuple[type, str] | None  # (model, field) -- or a documented header
    service: str | None  # a probe below
    #: A form or the API may make the field optional where the rule requires a value (a master's
    #: password: empty sends an invitation); then empty values are compared only where required.
    optional_in: tuple[str, ...] = ()
    why_not: str = ""


BINDINGS = [
    Binding(ar.EMAIL, ("app.accounts.forms:RegisterBusinessForm", "email"), (m.RegisterBody, "email"), "manager.email"),
    Binding(ar.OPTIONAL_EMAIL, ("app.web.owner.forms:MasterForm", "email"), (m.MasterBody, "email"), "master.email"),
    Binding(
        ar.PASSWORD,
        ("app.accounts.forms:RegisterBusinessForm", "password"),
        (m.RegisterBody, "password"),
        "password",
    ),
    Binding(
        ar.PERSON_NAME,
        ("app.accounts.forms:RegisterBusinessForm", "owner_name"),
        (m.ManagerBody, "name"),
        "manager.name",
    ),
    Binding(ar.CLIENT_NAME, ("app.web.public.forms:CodeForm", "name"), (m.ClientBody, "name"), "client.name"),
    Binding(
        ar.CLIENT_NOTE,
        ("app.web.owner.clients:ClientNoteForm", "text"),
        None,
        "client.note",
        why_not="staff notes about clients are kept on the dashboard pages only",
    ),
    Binding(ar.PHONE, ("app.web.owner.forms:LocationForm", "phone"), (m.LocationBody, "phone"), "location.phone"),
    Binding(ar.REQUIRED_PHONE, ("app.web.public.forms:PhoneForm", "phone"), (m.ClientBody, "phone"), "client.phone"),
    Binding(
        ar.LANGUAGE,
        ("app.accounts.forms:RegisterBusinessForm", "language"),
        (m.ManagerBody, "language"),
        "manager.lang",
        optional_in=("form",),  # a select always submits one of its options
    ),
    Binding(
        ar.SMS_CODE,
        ("app.web.public.forms:CodeForm", "code"),
        (m.VerifyBody, "code"),
        "verify.code",
        optional_in=("api",),
    ),
    Binding(
        tr.BUSINESS_NAME,
        ("app.web.owner.forms:SettingsForm", "name"),
        (m.RegisterBody, "business_name"),
        "settings.name",
    ),
    Binding(
        tr.SUBDOMAIN,
        ("app.accounts.forms:RegisterBusinessForm", "subdomain"),
        (m.RegisterBody, "subdomain"),
        "subdomain",
    ),
    Binding(
        tr.DESCRIPTION,
        ("app.web.owner.forms:SettingsForm", "description"),
        (m.BusinessBody, "description"),
        "settings.description",
    ),
    Binding(
        tr.TIMEZONE,
        None,
        (m.LocationBody, "timezone"),
        "location.timezone",
        why_not="the forms offer a select of common zones (checked below to pass the rule)",
    ),
    Binding(
        tr.CURRENCY,
        None,
        (m.BusinessBody, "currency"),
        "settings.currency",
        why_not="the forms offer a select of currencies (checked below to pass the rule)",
    ),
    *[
        Binding(r, ("app.web.owner.forms:SettingsForm", name), (m.BusinessBody, name), f"settings.{name}")
        for name, r in tr.SETTINGS_NUMBERS.items()
    ],
    Binding(tr.LOCATION_NAME, ("app.web.owner.forms:LocationForm", "name"), (m.LocationBody, "name"), "location.name"),
    Binding(
        tr.ADDRESS, ("app.web.owner.forms:LocationForm", "address"), (m.LocationBody, "address"), "location.address"
    ),
    Binding(tr.REJECT_REASON, None, (m.RejectBody, "reason"), "reject", why_not="the admin page posts the raw value"),
    Binding(
        tr.SUSPEND_REASON, None, (m.SuspendBody, "reason"), "suspend", why_not="the admin page posts the raw value"
    ),
    Binding(
        tr.TRIAL_EXTENSION_DAYS,
        None,
        None,
        "extend",
        why_not="only the admin page extends a trial (raw value, checked by the service)",
    ),
    Binding(cr.NAME, ("app.web.owner.forms:ServiceForm", "name"), (m.ServiceBody, "name"), "service.name"),
    Binding(
        cr.SERVICE_DESCRIPTION,
        ("app.web.owner.forms:ServiceForm", "description"),
        (m.ServiceBody, "description"),
        "service.description",
    ),
    Binding(
        cr.DURATION_MINUTES,
        ("app.web.owner.forms:ServiceForm", "duration_minutes"),
        (m.ServiceBody, "duration_minutes"),
        "service.duration_minutes",
    ),
    Binding(
        cr.BUFFER_MINUTES,
        ("app.web.owner.forms:ServiceForm", "buffer_minutes"),
        (m.ServiceBody, "buffer_minutes"),
        "service.buffer_minutes",
    ),
    Binding(cr.PRICE, ("app.web.owner.forms:ServiceForm", "price"), (m.ServiceBody, "price"), "service.price"),
    Binding(
        cr.SPECIALIZATION,
        ("app.web.owner.forms:MasterForm", "specialization"),
        (m.MasterBody, "specialization"),
        "master.specialization",
    ),
    Binding(
        cr.PERMISSION_REASON,
        ("app.web.owner.forms:PermissionRequestForm", "reason"),
        (m.PermissionRequestBody, "reason"),
        "permission.reason",
    ),
    Binding(br.NOTES, ("app.web.public.forms:BookForm", "notes"), (m.BookingBody, "notes"), "booking.notes"),
    Binding(br.CANCEL_REASON, None, (m.CancelBody, "reason"), "cancel", why_not="the pages cancel without a reason"),
    Binding(
        br.IDEMPOTENCY_KEY,
        None,
        ("header", "Idempotency-Key"),
        "idempotency",
        why_not="a header of the API only",
    ),
    Binding(
        sr.TIME_OFF_REASON, ("app.web.owner.forms:TimeOffForm", "reason"), (m.TimeOffBody, "reason"), "time_off.reason"
    ),
]


def test_every_declared_rule_is_bound():
    bound = [b.rule.name for b in BINDINGS]
    assert len(bound) == len(set(bound))
    assert set(bound) == set(RULES), "bind every rule in app.core.fields.RULES to its form, API field and service"
    for b in BINDINGS:
        assert b.service is not None
        assert b.form is not None or b.why_not
        assert b.api is not None or b.why_not


def _form_accepts(app, spec: tuple[str, str], value: Any) -> bool:
    import importlib

    module, cls = spec[0].split(":")
    form_cls = getattr(importlib.import_module(module), cls)
    with app.test_request_context(method="POST"):
        form = form_cls(formdata=MultiDict({spec[1]: "" if value is None else str(value)}), meta={"csrf": False})
        field = getattr(form, spec[1])
        if hasattr(field, "choices") and field.choices is None:
            field.choices = []
        return field.validate(form)


def _api_accepts(doc: dict, spec: tuple, value: Any) -> bool:
    if spec[0] == "header":
        op = doc["paths"]["/api/v1/booking"]["post"]
        schema = next(p["schema"] for p in op["parameters"] if p["name"] == spec[1])
        return Draft202012Validator(schema).is_valid(value) and bool(str(value).strip())
    model, name = spec
    adapter = TypeAdapter(model.model_fields[name].rebuild_annotation())
    try:
        adapter.validate_python(value)
    except Exception:
        return False
    return True


# ---------------------------------------------------------------- service probes


def _fields(fn) -> set[str]:
    """The fields a service call rejects (its ValidationError's details); other outcomes accept."""
    sp = db.session.begin_nested()
    try:
        fn()
    except ValidationError as exc:
        return set(exc.details or {})
    except Exception:
        return set()
    finally:
        if sp.is_active:
            sp.rollback()
    return set()


def _service_accepts(salon, name: str, value: Any) -> bool:  # noqa: F811 -- the fixture's value
    from app.accounts import client_notes
    from app.accounts import services as accounts
    from app.bookings import services as bookings
    from app.catalog import masters as catalog_masters
    from app.catalog import permissions as catalog_permissions
    from app.catalog import services as catalog
    from app.core.auth import Actor
    from app.scheduling import schedules
    from app.tenants import services as tenants

    t, owner = salon.tenant, salon.owner
    loc = salon.master.location_id
    service = {"name": "Cut", "duration_minutes": 30, "price": "100"}
    far = datetime(2030, 3, 4, 3, 0, tzinfo=UTC)
    admin = Actor("user", 0, "root@jazyl.test", "super_admin", None)
    probes = {
        "manager.email": (
            lambda: accounts.create_manager(t, owner, {"name": "M", "email": value, "location_id": loc}),
            "email",
        ),
        "manager.name": (
            lambda: accounts.create_manager(t, owner, {"name": value, "email": "m@x.test", "location_id": loc}),
            "name",
        ),
        "manager.lang": (
            lambda: accounts.create_manager(
                t, owner, {"name": "M", "email": "m@x.test", "location_id": loc, "language": value}
            ),
            "language",
        ),
        "master.email": (lambda: catalog_masters.create_master(t, owner, {"name": "M", "email": value}), "email"),
        "master.specialization": (
            lambda: catalog_masters.create_master(t, owner, {"name": "M", "specialization": value}),
            "specialization",
        ),
        "password": (lambda: tenants.validate_password(value), "password"),
        "subdomain": (lambda: tenants.validate_subdomain(value), "subdomain"),
        "client.name": (
            lambda: bookings.create_booking(
                t,
                owner,
                service_id=salon.service.id,
                master_id=salon.master.id,
                start=far,
                client_data={"phone": "+77015550101", "name": value},
            ),
            "client.name",
        ),
        "client.phone": (
            lambda: bookings.create_booking(
                t,
                owner,
                service_id=salon.service.id,
                master_id=salon.master.id,
                start=far,
                client_data={"phone": value},
            ),
            "client",
        ),
        "verify.code": (lambda: _verify(t, value), "code"),
        "client.note": (
            lambda: client_notes.add_client_note(owner, salon.client, value, author_name="Owner"),
            "text",
        ),
        "booking.notes": (
            lambda: bookings.create_booking(
                t,
                owner,
                service_id=salon.service.id,
                master_id=salon.master.id,
                start=far,
                client=salon.client,
                notes=value,
            ),
            "notes",
        ),
        "cancel": (lambda: bookings.cancel_booking(t, owner, _booking(salon), value), "reason"),
        "idempotency": (lambda: bookings.run_idempotent(t, "owner:1", value, {}, lambda: (200, {})), "Idempotency-Key"),
        "location.phone": (lambda: tenants.create_location(owner, {"name": "L", "phone": value}), "phone"),
        "location.name": (lambda: tenants.create_location(owner, {"name": value}), "name"),
        "location.address": (lambda: tenants.create_location(owner, {"name": "L", "address": value}), "address"),
        "location.timezone": (lambda: tenants.create_location(owner, {"name": "L", "timezone": value}), "timezone"),
        "reject": (lambda: tenants.reject_tenant(admin, _status(t, "pending"), value), "reason"),
        "suspend": (lambda: tenants.suspend_tenant(admin, _status(t, "active"), value), "reason"),
        "extend": (lambda: tenants.extend_trial(admin, t, value), "days"),
        "permission.reason": (
            lambda: catalog_permissions.request_permission(t, salon.master_actor, "see_client_phones", value),
            "reason",
        ),
        "time_off.reason": (
            lambda: schedules.add_time_off(t, owner, salon.master, far, far.replace(hour=5), value),
            "reason",
        ),
    }
    for field in ("name", "description", "currency", *tr.SETTINGS_NUMBERS):
        probes[f"settings.{field}"] = (lambda f=field: tenants.update_settings(owner, t, {f: value}), field)
    for field in ("name", "description", "duration_minutes", "buffer_minutes", "price"):
        probes[f"service.{field}"] = (lambda f=field: catalog.create_service(t, owner, {**service, f: value}), field)
    fn, field = probes[name]
    return field not in _fields(fn)


def _verify(tenant, code):
    """Ask for a code (the SMS says 123456), then send ``code``."""
    from unittest import mock

    from app.accounts import clients

    with mock.patch.object(clients.secrets, "randbelow", return_value=123456):
        clients.start_client_verification(tenant, "+77015550101")
    return clients.complete_client_verification(tenant, "+77015550101", code)


def _status(tenant, status: str):
    tenant.status = status
    return tenant


def _booking(_salon):
    from app.bookings.models import Booking

    booking = db.session.query(Booking).first()
    if booking is None:
        raise LookupError("no booking")
    return booking


# ---------------------------------------------------------------- the walk


def _api_value(rule: Rule, value: Any) -> Any:
    """The JSON value a client sends: integers as numbers, everything else as strings."""
    return value if rule.kind == "int" else str(value)


@pytest.mark.parametrize("binding", BINDINGS, ids=lambda b: b.rule.name)
def test_form_api_and_service_agree_at_every_boundary(app, salon, openapi_doc, create_booking, binding):  # noqa: F811
    rule = binding.rule
    if binding.service == "cancel":
        create_booking(
            salon.tenant, salon.master, salon.service, datetime(2030, 3, 4, 5, 0, tzinfo=UTC), client=salon.client
        )
    disagreements = []
    values = boundaries(rule)
    assert any(rule.accepts(v) for v in values) and not all(rule.accepts(v) for v in values), values
    for value in values:
        expected = rule.accepts(value)
        empty = value is None or (isinstance(value, str) and not value.strip())
        answers = {"service": _service_accepts(salon, binding.service, value)}
        if binding.form is not None and not (empty and "form" in binding.optional_in):
            answers["form"] = _form_accepts(app, binding.form, value)
        if binding.api is not None and not (empty and "api" in binding.optional_in):
            answers["api"] = _api_accepts(openapi_doc, binding.api, _api_value(rule, value))
        for layer, accepted in answers.items():
            if accepted != expected:
                disagreements.append((layer, repr(value)[:40], "accepts" if accepted else "rejects"))
    assert not disagreements, f"{rule.name}: rule says otherwise for {disagreements}"


def test_select_fields_offer_only_values_the_rules_accept(app):
    from app.accounts.forms import RegisterBusinessForm
    from app.web.owner.forms import LocationForm, SettingsForm

    with app.test_request_context():
        for form in (RegisterBusinessForm(meta={"csrf": False}), LocationForm(meta={"csrf": False})):
            assert all(tr.TIMEZONE.accepts(c.value) for c in form.timezone.choices)
        for form in (RegisterBusinessForm(meta={"csrf": False}), SettingsForm(meta={"csrf": False})):
            assert all(tr.CURRENCY.accepts(c.value) for c in form.currency.choices)


def test_the_document_shows_each_rules_limits(openapi_doc):
    """The 14-day cap of the cancellation window, the price cap and the password bytes are in the document."""
    schemas = openapi_doc["components"]["schemas"]
    window = schemas["BusinessBody"]["properties"]["cancellation_window_minutes"]
    assert (window["minimum"], window["maximum"]) == (0, 60 * 24 * 14)
    price = schemas["ServiceBody"]["properties"]["price"]
    assert price["pattern"] == cr.PRICE.decimal_pattern()
    assert re.fullmatch(price["pattern"], "9999999999.99") and not re.fullmatch(price["pattern"], "10000000000")
    password = schemas["RegisterBody"]["properties"]["password"]
    assert (password["minLength"], password["maxLength"]) == (8, 72)
    assert "72 bytes" in password["description"]
    assert schemas["RegisterBody"]["properties"]["subdomain"]["pattern"] == tr.SUBDOMAIN_PATTERN
    assert Decimal("9999999999.99") == cr.PRICE.le
