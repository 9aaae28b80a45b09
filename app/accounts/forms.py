from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from app.accounts import rules as ar
from app.core.i18n import LANGUAGE_NAMES
from app.tenants import rules as tr


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=ar.LOGIN_EMAIL.validators())
    password = PasswordField(_l("Password"), validators=ar.CURRENT_PASSWORD.validators())
    remember = BooleanField(_l("Remember me"))


class RegisterBusinessForm(FlaskForm):
    business_name = StringField(_l("Business name"), validators=tr.BUSINESS_NAME.validators())
    subdomain = StringField(
        _l("Address of your booking site"),
        validators=tr.SUBDOMAIN.validators(),
        description=_l("Lowercase letters, digits and hyphens, e.g. anna-beauty"),
    )
    owner_name = StringField(_l("Your name"), validators=ar.PERSON_NAME.validators())
    email = EmailField(_l("Email"), validators=ar.EMAIL.validators())
    password = PasswordField(_l("Password"), validators=ar.PASSWORD.validators())
    phone = StringField(_l("Phone"), validators=ar.PHONE.validators())
    address = StringField(_l("Address"), validators=tr.ADDRESS.validators())
    description = TextAreaField(_l("About the business"), validators=tr.DESCRIPTION.validators())
    language = SelectField(_l("Language"), choices=[SelectChoice(k, v) for k, v in LANGUAGE_NAMES.items()])
    timezone = SelectField(_l("Time zone"), choices=[SelectChoice(z) for z in tr.COMMON_TIMEZONES])
    currency = SelectField(
        _l("Currency"),
        choices=[
            SelectChoice("KZT", "KZT ₸"),
            SelectChoice("RUB", "RUB ₽"),
            SelectChoice("USD", "USD $"),
            SelectChoice("UZS", "UZS"),
            SelectChoice("KGS", "KGS"),
        ],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=ar.RESET_EMAIL.validators())


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=ar.PASSWORD.validators())


class WelcomeForm(FlaskForm):
    """An invited member of staff chooses a first password."""

    password = PasswordField(_l("Choose a password"), validators=ar.PASSWORD.validators())
