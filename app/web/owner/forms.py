"""Forms of the staff dashboards (owner, manager, master)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.accounts import rules as ar
from app.bookings import rules as br
from app.catalog import rules as cr
from app.catalog.models import PERMISSIONS
from app.core.errors import ValidationError
from app.core.fields import FormRule, Rule
from app.core.i18n import LANGUAGE_NAMES, SUPPORTED
from app.core.translations import all_versions
from app.scheduling import rules as sr
from app.tenants import rules as tr

TOO_LONG = _l("This is too long.")


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ServiceForm(FlaskForm):
    #: The texts written per language, and the rule every language's version follows.
    translated = cr.SERVICE_TEXTS

    name = StringField(_l("Name"), validators=cr.NAME.validators())
    description = TextAreaField(_l("Description"), validators=cr.SERVICE_DESCRIPTION.validators())
    duration_minutes = IntegerField(_l("Duration, minutes"), default=60, validators=cr.DURATION_MINUTES.validators())
    buffer_minutes = IntegerField(
        _l("Break after, minutes"), default=0, validators=cr.BUFFER_MINUTES.validators(required=True)
    )
    price = DecimalField(_l("Price"), places=2, validators=cr.PRICE.validators())
    location_ids = MultiCheckboxField(_l("Offered at"), coerce=int)
    active = BooleanField(_l("Active"), default=True)


class MasterForm(FlaskForm):
    translated = cr.MASTER_TEXTS

    name = StringField(_l("Master's name"), validators=cr.NAME.validators())
    specialization = StringField(_l("Specialization"), validators=cr.SPECIALIZATION.validators())
    phone = StringField(_l("Phone"), validators=ar.PHONE.validators())
    email = EmailField(
        _l("Login email"),
        validators=ar.OPTIONAL_EMAIL.validators(),
        description=_l("Optional: the master gets a login to the master dashboard."),
    )
    password = PasswordField(
        _l("Password"),
        validators=ar.PASSWORD.validators(required=False),
        description=_l("Leave empty to send an invitation by email."),
    )
    language = SelectField(
        _l("Language of the master's messages"),
        choices=[SelectChoice("", _l("The business's language"))]
        + [SelectChoice(k, v) for k, v in LANGUAGE_NAMES.items()],
        default="",
        description=_l("The invitation and booking messages to the master are in this language."),
    )
    location_id = SelectField(_l("Location"), coerce=int)
    service_ids = MultiCheckboxField(_l("Services"), coerce=int)
    active = BooleanField(_l("Active"), default=True)


class LocationForm(FlaskForm):
    translated = tr.LOCATION_TEXTS

    name = StringField(_l("Name"), validators=tr.LOCATION_NAME.validators())
    address = StringField(_l("Address"), validators=tr.ADDRESS.validators())
    phone = StringField(_l("Phone"), validators=ar.PHONE.validators())
    timezone = SelectField(_l("Time zone"), choices=choices((z, z) for z in tr.COMMON_TIMEZONES))
    active = BooleanField(_l("Active"), default=True)


class SettingsForm(FlaskForm):
    translated = tr.BUSINESS_TEXTS

    name = StringField(_l("Business name"), validators=tr.BUSINESS_NAME.validators())
    description = TextAreaField(_l("About the business"), validators=tr.DESCRIPTION.validators())
    currency = SelectField(
        _l("Currency"),
        choices=choices([("KZT", "KZT ₸"), ("RUB", "RUB ₽"), ("USD", "USD $"), ("UZS", "UZS"), ("KGS", "KGS")]),
    )
    languages = MultiCheckboxField(
        _l("Languages of the booking site"),
        choices=choices(LANGUAGE_NAMES.items()),
        description=_l(
            "Clients can switch the site to these languages. Names, descriptions and addresses get a field for each."
        ),
    )
    default_language = SelectField(
        _l("Default language"),
        choices=choices(LANGUAGE_NAMES.items()),
        description=_l("Texts in this language are required. They are shown wherever a translation is missing."),
    )
    min_notice_minutes = IntegerField(
        _l("Minimum notice, minutes"), validators=tr.MIN_NOTICE_MINUTES.validators(required=True)
    )
    horizon_days = IntegerField(_l("Booking horizon, days"), validators=tr.HORIZON_DAYS.validators(required=True))
    cancellation_window_minutes = IntegerField(
        _l("Clients can cancel until, minutes before"),
        validators=tr.CANCELLATION_WINDOW_MINUTES.validators(required=True),
    )
    slot_step_minutes = IntegerField(
        _l("Slot step, minutes"), validators=tr.SLOT_STEP_MINUTES.validators(required=True)
    )
    require_confirmation = BooleanField(_l("Confirm every new booking by hand"))


# ---------------------------------------------------------------- texts in several languages


def text_languages(tenant) -> tuple[str, ...]:
    """The languages a business writes its texts in: the default first, then its site's others."""
    default = tenant.default_language
    others = [lang for lang in tenant.languages or () if lang in SUPPORTED and lang != default]
    return (default, *dict.fromkeys(others))


def spoken_name(lang: str) -> str:
    """``lang``'s name in the page's language, for a sentence (Russian, «русский», «орыс тілі»)."""
    locale = get_locale()
    return (locale.languages.get(lang) if locale else None) or LANGUAGE_NAMES[lang]


def version_field(name: str, lang: str) -> str:
    """The form field holding ``lang``'s version of ``name`` (``name_kk``)."""
    return f"{name}_{lang}"


def translated_form(form_cls: type[FlaskForm], tenant) -> type[FlaskForm]:
    """``form_cls`` with one field per other language of ``tenant`` for each translated field.

    The original field (``name``) holds the default language's text and keeps its rule as it
    is (required where the rule says so); every other language's field follows the same rule
    but may be left empty (its readers then get the default language's text).
    """
    return _translated_form(form_cls, text_languages(tenant))


@functools.cache
def _translated_form(form_cls: type[FlaskForm], languages: tuple[str, ...]) -> type[FlaskForm]:
    attrs: dict[str, Any] = {
        "text_languages": languages,
        "text_default": languages[0],
        "language_names": LANGUAGE_NAMES,
        "spoken_name": staticmethod(spoken_name),
    }
    for name, field_rule in form_cls.translated.items():
        base = getattr(form_cls, name)
        label = base.kwargs.get("label") or base.args[0]
        for lang in languages[1:]:
            attrs[version_field(name, lang)] = base.field_class(
                label=LazyString(lambda label=label, lang=lang: f"{label} · {LANGUAGE_NAMES[lang]}"),
                validators=_optional(field_rule),
            )
    return type(form_cls.__name__, (form_cls,), attrs)


def _optional(field_rule: Rule) -> list:
    """The rule's validators for a field that may stay empty: not flagged (nor rendered) required."""
    validators = field_rule.validators(required=False)
    for validator in validators:
        if isinstance(validator, FormRule):
            validator.field_flags = {}
    return validators


def fill_versions(form: FlaskForm, obj: Any) -> None:
    """Pre-fill the other languages' fields with ``obj``'s versions (the form's own fields
    already hold the default language's text)."""
    versions = all_versions(obj, form.text_default, form.text_languages)
    for lang in form.text_languages[1:]:
        for name in form.translated:
            form[version_field(name, lang)].data = versions.get(lang, {}).get(name, "")


def with_versions(form: FlaskForm, action: Callable[[dict], Any], *, new_default: str | None = None) -> Callable:
    """``action`` (a service call) given the form's data with the other languages' fields as
    ``data["translations"]`` = ``{lang: {field: text}}`` (an empty text removes that version),
    and the service's ``translations.<lang>.<field>`` errors put back on those fields.

    ``new_default`` names the data key of a default language that may change in the same
    call (the settings).  Then the old default's texts go as its version, and the new
    default's empty fields (or all of them, when the form has none for it) are left out:
    they keep the texts a change of the default language without new texts keeps
    (``app.core.translations.change_default``).
    """

    def run(data: dict) -> Any:
        versions = {lang: {} for lang in form.text_languages[1:]}
        for lang, version in versions.items():
            for name in form.translated:
                version[name] = data.pop(version_field(name, lang), None) or ""
        target = data.get(new_default) if new_default else None
        lifted: set[str] = set()
        if target in SUPPORTED and target != form.text_default:
            versions[form.text_default] = {name: data.get(name) or "" for name in form.translated}
            if target in versions:
                versions[target] = {name: text for name, text in versions[target].items() if text}
                lifted = set(versions[target])
            else:  # no fields for the new default here: its stored texts (or the old ones) stay
                for name in form.translated:
                    data.pop(name, None)
        if versions:
            data["translations"] = versions
        try:
            return action(data)
        except ValidationError as exc:
            details = _errors_at_fields(form, exc.details or {}, target if lifted else None, lifted)
            raise ValidationError(details, exc.message) from exc

    return run


def _errors_at_fields(form: FlaskForm, details: dict, new_default: str | None, lifted: set[str]) -> dict[str, list]:
    """The service's error keys as the form's field names (a new default language's texts
    were checked as the top-level fields)."""
    out: dict[str, list] = {}
    for key, messages in details.items():
        target = key
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "translations" and parts[2] in form.translated:
            lang, name = parts[1], parts[2]
            if lang == form.text_default:
                target = name
            elif version_field(name, lang) in form:
                target = version_field(name, lang)
        elif key in lifted:
            target = version_field(key, new_default)
        bucket = out.setdefault(target, [])
        bucket.extend(m for m in messages if m not in bucket)
    return out


class StaffBookingForm(FlaskForm):
    service_id = IntegerField(validators=[InputRequired(_l("Choose a service."))])
    slot = StringField(validators=[DataRequired(_l("Choose a time from the list."))])
    phone = StringField(_l("Client's phone"), validators=ar.REQUIRED_PHONE.validators())
    name = StringField(_l("Client's name"), validators=ar.CLIENT_NAME.validators())
    notes = TextAreaField(_l("Notes"), validators=br.NOTES.validators())


class SlotForm(FlaskForm):
    slot = StringField(validators=[DataRequired(_l("Choose a time from the list."))])


class TimeOffForm(FlaskForm):
    start = DateTimeLocalField(_l("From"), validators=[InputRequired(_l("Enter a date and time."))])
    end = DateTimeLocalField(_l("Until"), validators=[InputRequired(_l("Enter a date and time."))])
    reason = StringField(_l("Reason"), validators=sr.TIME_OFF_REASON.validators())


class OverrideForm(FlaskForm):
    date = DateField(_l("Date"), validators=[InputRequired(_l("Enter a date."))])
    intervals = StringField(
        _l("Hours"),
        validators=[Optional(), Length(max=200, message=TOO_LONG)],
        description=_l("For example 10:00-14:00, 15:00-18:00. Leave empty for a day off."),
    )


PERMISSION_LABELS = {
    "edit_own_schedule": _l("Edit my own working hours"),
    "see_client_phones": _l("See clients' phone numbers"),
    "cancel_own_bookings": _l("Cancel and move my own bookings"),
}


class PermissionRequestForm(FlaskForm):
    permission = SelectField(_l("Permission"), choices=choices((p, PERMISSION_LABELS.get(p, p)) for p in PERMISSIONS))
    reason = TextAreaField(_l("Why do you need it?"), validators=cr.PERMISSION_REASON.validators())
