"""What makes an app cheap to create again in one test process (the suite creates one per test,
about 1,700 of them): two caches shared by every app the process makes, installed by
``tests/conftest.py`` through Flask's documented class attributes. Neither changes what an app
does; production makes one app per process and never uses them.

- ``SharedTemplateCode``: Jinja's bytecode cache (``jinja_options["bytecode_cache"]``). Each
  new app has a new Jinja environment that would parse and compile every template again (40 ms
  for the home page alone); the compiled code is kept per template and checked against the
  template's source, so an edited template is compiled again.
- ``RememberedBuilderRule``: Flask's ``url_rule_class``. Werkzeug writes and compiles a Python
  function for each route to build its URLs (two per rule, 110 ms per app for our 140 routes).
  The function depends only on the rule's parts, its defaults and which call it is for, and
  takes the rule itself as its first argument, so one compiled function serves that rule in
  every app. ``tests/foundation/test_fast_app.py`` checks every route builds the same URLs.
"""
from __future__ import annotations

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from werkzeug.routing import Rule


class SharedTemplateCode(BytecodeCache):
    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)  # refused (and compiled again) if the source changed

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


class RememberedBuilderRule(Rule):
    _builders: dict[tuple, object] = {}

    def _compile_builder(self, append_unknown: bool = True):
        defaults = self.defaults or {}
        key = (self.rule, tuple(self._trace), append_unknown,
               tuple(sorted((name, repr(value), type(self._converters.get(name)).__qualname__)
                            for name, value in defaults.items())))
        builder = self._builders.get(key)
        if builder is None:
            builder = self._builders[key] = super()._compile_builder(append_unknown)
        return builder


def install() -> None:
    from flask import Flask
    Flask.url_rule_class = RememberedBuilderRule
    Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": SharedTemplateCode()}
