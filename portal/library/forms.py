"""Forms for materials and subtitles."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Optional, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..courses.vocabulary import SUBJECTS
from ..i18n import CONTENT_LANGUAGES, LANGUAGE_NAMES

VISIBILITY_LABELS = {"public": _l("Public: anyone"),
                     "registered": _l("Registered: anyone signed in"),
                     "course": _l("Course members: the related courses only")}
KIND_LABELS = {"video": _l("Video"), "document": _l("Document")}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _languages():
    return [(code, LANGUAGE_NAMES[code]) for code in CONTENT_LANGUAGES]


class MaterialForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=lambda: list(KIND_LABELS.items()))
    title_en = StringField(_l("Title in English"), validators=[Length(max=300)])
    title_fr = StringField(_l("Title in French"), validators=[Length(max=300)])
    title_es = StringField(_l("Title in Spanish"), validators=[Length(max=300)])
    title_ja = StringField(_l("Title in Japanese"), validators=[Length(max=300)])
    description_en = TextAreaField(_l("Description in English"), validators=[Length(max=5000)])
    description_fr = TextAreaField(_l("Description in French"), validators=[Length(max=5000)])
    description_es = TextAreaField(_l("Description in Spanish"), validators=[Length(max=5000)])
    description_ja = TextAreaField(_l("Description in Japanese"), validators=[Length(max=5000)])
    subjects = MultiCheckboxField(_l("Subjects"), choices=lambda: list(SUBJECTS.items()))
    keywords = StringField(_l("Keywords, separated by commas"), validators=[Length(max=500)])
    year = IntegerField(_l("Production year"), validators=[Optional(), NumberRange(1950, 2100)])
    audio_language = SelectField(_l("Spoken language"),
                                 choices=lambda: [("", _l("None or several"))] + _languages())
    producer = StringField(_l("Producer or training center"), validators=[Length(max=160)])
    courses = StringField(_l("Related course codes, separated by commas"),
                          validators=[Length(max=500)])
    visibility = SelectField(_l("Who may see it"), choices=lambda: list(VISIBILITY_LABELS.items()))
    allow_download = BooleanField(_l("Allow downloads"), default=True)
    file = FileField(_l("File"))
    file_id = HiddenField()

    def validate_title_en(self, field):
        if not any((getattr(self, "title_" + lang).data or "").strip()
                   for lang in CONTENT_LANGUAGES):
            raise ValidationError(_l("Give a title in at least one language."))


class SubtitleForm(FlaskForm):
    lang = SelectField(_l("Language of the subtitles"), choices=_languages)
    subtitles = FileField(_l("Subtitle file (WebVTT or SRT)"))


def split_list(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()][:50]
