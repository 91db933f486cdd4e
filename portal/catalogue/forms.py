"""The catalogue outline form: each outline field in each content language."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional, Regexp

from ..forms import TranslatedField
from ..i18n import lazy_gettext as _l
from .models import OUTLINE_FIELDS

FIELD_LABELS = {"expected_outputs": _l("Expected outputs"),
                "target_organizations": _l("Target organizations"),
                "eligibility": _l("Eligibility")}
MAX_CHARS = 5000


def _outline_field(name: str) -> TranslatedField:
    return TranslatedField(FIELD_LABELS[name], max_length=MAX_CHARS, rows=4)


class OutlineForm(FlaskForm):
    expected_outputs = _outline_field("expected_outputs")
    target_organizations = _outline_field("target_organizations")
    eligibility = _outline_field("eligibility")
    series = StringField(_l("Series"), validators=[Optional(), Length(max=40), Regexp(
        r"^[A-Za-z0-9][A-Za-z0-9._-]*$", message=_l(
            "Use letters, digits, dots, dashes and underscores only."))])

    document = FileField(_l("General Information document (PDF or text document, up to 20 MB)"))
    remove_document = BooleanField(_l("Remove the current document"))

    def content(self) -> dict[str, dict]:
        return {name: self[name].data for name in OUTLINE_FIELDS}

    def fill(self, outline) -> None:
        for name in OUTLINE_FIELDS:
            self[name].data = getattr(outline, name)
        self.series.data = outline.series or ""
