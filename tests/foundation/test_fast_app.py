"""The suite's shared caches (tests/fast_app.py) change nothing an app does."""
from __future__ import annotations

from flask import Flask
from jinja2 import DictLoader, Environment
from werkzeug.routing import Rule

from portal.app import create_app
from tests.conftest import _test_config
from tests.fast_app import RememberedBuilderRule, SharedTemplateCode

SAMPLES = {"IntegerConverter": 7, "PathConverter": "a dir/é x.txt", "UnicodeConverter": "a b-é",
           "UUIDConverter": "5f0c3a9e-2b1d-4c8e-9a7f-0123456789ab", "FloatConverter": 1.5}


def _built(app) -> dict[tuple[str, str], list]:
    out = {}
    for rule in app.url_map.iter_rules():
        values = {name: SAMPLES.get(type(conv).__name__, "x")
                  for name, conv in rule._converters.items()}
        out[(rule.endpoint, rule.rule)] = [rule.build(values, append_unknown=False),
                                           rule.build({**values, "q": "é&x", "page": 2})]
    return out


def test_every_route_builds_the_same_urls_with_the_remembered_builders(tmp_path, monkeypatch):
    url = "sqlite:///" + str(tmp_path / "x.db")
    fast = create_app(_test_config(url, tmp_path / "a"))
    fast_again = create_app(_test_config(url, tmp_path / "b"))
    monkeypatch.setattr(Flask, "url_rule_class", Rule)
    plain = create_app(_test_config(url, tmp_path / "c"))
    assert all(type(r) is RememberedBuilderRule for r in fast.url_map.iter_rules())
    assert all(type(r) is Rule for r in plain.url_map.iter_rules())
    expected = _built(plain)
    assert len(expected) > 100
    assert _built(fast) == expected
    assert _built(fast_again) == expected
    # The second app's rules really do share the first one's compiled builders.
    first = {r.rule: r._build.__func__ for r in fast.url_map.iter_rules()}
    assert all(first[r.rule] is r._build.__func__ for r in fast_again.url_map.iter_rules())


def test_an_edited_template_is_compiled_again():
    shared = SharedTemplateCode()
    sources = {"t.html": "one {{ x }}"}
    first = Environment(loader=DictLoader(sources), bytecode_cache=shared)
    assert first.get_template("t.html").render(x=1) == "one 1"
    assert Environment(loader=DictLoader(sources), bytecode_cache=shared).get_template(
        "t.html").render(x=2) == "one 2"
    sources["t.html"] = "two {{ x }}"
    assert Environment(loader=DictLoader(sources), bytecode_cache=shared).get_template(
        "t.html").render(x=3) == "two 3"
