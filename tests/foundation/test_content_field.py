"""The per-language content field (portal/forms.py) and its display helper (i18n.content)."""
from __future__ import annotations

import re

import pytest
from flask import render_template_string
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from portal.forms import ALL, ANY, TranslatedField
from portal.i18n import content

FIELD = '{% from "_forms.html" import field %}{{ field(form.title) }}'


class Form(FlaskForm):
    class Meta:
        csrf = False

    title = TranslatedField("Title", max_length=10, required=ANY, message="Need one.")
    notes = TranslatedField("Notes", max_length=50, rows=3, japanese=True)


def _form(app, data: dict, lang: str = "en", form_class=Form):
    """The form as posted, built inside a request in ``lang`` (left pushed for rendering)."""
    ctx = app.test_request_context("/", method="POST", headers={"Accept-Language": lang})
    ctx.push()
    return form_class(formdata=MultiDict(data)), ctx


def _input(html: str, name: str) -> str:
    return re.search(r'<(?:input|textarea)[^>]*name="%s"[^>]*>' % name, html).group(0)


def test_posted_inputs_give_one_dict_without_blank_languages(app):
    form, ctx = _form(app, {"title_en": " Water ", "title_fr": "Eau", "title_es": "  ",
                            "notes_ja": "水", "notes_xx": "ignored"})
    try:
        assert form.validate()
        assert form.title.data == {"en": "Water", "fr": "Eau"}
        assert form.notes.data == {"ja": "水"}
    finally:
        ctx.pop()


def test_stored_dict_fills_one_input_per_language_with_label_and_lang(app):
    ctx = app.test_request_context("/", headers={"Accept-Language": "fr"})
    with ctx:
        form = Form(formdata=None, data={"title": {"en": "Water", "es": "Agua"}})
        html = render_template_string(FIELD, form=form)
    assert [f.lang for f in form.title] == ["en", "fr", "es"]  # Japanese only when asked
    assert [f.lang for f in form.notes] == ["en", "fr", "es", "ja"]
    assert '<legend>Title</legend>' in html
    for lang, value, label in (("en", "Water", "Anglais"), ("fr", "", "Français"),
                               ("es", "Agua", "Espagnol")):
        tag = _input(html, "title_" + lang)
        assert 'lang="%s"' % lang in tag and 'id="title_%s"' % lang in tag
        assert 'value="%s"' % value in tag
        assert '<label for="title_%s">%s</label>' % (lang, label) in html


def test_too_long_in_one_language_is_shown_there_and_the_others_are_kept(app):
    form, ctx = _form(app, {"title_en": "Water", "title_fr": "x" * 11, "title_es": "Agua"})
    try:
        assert not form.validate()
        html = render_template_string(FIELD, form=form)
    finally:
        ctx.pop()
    assert 'value="Water"' in _input(html, "title_en")
    assert 'value="Agua"' in _input(html, "title_es")
    french = _input(html, "title_fr")
    assert 'aria-invalid="true"' in french and 'aria-describedby="title_fr-error"' in french
    error = re.search(r'<p class="error" id="title_fr-error">([^<]*)</p>', html).group(1)
    assert "10" in error
    assert 'id="title_en-error"' not in html
    assert form.errors["title"] == ["French: " + error]  # the form's summary names the language


def test_at_least_one_language_is_a_group_error(app):
    form, ctx = _form(app, {"title_en": " ", "title_fr": ""})
    try:
        assert not form.validate()
        assert form.errors == {"title": ["Need one."]}
        html = render_template_string(FIELD, form=form)
    finally:
        ctx.pop()
    assert '<p class="error" id="title-error">Need one.</p>' in html


class Rules(FlaskForm):
    class Meta:
        csrf = False

    english = TranslatedField("English", max_length=20, required="en", message="In English.")
    every = TranslatedField("Every", max_length=20, required=ALL, message="In each.")


def test_required_language_and_all_languages(app):
    form, ctx = _form(app, {"english_fr": "Eau", "every_en": "a", "every_es": "b"},
                      form_class=Rules)
    try:
        assert not form.validate()
        assert form.english.inputs[0].errors == ["In English."]
        assert [f.errors for f in form.every] == [[], ["In each."], []]
        assert form.errors == {"english": ["In English."], "every": ["In each."]}
    finally:
        ctx.pop()
    form, ctx = _form(app, {"english_en": "Water", "every_en": "a", "every_fr": "b",
                            "every_es": "c"}, form_class=Rules)
    try:
        assert form.validate()
    finally:
        ctx.pop()


@pytest.mark.parametrize("reader, values, expected", [
    ("fr", {"en": "Water", "fr": "Eau"}, "<span>Eau</span>"),
    ("fr", {"en": "Water <b>"}, '<span lang="en">Water &lt;b&gt;</span>'
                                ' <span class="fallback">(anglais)</span>'),
    ("es", {"ja": "水"}, '<span lang="ja">水</span> <span class="fallback">(japonés)</span>'),
    ("en", {}, "<span></span>"),
])
def test_content_shows_the_readers_language_and_marks_a_fallback(app, reader, values, expected):
    with app.test_request_context("/", headers={"Accept-Language": reader}):
        assert str(content(values)) == expected


def test_content_takes_a_tag_and_class(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        html = render_template_string('{{ content(v, tag="div", class_="prose") }}',
                                      v={"en": "Text"})
    assert html == '<div class="prose">Text</div>'
