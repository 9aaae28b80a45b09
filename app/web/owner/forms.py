"""Forms of the staff dashboards (owner, manager, master)."""

from __future__ import annotations

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
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.catalog.models import PERMISSIONS
from app.core.i18n import LANGUAGE_NAMES

REQUIRED = _l("This field is required.")
TOO_LONG = _l("This is too long.")
TIMEZONES = (
    "Asia/Almaty",
    "Asia/Aqtobe",
    "Asia/Aqtau",
    "Asia/Oral",
    "Asia/Qyzylorda",
    "Asia/Atyrau",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Novosibirsk",
    "Asia/Tashkent",
    "Asia/Bishkek",
    "Europe/Berlin",
    "UTC",
)


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _int_range(lo: int, hi: int):
    return NumberRange(lo, hi, message=_l("Enter a whole number from %(lo)s to %(hi)s.", lo=lo, hi=hi))


class ServiceForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=200, message=TOO_LONG)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000, message=TOO_LONG)])
    duration_minutes = IntegerField(
        _l("Duration, minutes"), default=60, validators=[InputRequired(REQUIRED), _int_range(5, 720)]
    )
    buffer_minutes = IntegerField(
        _l("Break after, minutes"), default=0, validators=[InputRequired(REQUIRED), _int_range(0, 240)]
    )
    price = DecimalField(
        _l("Price"),
        places=2,
        validators=[InputRequired(REQUIRED), NumberRange(0, 10**9, message=_l("Enter a price of zero or more."))],
    )
    location_ids = MultiCheckboxField(_l("Offered at"), coerce=int)
    active = BooleanField(_l("Active"), default=True)


class MasterForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=200, message=TOO_LONG)])
    specialization = StringField(_l("Specialization"), validators=[Optional(), Length(max=200, message=TOO_LONG)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30, message=TOO_LONG)])
    email = EmailField(
        _l("Login email"),
        validators=[Optional(), Email(_l("Enter a valid email address.")), Length(max=254, message=TOO_LONG)],
        description=_l("Optional: the master gets a login to the master dashboard."),
    )
    password = PasswordField(
        _l("Password"),
        validators=[Optional(), Length(min=8, max=72, message=_l("Use 8 to 72 characters."))],
        description=_l("Leave empty to send an invitation by email."),
    )
    location_id = SelectField(_l("Location"), coerce=int)
    service_ids = MultiCheckboxField(_l("Services"), coerce=int)
    active = BooleanField(_l("Active"), default=True)


class LocationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=200, message=TOO_LONG)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=500, message=TOO_LONG)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30, message=TOO_LONG)])
    timezone = SelectField(_l("Time zone"), choices=choices((z, z) for z in TIMEZONES))
    active = BooleanField(_l("Active"), default=True)


class SettingsForm(FlaskForm):
    name = StringField(_l("Business name"), validators=[DataRequired(REQUIRED), Length(max=200, message=TOO_LONG)])
    description = TextAreaField(_l("About the business"), validators=[Optional(), Length(max=2000, message=TOO_LONG)])
    currency = SelectField(
        _l("Currency"),
        choices=choices([("KZT", "KZT ₸"), ("RUB", "RUB ₽"), ("USD", "USD $"), ("UZS", "UZS"), ("KGS", "KGS")]),
    )
    languages = MultiCheckboxField(_l("Languages of the booking site"), choices=choices(LANGUAGE_NAMES.items()))
    default_language = SelectField(_l("Default language"), choices=choices(LANGUAGE_NAMES.items()))
    min_notice_minutes = IntegerField(
        _l("Minimum notice, minutes"), validators=[InputRequired(REQUIRED), _int_range(0, 20160)]
    )
    horizon_days = IntegerField(_l("Booking horizon, days"), validators=[InputRequired(REQUIRED), _int_range(1, 365)])
    cancellation_window_minutes = IntegerField(
        _l("Clients can cancel until, minutes before"), validators=[InputRequired(REQUIRED), _int_range(0, 20160)]
    )
    slot_step_minutes = IntegerField(_l("Slot step, minutes"), validators=[InputRequired(REQUIRED), _int_range(5, 120)])
    require_confirmation = BooleanField(_l("Confirm every new booking by hand"))


class StaffBookingForm(FlaskForm):
    service_id = IntegerField(validators=[InputRequired(_l("Choose a service."))])
    slot = StringField(validators=[DataRequired(_l("Choose a time from the list."))])
    phone = StringField(
        _l("Client's phone"), validators=[DataRequired(_l("Enter a phone number.")), Length(max=30, message=TOO_LONG)]
    )
    name = StringField(_l("Client's name"), validators=[Optional(), Length(max=200, message=TOO_LONG)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=1000, message=TOO_LONG)])


class SlotForm(FlaskForm):
    slot = StringField(validators=[DataRequired(_l("Choose a time from the list."))])


class TimeOffForm(FlaskForm):
    start = DateTimeLocalField(_l("From"), validators=[InputRequired(_l("Enter a date and time."))])
    end = DateTimeLocalField(_l("Until"), validators=[InputRequired(_l("Enter a date and time."))])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=200, message=TOO_LONG)])


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
    reason = TextAreaField(_l("Why do you need it?"), validators=[Optional(), Length(max=1000, message=TOO_LONG)])
