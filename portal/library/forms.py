"""Forms for materials and subtitles."""
from __future__ import annotations

from dataclasses import asdict

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import Length, NumberRange, Optional

from ..courses.vocabulary import SUBJECTS
from ..forms import ANY, CheckboxesField, TranslatedField
from ..i18n import CONTENT_LANGUAGES, language_name, lazy_gettext as _l
from .manage import MaterialDetails
from .models import MaterialKind, Visibility

VISIBILITY_LABELS = {Visibility.PUBLIC: _l("Public: anyone"),
                     Visibility.REGISTERED: _l("Registered: anyone signed in"),
                     Visibility.COURSE: _l("Course members: the related courses only")}
KIND_LABELS = {MaterialKind.VIDEO: _l("Video"), MaterialKind.DOCUMENT: _l("Document")}


def _languages():
    return [(code, language_name(code)) for code in CONTENT_LANGUAGES]


class MaterialForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=lambda: list(KIND_LABELS.items()))
    title = TranslatedField(_l("Title"), max_length=300, japanese=True, required=ANY,
                            message=_l("Give a title in at least one language."))
    description = TranslatedField(_l("Description"), max_length=5000, japanese=True, rows=4)
    subjects = CheckboxesField(_l("Subjects"), choices=lambda: list(SUBJECTS.items()))
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

    def details(self) -> MaterialDetails:
        """The cleaned values, for the service."""
        return MaterialDetails(
            kind=self.kind.data, title=self.title.data, description=self.description.data,
            subjects=list(self.subjects.data or []), keywords=split_list(self.keywords.data),
            courses=split_list(self.courses.data), year=self.year.data,
            audio_language=self.audio_language.data or None,
            producer=(self.producer.data or "").strip() or None,
            visibility=self.visibility.data, allow_download=bool(self.allow_download.data))

    def show(self, details: MaterialDetails) -> None:
        """Fill the fields with a material's current values."""
        for name, value in asdict(details).items():
            getattr(self, name).data = value
        self.subjects.data = list(details.subjects or [])
        self.keywords.data = ", ".join(details.keywords or [])
        self.courses.data = ", ".join(details.courses or [])
        self.audio_language.data = details.audio_language or ""
        self.producer.data = details.producer or ""

    def posted_file(self):
        """The file sent with the form itself (no upload widget), or None."""
        upload = self.file.data
        return upload if upload is not None and getattr(upload, "filename", "") else None


class SubtitleForm(FlaskForm):
    lang = SelectField(_l("Language of the subtitles"), choices=_languages)
    subtitles = FileField(_l("Subtitle file (WebVTT or SRT)"))


def split_list(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()][:50]


class CueForm(FlaskForm):
    """The cue editor's form: its rows are read by ``cues.read_rows`` (start-N, end-N, text-N);
    ``version`` is the track's file as the editor showed it, ``rows`` how many rows it had."""
    version = HiddenField()
    rows = HiddenField()
