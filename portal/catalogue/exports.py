"""The statistics as CSV, safe to open in a spreadsheet (labels in the reader's language)."""
from __future__ import annotations

import csv
import io

from flask import Response
from flask_babel import gettext as _

from ..courses.exports import safe_cell
from .statistics import Table


def _response(rows: list[list], name: str) -> Response:
    out = io.StringIO()
    out.write("\ufeff")  # spreadsheets then read the file as UTF-8
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="%s.csv"' % name,
        "X-Content-Type-Options": "nosniff"})


def _suffix(year: int | None) -> str:
    return "-fy%d" % year if year else "-all-years"


def table_csv(table: Table, what: str, counted: str, name: str, year: int | None) -> Response:
    rows = [[_("Code"), what, counted]]
    rows += [[key, str(label), n] for key, label, n in table.rows]
    rows.append(["", _("Total"), table.total])
    return _response(rows, name + _suffix(year))


def years_csv(rows: list[tuple[int, int, int]]) -> Response:
    out = [[_("Fiscal year"), _("Courses"), _("Participants")]] + [list(r) for r in rows]
    out.append([_("Total"), sum(r[1] for r in rows), sum(r[2] for r in rows)])
    return _response(out, "courses-and-participants-by-year")


def centers_csv(rows: list[tuple[str, int, int]], year: int | None) -> Response:
    out = [[_("Training center"), _("Courses"), _("Participants")]] + [list(r) for r in rows]
    out.append([_("Total"), sum(r[1] for r in rows), sum(r[2] for r in rows)])
    return _response(out, "by-training-center" + _suffix(year))
