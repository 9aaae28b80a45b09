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
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.accounts import rules as ar
from app.bookings import rules as br
from app.catalog import rules as cr
from app.catalog.models import PERMISSIONS
from app.core.i18n import LANGUAGE_NAMES
from app.scheduling import rules as sr
from app.tenants import rules as tr

TOO_LONG = _l("This is too long.")


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ServiceForm(FlaskForm):
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
    name = StringField(_l("Name"), validators=tr.LOCATION_NAME.validators())
    address = StringField(_l("Address"), validators=tr.ADDRESS.validators())
    phone = StringField(_l("Phone"), validators=ar.PHONE.validators())
    timezone = SelectField(_l("Time zone"), choices=choices((z, z) for z in tr.COMMON_TIMEZONES))
    active = BooleanField(_l("Active"), default=True)


class SettingsForm(FlaskForm):
    name = StringField(_l("Business name"), validators=tr.BUSINESS_NAME.validators())
    description = TextAreaField(_l("About the business"), validators=tr.DESCRIPTION.validators())
    currency = SelectField(
        _l("Currency"),
        choices=choices([("KZT", "KZT ₸"), ("RUB", "RUB ₽"), ("USD", "USD $"), ("UZS", "UZS"), ("KGS", "KGS")]),
    )
    languages = MultiCheckboxField(_l("Languages of the booking site"), choices=choices(LANGUAGE_NAMES.items()))
    default_language = SelectField(_l("Default language"), choices=choices(LANGUAGE_NAMES.items()))
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
