"""Tables as files a spreadsheet opens: CSV or XLSX, one rule for every export of the portal.

A domain gathers its rows (labels already in the reader's language) as one or more ``Sheet``
and answers ``export(sheets, name, fmt)``. This module decides everything about the file:

- **CSV**: UTF-8 with a byte-order mark (Excel then reads it as UTF-8), the list separator of
  the reader's locale (``;`` where the decimal symbol is a comma, as in French and Spanish, so
  Excel opens it in columns; ``sep`` may choose), decimals with the locale's decimal symbol,
  days as ``YYYY-MM-DD``; a cell that a spreadsheet would run as a formula is defused with a
  leading apostrophe (CSV injection). Several sheets follow one another, a blank row between.
- **XLSX** (openpyxl, write-only): one worksheet per sheet, the header row bold and frozen,
  numbers, days and times as real values (times in UTC unless the caller gave local ones), text
  always stored as text (never a formula), characters XML cannot hold dropped.
Both are served as attachments with ``nosniff``. docs/EXPORTS.md lists the exports.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from babel.numbers import format_decimal, get_decimal_symbol
from flask import Response, has_request_context, request
from flask_babel import get_locale
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .i18n import DEFAULT_LANGUAGE

CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)
MIMETYPES = {CSV: "text/csv; charset=utf-8",
             XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
SEPARATORS = {"comma": ",", "semicolon": ";"}

# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
DAY_FORMAT, MOMENT_FORMAT, DECIMAL_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm", "0.00"
_MAX_WIDTH = 60


@dataclass
class Sheet:
    """One table: a title (the worksheet's name), its header row and its rows. Cells are
    text, ints, floats (written with two decimals), days, times or None."""
    title: str
    header: list
    rows: list[list] = field(default_factory=list)


def safe_cell(value) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def separator(lang: str | None = None) -> str:
    """The list separator spreadsheets expect in ``lang``: ``;`` where the decimal symbol is a
    comma (fr, es), else ``,``."""
    return ";" if get_decimal_symbol(lang or DEFAULT_LANGUAGE) == "," else ","


def file_name(name: str, fmt: str) -> str:
    """A download name made of safe characters only (a course code may hold ``/``)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) + "." + fmt


def export(sheets: list[Sheet], name: str, fmt: str, sep: str | None = None) -> Response:
    """The sheets as a CSV or XLSX attachment named ``name``; ``sep`` (``comma`` or
    ``semicolon``, else the request's ``?sep=``) overrides the CSV separator of the reader's
    locale."""
    if fmt not in FORMATS:
        raise ValueError("unknown export format %r" % fmt)
    if sep is None and has_request_context():
        sep = request.args.get("sep")
    lang = str(get_locale() or DEFAULT_LANGUAGE)
    body = xlsx_bytes(sheets) if fmt == XLSX else csv_text(sheets, lang,
                                                             SEPARATORS.get(sep or ""))
    return Response(body, mimetype=MIMETYPES[fmt], headers={
        "Content-Disposition": 'attachment; filename="%s"' % file_name(name, fmt),
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


# -- CSV ------------------------------------------------------------------------------------------
def _csv_value(value, lang: str) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return format_decimal(value, format="0.00", locale=lang)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return safe_cell(value)


def csv_text(sheets: list[Sheet], lang: str, sep: str | None = None) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # spreadsheets then read the file as UTF-8
    writer = csv.writer(out, delimiter=sep or separator(lang))
    for i, sheet in enumerate(sheets):
        if i:
            writer.writerow([])
        for row in [sheet.header, *sheet.rows]:
            writer.writerow([_csv_value(v, lang) for v in row])
    return out.getvalue()


# -- XLSX -----------------------------------------------------------------------------------------
def _sheet_title(title: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", " ", str(title)).strip()[:31] or "Sheet"
    name, n = base, 1
    while name.casefold() in taken:
        n += 1
        name = "%s (%d)" % (base[:26], n)
    taken.add(name.casefold())
    return name


def _xlsx_cell(ws, value, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)  # Excel has no time zones
    if value is not None and not isinstance(value, int | float | date):
        value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # "=..." stays text: never a formula
    elif isinstance(value, datetime):
        cell.number_format = MOMENT_FORMAT
    elif isinstance(value, date):
        cell.number_format = DAY_FORMAT
    elif isinstance(value, float):
        cell.number_format = DECIMAL_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def _width(value) -> int:
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    return max((len(line) for line in str("" if value is None else value).splitlines()),
               default=0)


def xlsx_bytes(sheets: list[Sheet]) -> bytes:
    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    for sheet in sheets:
        ws = workbook.create_sheet(_sheet_title(sheet.title, taken))
        table = [sheet.header, *sheet.rows]
        columns = max((len(r) for r in table), default=0)
        for c in range(columns):  # widths before the rows: a write-only sheet is streamed
            widest = max(_width(r[c]) for r in table if c < len(r))
            ws.column_dimensions[get_column_letter(c + 1)].width = min(widest + 2, _MAX_WIDTH)
        ws.freeze_panes = "A2"
        ws.append([_xlsx_cell(ws, v, bold=True) for v in sheet.header])
        for row in sheet.rows:
            ws.append([_xlsx_cell(ws, v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
