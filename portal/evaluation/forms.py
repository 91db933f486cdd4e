"""Forms of the evaluation domain (labels lazy). The answer form is built from the questions
in the view, because each questionnaire has its own."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .models import RATING, TEXT

KIND_LABELS = {RATING: _l("Rating from 1 (poor) to 5 (excellent)"), TEXT: _l("Free text")}


class QuestionForm(FlaskForm):
    kind = SelectField(_l("Kind of answer"), choices=lambda: list(KIND_LABELS.items()))
    text_en = TextAreaField(_l("Question in English"), validators=[
        DataRequired(message=_l("Write the question in each of the three languages.")),
        Length(max=500)], render_kw={"lang": "en", "rows": 2})
    text_fr = TextAreaField(_l("Question in French"), validators=[
        DataRequired(message=_l("Write the question in each of the three languages.")),
        Length(max=500)], render_kw={"lang": "fr", "rows": 2})
    text_es = TextAreaField(_l("Question in Spanish"), validators=[
        DataRequired(message=_l("Write the question in each of the three languages.")),
        Length(max=500)], render_kw={"lang": "es", "rows": 2})
    required = BooleanField(_l("An answer is required"), default=True)

    def text(self) -> dict:
        return {lang: self["text_" + lang].data.strip() for lang in ("en", "fr", "es")}


class CsrfForm(FlaskForm):
    """Only the CSRF check, for the forms whose fields are read by hand (answers) or that
    have none (remove, copy)."""


class OpeningForm(FlaskForm):
    opens_on = DateField(_l("Participants may answer from"), validators=[Optional()])
