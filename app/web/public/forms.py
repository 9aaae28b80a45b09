"""Forms of the booking site."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional

from app.accounts import rules as ar
from app.bookings import rules as br


class InstantField(HiddenField):
    """An ISO 8601 instant with an offset (the slot the client picked)."""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0]:
            try:
                value = datetime.fromisoformat(valuelist[0])
            except ValueError:
                raise ValueError(_l("Choose a time from the list.")) from None
            if value.tzinfo is None:
                raise ValueError(_l("Choose a time from the list."))
            self.data = value

    def _value(self) -> str:
        return self.data.isoformat() if isinstance(self.data, datetime) else ""


class PhoneForm(FlaskForm):
    phone = StringField(_l("Phone number"), validators=ar.REQUIRED_PHONE.validators())
    next = HiddenField()


class CodeForm(FlaskForm):
    phone = HiddenField(validators=[DataRequired(_l("Enter a phone number."))])
    code = StringField(_l("Code from the SMS"), validators=ar.SMS_CODE.validators(required=True))
    name = StringField(_l("Your name"), validators=ar.CLIENT_NAME.validators())
    next = HiddenField()


class BookForm(FlaskForm):
    location_id = IntegerField(validators=[Optional()])
    service_id = IntegerField(validators=[InputRequired(_l("Choose a service."))])
    master_id = IntegerField(validators=[InputRequired(_l("Choose a master."))])
    start = InstantField(validators=[InputRequired(_l("Choose a time from the list."))])
    notes = TextAreaField(_l("Comment for the master"), validators=br.NOTES.validators())


class RescheduleForm(FlaskForm):
    slot = StringField(validators=[DataRequired(_l("Choose a time from the list."))])
