"""Forms of the evaluation domain (labels lazy). The answer form is built from the questions
in the view, because each questionnaire has its own."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField
from wtforms.validators import Optional

from ..forms import ALL, TranslatedField
from .models import RATING, TEXT

KIND_LABELS = {RATING: _l("Rating from 1 (poor) to 5 (excellent)"), TEXT: _l("Free text")}


class QuestionForm(FlaskForm):
    kind = SelectField(_l("Kind of answer"), choices=lambda: list(KIND_LABELS.items()))
    text = TranslatedField(_l("Question"), max_length=500, rows=2, required=ALL, message=_l(
        "Write the question in each of the three languages."))
    required = BooleanField(_l("An answer is required"), default=True)


class CsrfForm(FlaskForm):
    """Only the CSRF check, for the forms whose fields are read by hand (answers) or that
    have none (remove, copy)."""


class OpeningForm(FlaskForm):
    opens_on = DateField(_l("Participants may answer from"), validators=[Optional()])
