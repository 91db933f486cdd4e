"""Form pieces shared by every domain: the per-language content field, and the group of
checkboxes (``CheckboxesField``: several of a few options; ``templates/_forms.html`` renders it
as a group with its legend and its error, like a choice of one).

A content field (a course title, assignment instructions, a question...) is edited as one
input per content language and handled as one ``{lang: text}`` dict, the value that the
``TranslatedText`` column stores. See docs/CONTENT.md.
"""
from __future__ import annotations

from wtforms import Field, SelectMultipleField, StringField, TextAreaField
from wtforms.utils import unset_value
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from .i18n import CONTENT_LANGUAGES, clean_translations, language_name, lazy_gettext as _l


class CheckboxesField(SelectMultipleField):
    """Several of a few options, each a checkbox."""
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# Which languages must be filled in: none, at least one, all of them, or one named language.
ANY, ALL = "any", "all"


class TranslatedField(Field):
    """One content field in each content language; ``.data`` is ``{lang: text}`` without the
    blank languages. Each language is its own input, posted as ``<name>_<lang>``.

    ``required`` is None, ``"any"`` (at least one language), ``"all"``, a language code
    that must be given (``"en"``) or a tuple of them (``("en", "fr")``: a course's languages),
    and ``message`` the error shown when it is not met; ``require()`` changes both once the
    form is made (when they depend on the record).
    ``japanese`` offers Japanese besides the interface languages; ``rows`` makes the inputs
    text areas of that height.
    """

    def __init__(self, label=None, validators=None, *, max_length: int,
                 required: str | tuple[str, ...] | None = None, message=None,
                 japanese: bool = False, rows: int | None = None, **kwargs):
        self.languages = tuple(lang for lang in CONTENT_LANGUAGES if japanese or lang != "ja")
        self.max_length, self.required, self.rows = max_length, required, rows
        self.message = message or _l("Fill in at least one language.")
        self.inputs: list[Field] = []
        super().__init__(label, validators, default=dict, **kwargs)
        self.inputs = [self._input(lang, kwargs) for lang in self.languages]
        self.group_errors: list = []

    def _input(self, lang: str, kwargs: dict) -> Field:
        kind = TextAreaField if self.rows else StringField
        render_kw = {"lang": lang, **({"rows": self.rows} if self.rows else {})}
        name = language_name(lang)
        field = kind(name[:1].upper() + name[1:], validators=[Length(max=self.max_length)],
                     render_kw=render_kw, name="%s_%s" % (self.short_name, lang),
                     _form=kwargs.get("_form"), _prefix=kwargs.get("_prefix", ""),
                     _meta=kwargs.get("_meta"), _translations=kwargs.get("_translations"))
        field.lang = lang
        return field

    def require(self, required: str | tuple[str, ...] | None, message=None) -> None:
        """Which languages must be filled in, known only once the form is made."""
        self.required = required
        if message is not None:
            self.message = message

    @property
    def required_languages(self) -> tuple[str, ...]:
        """The languages that must be filled in (none for ``None`` and ``"any"``)."""
        if self.required == ALL:
            return self.languages
        if self.required in (None, ANY):
            return ()
        wanted = (self.required,) if isinstance(self.required, str) else self.required
        return tuple(lang for lang in self.languages if lang in wanted)

    def __iter__(self):
        return iter(self.inputs)

    @property
    def data(self) -> dict[str, str]:
        return clean_translations({field.lang: field.data or "" for field in self.inputs})

    @data.setter
    def data(self, values: dict | None) -> None:
        for field in self.inputs:
            field.data = (values or {}).get(field.lang, "")

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        values = data if isinstance(data, dict) else {}  # unset, or a column still None
        for field in self.inputs:
            field.process(formdata, values.get(field.lang, ""))

    def pre_validate(self, form) -> None:
        for field in self.inputs:
            field.validate(form)
        self.group_errors = []
        for field in self._missing():
            field.errors.append(self.message)
        if self.required == ANY and not self.data:
            self.group_errors.append(self.message)

    def _missing(self) -> list[Field]:
        wanted = self.required_languages
        return [field for field in self.inputs
                if field.lang in wanted and field.lang not in self.data]

    def post_validate(self, form, validation_stopped: bool) -> None:
        """All messages go to ``errors`` for the form's summary; the template shows each
        input's own beside it and ``group_errors`` beside the group."""
        missing = any(self.message in field.errors for field in self.inputs)
        self.errors += self.group_errors + ([self.message] if missing else []) + [
            _l("%(language)s: %(error)s", language=field.label.text, error=error)
            for field in self.inputs for error in field.errors if error != self.message]
