"""One error style for every domain.

A service refuses with a :class:`DomainError` that carries a stable ``code``, the HTTP
``status`` to answer with, and the ``params`` its message needs. It holds no words: each
domain's ``messages.py`` maps codes to translated messages in a :class:`Messages` table, and
the edge (a view, or the app-wide handler) turns the error into the reader's language with
:func:`explain`, :func:`flash_error` or :func:`json_error`.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module

from .i18n import lazy_gettext as _l, quantities

Message = Callable[[dict], str] | object  # a lazy string, or a function of the params


class DomainError(Exception):
    """A domain rule refuses. Subclasses name their domain's ``messages`` module (imported at
    the edge only, so services never depend on words) and may set a default ``status``."""

    messages = "portal.domain_errors"
    status = 400

    def __init__(self, code: str, status: int | None = None, **params):
        super().__init__(code)
        self.code, self.params = code, params
        if status is not None:
            self.status = status


class Invalid(DomainError):
    """Input that cannot be taken, field by field: ``fields`` maps a form field's name to the
    ``(code, params)`` of its problem, so a page shows every problem at once."""

    def __init__(self, fields: Mapping[str, tuple[str, dict]], status: int = 400):
        super().__init__("invalid", status)
        self.fields = dict(fields)


class Messages:
    """A domain's table of ``code -> message``. A message is a lazy string with named
    placeholders, or, for the rare message whose wording depends on the params, a function of
    the params. ``prepare`` formats params for the reader (sizes...) first; the ints left are
    written by the reader's locale where the message says ``%(name)s`` (``i18n.Quantity``)."""

    def __init__(self, table: Mapping[str, Message], default: Message,
                 prepare: Callable[[str, dict], dict] | None = None):
        self.table, self.default, self.prepare = dict(table), default, prepare

    def __call__(self, code: str, params: Mapping | None = None) -> str:
        p = dict(params or {})
        if self.prepare is not None:
            p = self.prepare(code, p)
        entry = self.table.get(code, self.default)
        text = entry(p) if callable(entry) else str(entry)
        return text % quantities(p) if p else text

    def fields(self, problems: Mapping[str, tuple[str, dict]]) -> dict[str, str]:
        """``{field name: (code, params)}`` to ``{field name: message}``."""
        return {name: self(code, params) for name, (code, params) in problems.items()}


def table_of(error: DomainError) -> Messages:
    return import_module(error.messages).MESSAGES


def explain(error: DomainError) -> str:
    """The error in the reader's language."""
    return table_of(error)(error.code, error.params)


def field_errors(error: Invalid) -> dict[str, str]:
    """``{field name: message}`` of an :class:`Invalid`, in the reader's language."""
    return table_of(error).fields(error.fields)


def describe(error: DomainError) -> tuple[dict[str, str], str | None]:
    """``(field errors, message)`` for a page that shows both: an :class:`Invalid` gives its
    fields, any other error one message."""
    if isinstance(error, Invalid):
        return field_errors(error), None
    return {}, explain(error)


def flash_error(error: DomainError) -> None:
    from flask import flash
    flash(explain(error), "error")


def json_error(error: DomainError):
    """``{"error": {"status", "code", "message", "params"}}`` with the error's status."""
    from flask import jsonify
    body = {"status": error.status, "code": error.code, "message": explain(error),
            "params": error.params}
    return jsonify(error=body), error.status


def register(app) -> None:
    """A DomainError no view caught becomes the error page (or JSON) in the reader's
    language, with its status."""
    from .errors import MESSAGES as PAGES, _wants_json, render_error
    from .extensions import db

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        if _wants_json():
            return json_error(error)
        page, _status = render_error(error.status if error.status in PAGES else 400,
                                     explain(error))
        return page, error.status


# The generic table: for a DomainError raised without a domain of its own.
MESSAGES = Messages({}, _l("The request could not be carried out."))
