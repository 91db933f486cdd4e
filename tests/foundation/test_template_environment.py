"""The portal's Jinja environment (``portal.app.TemplateEnvironment``): each template holds its
globals as one plain dict copied when it loads, instead of Jinja's chain flattened at every
render; what the chain was for still holds. ``row.name`` on a plain dict reads the key without
Jinja's raised and caught ``AttributeError``, with Jinja's answers."""
from __future__ import annotations

from collections import OrderedDict

from jinja2 import DictLoader, Environment, Undefined

from portal.app import create_app
from tests.conftest import _test_config


def _app(tmp_path):
    return create_app(_test_config("sqlite:///" + str(tmp_path / "x.db"), tmp_path / "i"))


def test_a_template_holds_every_global_of_the_app_in_one_dict(tmp_path):
    app = _app(tmp_path)
    template = app.jinja_env.get_template("base.html")
    assert type(template.globals) is dict  # copied once, not a chain flattened each render
    for name in ("url_for", "csrf_token", "may_open", "content", "format_moment", "gettext",
                 "_", "ngettext", "range", "get_flashed_messages", "nav_links"):
        assert name in template.globals, name
    assert template.globals == {**app.jinja_env.globals}


def test_a_templates_own_globals_stay_its_own(tmp_path):
    """Why Jinja chains them: globals given to one template never reach the environment or
    the other templates."""
    app = _app(tmp_path)
    env = app.jinja_env
    env.loader = DictLoader({"one.txt": "{{ greeting }} {{ range(2)|list }}",
                             "two.txt": "{{ greeting is defined }}"})
    with app.test_request_context():
        one = env.get_template("one.txt", globals={"greeting": "hello"})
        assert one.render() == "hello [0, 1]"
        assert "greeting" not in env.globals
        assert env.get_template("two.txt").render() == "False"
        # From a string, the same.
        assert env.from_string("{{ x }}", globals={"x": 3}).render() == "3"
        assert "x" not in env.globals



def test_a_dicts_keys_read_with_a_dot_give_what_jinja_gives(tmp_path):
    """Attribute first, then key, as Jinja reads them: a key named like one of ``dict``'s
    methods still gives the method; a missing key is undefined; dicts of other types and
    other objects go Jinja's own way."""
    env = _app(tmp_path).jinja_env
    plain = Environment(autoescape=True)
    rows = {"href": "/x?a=1&b=2", "items": "a key", "count": 3}
    template = ("{{ r.href }}|{{ r.count }}|{{ r.items() | list | length }}|"
                "{{ r.missing is defined }}|{{ r.get('href') }}|{{ o.href }}|{{ o.move_to_end is "
                "defined }}|{{ s.upper() }}")
    values = {"r": rows, "o": OrderedDict(href="/o"), "s": "text"}
    assert env.from_string(template).render(values) == plain.from_string(template).render(
        values) == "/x?a=1&amp;b=2|3|3|False|/x?a=1&amp;b=2|/o|True|TEXT"
    assert isinstance(env.getattr(rows, "missing"), Undefined)
    assert env.getattr(rows, "items") == rows.items  # the method, not the key
    assert env.getattr(rows, "href") == "/x?a=1&b=2"



def test_the_templates_gettext_answers_as_jinjas_newstyle_gettext(tmp_path):
    """``_`` and ``gettext`` are one function of ours (fewer calls than Jinja's alias and
    wrapper): the same translation, escaping of the variables where the template escapes,
    and %-formatting always (``%%`` is ``%``), in an HTML template and in a text one, as
    Jinja's own newstyle installation gives."""
    from flask import session

    from portal.i18n import request_translations, template_gettext
    app = _app(tmp_path)
    env = app.jinja_env
    assert env.globals["_"] is env.globals["gettext"] is template_gettext
    source = ('{{ _("Welcome, %(name)s", name=who) }}|{{ gettext("Dashboard") }}|'
              '{{ _("100%% sure") }}|{{ _("Page %(num)d", num=3) }}|'
              '{% set b %}<strong>x</strong>{% endset %}{{ _("Welcome, %(name)s", name=b) }}')
    env.loader = DictLoader({"t.html": source, "t.txt": source})
    for lang, expected in (
            ("en", "Welcome, {}|Dashboard|100% sure|Page 3|Welcome, <strong>x</strong>"),
            ("fr", "Bienvenue, {}|Tableau de bord|100% sure|Page 3|Bienvenue, <strong>x</strong>")):
        with app.test_request_context():
            session["lang"] = lang
            for name, escaping, who in (("t.html", True, "&lt;b&gt;A&amp;B"),
                                        ("t.txt", False, "<b>A&B")):
                jinjas = Environment(extensions=["jinja2.ext.i18n"], autoescape=escaping)
                jinjas.install_gettext_callables(
                    gettext=lambda s: request_translations().ugettext(s),
                    ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
                    newstyle=True)
                ours = env.get_template(name).render(who="<b>A&B")
                assert ours == jinjas.from_string(source).render(who="<b>A&B")
                assert ours == expected.format(who), (lang, name, ours)
