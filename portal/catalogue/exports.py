"""The statistics as CSV or XLSX (labels in the reader's language; portal/exports.py writes
the file)."""
from __future__ import annotations

from flask import Response

from ..exports import Sheet, export
from ..i18n import gettext as _
from .statistics import Table


def _suffix(year: int | None) -> str:
    return "-fy%d" % year if year else "-all-years"


def table(table: Table, what: str, counted: str, name: str, year: int | None,
          fmt: str) -> Response:
    rows = [[key, str(label), n] for key, label, n in table.rows]
    rows.append(["", _("Total"), table.total])
    return export([Sheet(what, [_("Code"), what, counted], rows)], name + _suffix(year), fmt)


def years(rows: list[tuple[int, int, int]], fmt: str) -> Response:
    out = [list(r) for r in rows]
    out.append([_("Total"), sum(r[1] for r in rows), sum(r[2] for r in rows)])
    return export([Sheet(_("Fiscal year"), [_("Fiscal year"), _("Courses"), _("Participants")],
                         out)], "courses-and-participants-by-year", fmt)


def centers(rows: list[tuple[str, int, int]], year: int | None, fmt: str) -> Response:
    out = [list(r) for r in rows]
    out.append([_("Total"), sum(r[1] for r in rows), sum(r[2] for r in rows)])
    return export([Sheet(_("Training center"), [_("Training center"), _("Courses"),
                                                _("Participants")], out)],
                  "by-training-center" + _suffix(year), fmt)
