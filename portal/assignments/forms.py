"""Forms of the assignments domain. Times are typed in the editor's own time zone."""
from __future__ import annotations

from datetime import UTC, datetime

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import CheckboxesField, TranslatedField
from ..i18n import lazy_gettext as _l, zone_of
from .files import FILE_TYPES, MAX_SIZE_MB

PHASE_LABELS = {"pre-arrival": _l("Pre-arrival"), "in-japan": _l("In Japan"),
                "post-return": _l("Post-return")}
ASK_LABELS = {"text": _l("A text"), "files": _l("Files"), "both": _l("A text and files")}
FILE_TYPE_LABELS = {"pdf": _l("PDF"), "word": _l("Word processor documents"),
                    "spreadsheet": _l("Spreadsheets"), "presentation": _l("Presentations"),
                    "image": _l("Photos (JPEG, PNG)"), "text": _l("Plain text")}
STATE_LABELS = {"draft": _l("Draft"), "submitted": _l("Submitted"),
                "returned": _l("Returned for revision"), "accepted": _l("Accepted"),
                "missing": _l("Not started")}
MAX_TEXT = 100_000
CONTENT_FIELDS = ("title", "instructions", "statement")


def to_utc(local: datetime | None, zone: str) -> datetime | None:
    """A time typed in ``zone`` (a naive datetime from the form) as aware UTC."""
    if local is None:
        return None
    return local.replace(tzinfo=zone_of(zone)).astimezone(UTC)


def to_local(moment: datetime | None, zone: str) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(zone_of(zone)).replace(tzinfo=None)


class AssignmentForm(FlaskForm):
    phase = SelectField(_l("Phase"), choices=lambda: list(PHASE_LABELS.items()))
    title = TranslatedField(_l("Title"), max_length=300, rows=1, required="en",
                            message=_l("Enter a title in English."))
    instructions = TranslatedField(_l("Instructions (Markdown)"), max_length=MAX_TEXT, rows=8)
    statement = TranslatedField(_l("Statement to accept on submission"), max_length=MAX_TEXT,
                                rows=3)
    opens_at = DateTimeLocalField(_l("Opens at"), validators=[
        InputRequired(message=_l("Enter when the assignment opens."))])
    due_mode = RadioField(_l("Due date"), default="fixed", choices=lambda: [
        ("fixed", _l("On a date")), ("relative", _l("Months after the departure from Japan"))])
    due_at = DateTimeLocalField(_l("Due at"), validators=[Optional()])
    due_months = IntegerField(_l("Months after departure"), validators=[
        Optional(), NumberRange(min=1, max=36, message=_l("Between 1 and 36 months."))])
    cutoff_at = DateTimeLocalField(_l("Cut-off (optional: no submission taken after it)"),
                                   validators=[Optional()])
    asks = SelectField(_l("What is asked"), choices=lambda: list(ASK_LABELS.items()),
                       default="both")
    file_types = CheckboxesField(_l("Accepted files"),
                               choices=lambda: list(FILE_TYPE_LABELS.items()),
                               default=["pdf", "word"])
    max_files = IntegerField(_l("Maximum number of files"), default=3, validators=[
        InputRequired(), NumberRange(min=1, max=20, message=_l("Between 1 and 20 files."))])
    max_size_mb = IntegerField(_l("Largest file (MB)"), default=20, validators=[
        InputRequired(), NumberRange(min=1, max=MAX_SIZE_MB,
                                     message=_l("Between 1 and %(max)s MB.", max=MAX_SIZE_MB))])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.due_mode.data == "relative" and self.due_months.data is None:
            self.due_months.errors.append(_l("Enter a number of months."))
            ok = False
        if self.due_mode.data == "fixed" and self.due_at.data is None and not self.due_at.errors:
            self.due_at.errors.append(_l("Enter the due date."))
            ok = False
        if self.asks.data in ("files", "both") and not self.file_types.data:
            self.file_types.errors.append(_l("Choose at least one kind of file."))
            ok = False
        return ok

    def fill_from(self, assignment, zone: str) -> None:
        for name in CONTENT_FIELDS:
            self[name].data = getattr(assignment, name)
        self.phase.data, self.asks.data = assignment.phase, assignment.asks
        self.file_types.data = list(assignment.file_types)
        self.max_files.data, self.max_size_mb.data = assignment.max_files, assignment.max_size_mb
        self.opens_at.data = to_local(assignment.opens_at, zone)
        self.due_at.data = to_local(assignment.due_at, zone)
        self.cutoff_at.data = to_local(assignment.cutoff_at, zone)
        self.due_months.data = assignment.due_months_after_departure
        self.due_mode.data = "relative" if assignment.due_months_after_departure else "fixed"

    def cleaned(self, zone: str) -> dict:
        per_lang = {name: self[name].data for name in CONTENT_FIELDS}
        relative = self.due_mode.data == "relative"
        return dict(per_lang, phase=self.phase.data, asks=self.asks.data,
                    file_types=[t for t in FILE_TYPES if t in (self.file_types.data or [])],
                    max_files=self.max_files.data, max_size_mb=self.max_size_mb.data,
                    opens_at=to_utc(self.opens_at.data, zone),
                    due_at=None if relative else to_utc(self.due_at.data, zone),
                    due_months_after_departure=self.due_months.data if relative else None,
                    cutoff_at=to_utc(self.cutoff_at.data, zone))


class WorkForm(FlaskForm):
    text = TextAreaField(_l("Your text"), validators=[Optional(), Length(
        max=MAX_TEXT, message=_l("The text is too long (at most %(max)s characters).",
                                 max=MAX_TEXT))], render_kw={"rows": 14})
    statement = BooleanField(_l("I accept the statement above."))


class ReviewForm(FlaskForm):
    feedback = TextAreaField(_l("Feedback"), validators=[Optional(), Length(max=MAX_TEXT)],
                             render_kw={"rows": 8})
    decision = RadioField(_l("Decision"), choices=lambda: [
        ("returned", _l("Return for revision")), ("accepted", _l("Accept"))],
        validators=[InputRequired(message=_l("Choose a decision."))])


class ExtensionRequestForm(FlaskForm):
    reason = TextAreaField(_l("Why do you need more time?"), validators=[
        DataRequired(message=_l("Give a reason.")), Length(max=5000)], render_kw={"rows": 4})
    wanted = DateTimeLocalField(_l("New due date you ask for (optional)"),
                                validators=[Optional()])


class GrantForm(FlaskForm):
    participant = SelectField(_l("Participant"), coerce=int, validate_choice=True)
    due_at = DateTimeLocalField(_l("New due date"), validators=[
        InputRequired(message=_l("Enter the new due date."))])
    cutoff_at = DateTimeLocalField(_l("New cut-off (optional)"), validators=[Optional()])
    answer = TextAreaField(_l("Message to the participant (optional)"),
                           validators=[Optional(), Length(max=5000)], render_kw={"rows": 3})


class AnswerForm(FlaskForm):
    decision = RadioField(_l("Answer"), choices=lambda: [("grant", _l("Grant")),
                                                 ("refuse", _l("Refuse"))],
                          validators=[InputRequired(message=_l("Choose an answer."))])
    due_at = DateTimeLocalField(_l("New due date"), validators=[Optional()])
    cutoff_at = DateTimeLocalField(_l("New cut-off (optional)"), validators=[Optional()])
    answer = TextAreaField(_l("Message to the participant (optional)"),
                           validators=[Optional(), Length(max=5000)], render_kw={"rows": 3})

    def identify(self, extension_id: int) -> AnswerForm:
        """Ids of this request's own (the extensions page has one answer form per request),
        so each problem is beside its field and the summary links to it."""
        for f in (self.decision, self.due_at, self.cutoff_at, self.answer):
            f.id = f.label.field_id = "%s-%d" % (f.name, extension_id)
        return self
