"""Forms of the courses domain. Labels are lazy (``_l``): they are built at import time."""
from __future__ import annotations

import re

from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from ..forms import ANY, CheckboxesField, TranslatedField
from ..i18n import language_name, lazy_gettext as _l
from .vocabulary import ENROLLMENT_STATES, PROGRAM_TYPES, REGIONS, SUBJECTS, TRAINING_CENTERS

# The languages a course may be taught in, a wider list than the languages of its content.
INSTRUCTION_LANGUAGES = ("en", "fr", "es", "ja", "ar", "pt", "ru")
CONTENT_FIELDS = ("title", "description", "objectives", "outline")


def training_centers() -> tuple[str, ...]:
    """The configurable list (``TRAINING_CENTERS`` in the app config), else DESIGN.md's."""
    return tuple(current_app.config.get("TRAINING_CENTERS") or TRAINING_CENTERS)


def _choices(mapping, blank=None):
    pairs = list(mapping.items())
    return ([("", blank)] if blank is not None else []) + pairs


def parse_months(text: str) -> list[int]:
    """ "3, 6" -> [3, 6]; ValueError on anything else."""
    parts = [p for p in re.split(r"[\s,;]+", text or "") if p]
    months = sorted({int(p) for p in parts})  # int() raises ValueError on words
    if any(m < 1 or m > 60 for m in months) or len(months) > 12:
        raise ValueError(text)
    return months


def _months(form, field):
    try:
        parse_months(field.data)
    except ValueError:
        raise ValidationError(_l("Give whole numbers of months between 1 and 60, separated "
                                 "by commas, for example: 3, 6")) from None


class CourseForm(FlaskForm):
    code = StringField(_l("Course code"), validators=[
        DataRequired(message=_l("Enter a course code.")), Length(max=40),
        Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
               message=_l("Use letters, digits, dots, hyphens and underscores only."))])
    subject = SelectField(_l("Subject"), choices=lambda: _choices(SUBJECTS))
    program_type = SelectField(_l("Program type"), choices=lambda: _choices(PROGRAM_TYPES))
    training_center = SelectField(_l("Training center"),
                                  choices=lambda: [(c, c) for c in training_centers()])
    region = SelectField(_l("Region focus"),
                         choices=lambda: _choices(REGIONS, _l("No particular region")))
    languages = CheckboxesField(_l("Languages of instruction"), choices=lambda: [
        (code, language_name(code)) for code in INSTRUCTION_LANGUAGES])
    pre_arrival_opens = DateField(_l("Pre-arrival phase opens"), validators=[
        DataRequired(message=_l("Enter the date the pre-arrival phase opens."))])
    arrival = DateField(_l("Arrival in Japan"), validators=[
        DataRequired(message=_l("Enter the date of arrival in Japan."))])
    departure = DateField(_l("Departure from Japan"), validators=[
        DataRequired(message=_l("Enter the date of departure from Japan."))])
    report_months = StringField(_l("Post-return reports due (months after departure)"),
                                validators=[Optional(), Length(max=60), _months])
    fiscal_year = IntegerField(_l("Fiscal year"), validators=[
        Optional(), NumberRange(min=1954, max=2100,
                                message=_l("Enter a year between 1954 and 2100."))])
    title = TranslatedField(_l("Title"), max_length=200, required=ANY,
                            message=_l("Enter a title in at least one language."))
    description = TranslatedField(_l("Description"), max_length=5000, rows=4)
    objectives = TranslatedField(_l("Objectives"), max_length=5000, rows=4)
    outline = TranslatedField(_l("Outline"), max_length=10000, rows=6)

    def validate_languages(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one language of instruction."))


class RolloverForm(FlaskForm):
    """A course copied to another year: the new code and dates (fields as the course form's,
    so their checks are the same). The rest is copied from the course (courses/rollover.py)."""
    code = CourseForm.code
    pre_arrival_opens = CourseForm.pre_arrival_opens
    arrival = CourseForm.arrival
    departure = CourseForm.departure
    report_months = CourseForm.report_months
    fiscal_year = CourseForm.fiscal_year


class StaffForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(message=_l("Enter an e-mail address.")),
        Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
        Length(max=254)])
    kind = SelectField(_l("As"), choices=lambda: [("instructor", _l("Instructor")),
                                                  ("coordinator", _l("Coordinator"))])


class ImportForm(FlaskForm):
    file = FileField(_l("Nomination list (CSV or XLSX)"), validators=[
        FileRequired(message=_l("Choose a file to upload."))])


class StatesForm(FlaskForm):
    state = SelectField(_l("New state"), choices=lambda: _choices(ENROLLMENT_STATES))
