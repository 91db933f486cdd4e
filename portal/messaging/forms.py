"""Forms of the messaging domain: an announcement and its audience, the notification choice.
Choices are checked by the services (every problem at once), not refused here."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField

from ..courses.vocabulary import ENROLLMENT_STATES
from ..forms import ANY, CheckboxesField, TranslatedField
from ..i18n import lazy_gettext as _l
from . import audience
from .models import Delivery
from .services import BODY_MAX, SUBJECT_MAX

PROGRESS_LABELS = {
    audience.NOT_STARTED: _l("Not started"),
    audience.STARTED: _l("Started, not handed in"),
    audience.NOT_HANDED_IN: _l("Not handed in yet"),
    audience.OVERDUE: _l("Overdue (not handed in, past their deadline)"),
    audience.HANDED_IN: _l("Handed in, waiting for review"),
    audience.RETURNED_WORK: _l("Returned for revision"),
    audience.DONE: _l("Accepted"),
}
DELIVERY_LABELS = {
    Delivery.IMMEDIATE: _l("At once: one e-mail for each"),
    Delivery.DIGEST: _l("Once a day: one e-mail listing them"),
    Delivery.OFF: _l("Never"),
}


class AnnouncementForm(FlaskForm):
    subject = TranslatedField(_l("Subject"), max_length=SUBJECT_MAX, required=ANY,
                              message=_l("Give the subject in at least one language."))
    body = TranslatedField(_l("Message"), max_length=BODY_MAX, required=ANY, rows=8,
                           message=_l("Write the message in at least one language."))
    states = CheckboxesField(_l("Enrollment state"), validate_choice=False,
                             choices=lambda: list(ENROLLMENT_STATES.items()),
                             default=audience.DEFAULT_STATES)
    assignment = SelectField(_l("Assignment"), validate_choice=False, choices=[])
    progress = SelectField(_l("Progress on that assignment"), validate_choice=False,
                           choices=lambda: [("", _l("Any progress")),
                                            *PROGRESS_LABELS.items()])
    countries = SelectMultipleField(_l("Countries"), validate_choice=False, choices=[])
    expected = HiddenField()

    def audience(self) -> audience.Audience:
        assignment = self.assignment.data or ""
        return audience.Audience(
            states=tuple(dict.fromkeys(self.states.data or ())),
            assignment_id=_number(assignment),
            progress=self.progress.data or None,
            countries=audience.clean_countries(self.countries.data or ()))

    def expected_token(self) -> str | None:
        """The preview's ``services.token_of`` (who it showed), posted back with Send."""
        return (self.expected.data or "")[:40] or None


def _number(text: str) -> int | None:
    """A posted id or count; anything else (or too large for a column) is none."""
    return int(text) if text.isdigit() and len(text) < 10 else None


class NoticePreferenceForm(FlaskForm):
    delivery = RadioField(_l("Tell me of new hand-ins, resubmissions and extension requests"),
                          choices=lambda: list(DELIVERY_LABELS.items()))
