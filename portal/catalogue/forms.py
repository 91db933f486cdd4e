"""The catalogue outline form: each outline field in English, French and Spanish."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Length, Optional, Regexp

from ..i18n import LANGUAGES
from .models import OUTLINE_FIELDS

FIELD_LABELS = {"expected_outputs": _l("Expected outputs"),
                "target_organizations": _l("Target organizations"),
                "eligibility": _l("Eligibility")}
MAX_CHARS = 5000


class OutlineForm(FlaskForm):
    series = StringField(_l("Series"), validators=[Optional(), Length(max=40), Regexp(
        r"^[A-Za-z0-9][A-Za-z0-9._-]*$", message=_l(
            "Use letters, digits, dots, dashes and underscores only."))])

    document = FileField(_l("General Information document (PDF or text document, up to 20 MB)"))
    remove_document = BooleanField(_l("Remove the current document"))

    def content(self, name: str) -> dict:
        return {lang: self[name + "_" + lang].data.strip() for lang in LANGUAGES
                if (self[name + "_" + lang].data or "").strip()}

    def fill(self, outline) -> None:
        for name in OUTLINE_FIELDS:
            for lang in LANGUAGES:
                self[name + "_" + lang].data = (getattr(outline, name) or {}).get(lang, "")
        self.series.data = outline.series or ""


for _name in OUTLINE_FIELDS:
    for _lang in LANGUAGES:
        setattr(OutlineForm, _name + "_" + _lang, TextAreaField(
            FIELD_LABELS[_name], validators=[Optional(), Length(max=MAX_CHARS)],
            render_kw={"lang": _lang, "rows": 4}))
