from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..auth.forms import language_choices
from ..i18n import countries, is_country, lazy_gettext as _l

ROLE_LABELS = {
    "participant": _l("Participant"),
    "instructor": _l("Instructor"),
    "coordinator": _l("Coordinator"),
    "admin": _l("Administrator"),
}


def role_choices(roles):
    return [(role, ROLE_LABELS[role]) for role in roles]


def country_choices():
    from flask_babel import get_locale
    return [("", _l("— Choose —"))] + list(countries(str(get_locale() or "en")))


def _country(form, field):
    if field.data and not is_country(field.data):
        raise ValidationError(_l("Choose a country from the list."))


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(message=_l("Enter an e-mail address.")),
        Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
        Length(max=254)])
    name = StringField(_l("Full name"), validators=[
        DataRequired(message=_l("Enter a name.")), Length(max=200)])
    role = SelectField(_l("Role"))
    country = SelectField(_l("Country"), choices=country_choices, validators=[Optional(), _country],
                          validate_choice=False)
    organization = StringField(_l("Organization"), validators=[Optional(), Length(max=300)])
    language = SelectField(_l("Preferred language"), choices=language_choices)


STATE_LABELS = {
    "invited": _l("Invited"),
    "active": _l("Active"),
    "deactivated": _l("Deactivated"),
}
BULK_LABELS = {
    "resend": _l("Send the invitation again"),
    "deactivate": _l("Deactivate"),
}


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=lambda: role_choices(ROLE_LABELS))
    # Set by the warning page's button: change the role although enrollments stay behind.
    confirmed = HiddenField()


class BulkUsersForm(FlaskForm):
    """The ticked accounts of the user list and what to do with them; the list's filters ride
    along so the answer comes back to the same list."""
    users = SelectMultipleField(_l("Accounts"), coerce=int, validate_choice=False,
                                validators=[DataRequired(message=_l(
                                    "Tick at least one account in the list."))])
    action = SelectField(_l("With the ticked accounts"),
                         choices=lambda: list(BULK_LABELS.items()))
    confirmed = BooleanField()
    q = HiddenField()
    role = HiddenField()
    state = HiddenField()
    page = HiddenField()


class AuditFilterForm(FlaskForm):
    """The audit log's filters: a GET form (nothing changes), so no CSRF token."""
    class Meta:
        csrf = False

    person = StringField(_l("Person (e-mail or account number)"),
                         validators=[Optional(), Length(max=254)])
    action = SelectField(_l("Action"), validators=[Optional()])
    start = DateField(_l("From (UTC)"), validators=[Optional()])
    end = DateField(_l("To (UTC)"), validators=[Optional()])

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The end date is before the start date."))
