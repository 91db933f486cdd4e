"""Forms of the auth domain. Labels are lazy (``_l``): they are built at import time."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from ..i18n import (
    LANGUAGE_NAMES,
    LANGUAGES,
    current_timezones,
    lazy_gettext as _l,
    timezone_choices,
)
from .services import MAX_PASSWORD, MIN_PASSWORD


def language_choices():
    return [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]


def _zone_choices(form, field):
    return timezone_choices()


def _valid_timezone(form, field):
    if (field.data or "") not in current_timezones():
        raise ValidationError(_l("Choose a time zone from the list."))


def new_password_field(label):
    return PasswordField(label, validators=[
        DataRequired(message=_l("Enter a password.")),
        Length(min=MIN_PASSWORD, max=MAX_PASSWORD,
               message=_l("The password must have %(min)s to %(max)s characters.",
                          min=MIN_PASSWORD, max=MAX_PASSWORD))],
        render_kw={"autocomplete": "new-password"})


def confirm_field():
    return PasswordField(_l("Repeat the password"), validators=[
        DataRequired(message=_l("Repeat the password.")),
        EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"})


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(message=_l("Enter your e-mail address.")), Length(max=254)],
        render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[
        DataRequired(message=_l("Enter your password.")), Length(max=MAX_PASSWORD)],
        render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this device (30 days)"))
    next = HiddenField()


class InvitationForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[
        DataRequired(message=_l("Enter your name.")), Length(max=200)],
        render_kw={"autocomplete": "name"})
    password = new_password_field(_l("Choose a password"))
    confirm = confirm_field()
    language = SelectField(_l("Language"), choices=language_choices)
    timezone = SelectField(_l("Time zone"), choices=_zone_choices,
                           validators=[_valid_timezone], validate_choice=False)


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(message=_l("Enter your e-mail address.")),
        Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
        Length(max=254)], render_kw={"autocomplete": "username"})


class ResetForm(FlaskForm):
    password = new_password_field(_l("New password"))
    confirm = confirm_field()


class PreferencesForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[
        DataRequired(message=_l("Enter your name.")), Length(max=200)])
    language = SelectField(_l("Language"), choices=language_choices)
    timezone = SelectField(_l("Time zone"), choices=_zone_choices,
                           validators=[_valid_timezone], validate_choice=False)


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[
        DataRequired(message=_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"})
    password = new_password_field(_l("New password"))
    confirm = confirm_field()


class TwoStepCodeForm(FlaskForm):
    """The second step of the sign-in, and the confirmation of a new authenticator app."""
    code = StringField(_l("Code"), validators=[
        DataRequired(message=_l("Enter the code.")), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "off",
                   "spellcheck": "false"})


class PasswordCheckForm(FlaskForm):
    """Asks the password again before a change to two-step sign-in."""
    password = PasswordField(_l("Your password"), validators=[
        DataRequired(message=_l("Enter your password.")), Length(max=MAX_PASSWORD)],
        render_kw={"autocomplete": "current-password"})
