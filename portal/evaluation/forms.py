"""Forms of the evaluation domain (labels lazy). The answer form is built from the questions
in the view, because each questionnaire has its own."""
from __future__ import annotations

from babel.lists import format_list
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField
from wtforms.validators import Optional

from ..forms import ANY, TranslatedField
from ..i18n import language_name, lazy_gettext as _l, ngettext
from .models import RATING, TEXT

KIND_LABELS = {RATING: _l("Rating from 1 (poor) to 5 (excellent)"), TEXT: _l("Free text")}


def language_list(languages: tuple[str, ...]) -> str:
    """"English and French" / "anglais et français", in the reader's language."""
    return format_list([language_name(lang) for lang in languages], locale=str(get_locale()))


class QuestionForm(FlaskForm):
    """``for_course`` says which languages the question needs (the course's)."""
    kind = SelectField(_l("Kind of answer"), choices=lambda: list(KIND_LABELS.items()))
    text = TranslatedField(_l("Question"), max_length=500, rows=2, required=ANY, message=_l(
        "Write the question in at least one language."))
    required = BooleanField(_l("An answer is required"), default=True)

    def for_course(self, languages: tuple[str, ...]) -> QuestionForm:
        """Require the question in ``languages`` (services.question_languages), or in at
        least one language when there are none."""
        if languages:
            names = language_list(languages)
            self.text.require(languages, ngettext(
                "Write the question in %(languages)s, the language of the course.",
                "Write the question in each language of the course: %(languages)s.",
                len(languages), languages=names))
        return self


class CsrfForm(FlaskForm):
    """Only the CSRF check, for the forms whose fields are read by hand (answers) or that
    have none (remove, copy)."""


class OpeningForm(FlaskForm):
    opens_on = DateField(_l("Participants may answer from"), validators=[Optional()])
