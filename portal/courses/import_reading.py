"""Reading nomination lists as embassies send them (docs/IMPORTS.md).

A CSV in whatever encoding the spreadsheet saved (UTF-8 with or without BOM, UTF-16, or a
Western legacy code page found by charset-normalizer), separated by commas, semicolons or tabs;
or an XLSX workbook whose first sheet may start with title rows and blank rows, and whose
column names may take two rows with merged cells. Every row keeps the number the spreadsheet
shows; blank rows are skipped and never counted.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import warnings
import zipfile
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from ..domain_errors import DomainError
from ..text import Undecodable, decode_text
from .import_names import lookup_keys

MAX_BYTES = 2 * 1024 * 1024        # a nomination list of thousands of rows is far smaller
MAX_UNZIPPED = 40 * 1024 * 1024    # an XLSX expanding beyond this is refused (zip bomb)
MAX_SHEETS_XML = 16 * 1024 * 1024  # its sheets are held in memory: 2,000 rows take ~1 MB
MAX_ROWS = 2000                    # nominees, not rows: titles, headers and blanks are free
MAX_COLUMNS = 30
MAX_CELL = 1000                    # longer cells are cut here, then reported as too long
HEADER_SCAN = 20                   # the column names are looked for in the first 20 rows
# Non-blank rows a CSV is read to at most: room for the numbered but empty lines of a form;
# nominees are counted exactly afterwards.
MAX_READ_ROWS = MAX_ROWS * 5
MERGE_BUDGET = MAX_ROWS * MAX_COLUMNS * 2   # cells a workbook's merged ranges may fill
FIELDS = ("name", "email", "country", "organization", "position", "language")
REQUIRED_COLUMNS = ("name", "email", "country")
# Direction overrides and isolates (U+202A-U+202E, U+2066-U+2069), marks, BOM: never in a name.
_INVISIBLE = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

HEADER_ALIASES = {
    "name": ("name", "fullname", "participant", "nominee", "nom", "nomcomplet", "nometprenom",
             "nomsetprenoms", "nombre", "nombrecompleto", "nombreyapellido",
             "nombreyapellidos", "participante", "candidato", "candidat"),
    "given": ("firstname", "firstnames", "givenname", "givennames", "forename", "prenom",
              "prenoms", "nombres", "nombrepila"),
    "family": ("lastname", "surname", "familyname", "nomdefamille", "apellido", "apellidos"),
    "email": ("email", "mail", "emailaddress", "courriel", "adresseemail", "adressecourriel",
              "adresseelectronique", "correo", "correoelectronico", "direcciondecorreo",
              "direcciondecorreoelectronico"),
    "country": ("country", "pays", "pais", "countryoforigin", "paysdorigine", "paisdeorigen"),
    "organization": ("organization", "organisation", "organizacion", "institution",
                     "institucion", "ministry", "ministere", "ministerio", "employer"),
    "position": ("position", "jobtitle", "title", "poste", "fonction", "titre", "cargo",
                 "puesto"),
    "language": ("language", "preferredlanguage", "lang", "langue", "languepreferee",
                 "idioma", "idiomapreferido", "lengua"),
}


class FileProblem(DomainError):
    """The file as a whole cannot be read; ``code`` and ``params`` make the message."""

    messages = "portal.courses.messages"


@dataclass
class Table:
    """The non-blank rows of a file as ``(row number in the file, cleaned cells)``, and how
    it was read (``format``, ``encoding``, ``delimiter``, ``sheet``...)."""
    rows: list[tuple[int, list[str]]]
    reading: dict = field(default_factory=dict)


@dataclass
class Parsed:
    """The nominees of a file ({"line", name, email, country, ...}) and how it was read."""
    rows: list[dict]
    reading: dict


def clean_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (datetime, date)):
        value = value.isoformat()
    text = unicodedata.normalize("NFC", str(value)[:MAX_CELL * 2])
    text = _INVISIBLE.sub("", text)
    text = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
    return " ".join(text.split())[:MAX_CELL + 1]


# ------------------------------------------------------------------ files to rows


def read_table(data: bytes) -> Table:
    if len(data) > MAX_BYTES:
        raise FileProblem("too_big", size=MAX_BYTES // 1024)
    if not data.strip():
        raise FileProblem("empty")
    if data.startswith(b"PK\x03\x04"):
        table = _read_xlsx(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("old_excel")
    else:
        table = _read_csv(data)
    if not table.rows:
        raise FileProblem("empty")
    return table


def decode(data: bytes) -> tuple[str, str]:
    """``(text, encoding)``, read by the house's one rule (``portal.text.decode_text``): a
    byte-order mark, UTF-16 told by its zero bytes, UTF-8, then the most plausible legacy
    code page. ``encoding`` as the preview records it: "utf-8-sig" for UTF-8 with a BOM,
    "utf-16" for either byte order, else the codec's name."""
    try:
        found = decode_text(data, strict=True)
    except Undecodable:
        raise FileProblem("not_text") from None
    if found.encoding.startswith("utf-16"):
        return found.text, "utf-16"
    if found.encoding == "utf-8" and data.startswith(codecs.BOM_UTF8):
        return found.text, "utf-8-sig"
    return found.text, found.encoding


def _delimiter(text: str) -> str:
    lines = [line for line in text[:65536].splitlines() if line.strip()][:HEADER_SCAN]
    return max((";", ",", "\t"), key=lambda d: sum(line.count(d) for line in lines))


def _read_csv(data: bytes) -> Table:
    text, encoding = decode(data)
    if "\0" in text:
        raise FileProblem("not_text")
    delimiter = _delimiter(text)
    rows = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for number, record in enumerate(reader, start=1):   # Excel's row number
            cells = [clean_cell(c) for c in record[:MAX_COLUMNS]]
            if any(cells):
                rows.append((number, cells))
                if len(rows) > MAX_READ_ROWS:
                    raise FileProblem("too_many_rows", max=MAX_ROWS)
    except csv.Error:
        raise FileProblem("unreadable") from None
    return Table(rows, {"format": "csv", "encoding": encoding, "delimiter": delimiter})


def _read_xlsx(data: bytes) -> Table:
    import openpyxl
    try:
        _check_unzipped_size(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it does not know
            book = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
        sheet = book.worksheets[0]
        cells = _sheet_cells(sheet)
        merged = [(r.min_row, r.min_col, r.max_row, min(r.max_col, MAX_COLUMNS))
                  for r in sheet.merged_cells.ranges if r.min_col <= MAX_COLUMNS]
        reading = {"format": "xlsx", "sheet": clean_cell(sheet.title)[:100],
                   "sheets": len(book.worksheets)}
    except FileProblem:
        raise
    except Exception:  # openpyxl raises many kinds of errors on damaged files
        raise FileProblem("unreadable") from None
    _spread_merged(cells, merged)
    rows = [(line, [by_column.get(c, "") for c in range(1, max(by_column) + 1)])
            for line, by_column in sorted(cells.items())]
    return Table(rows, reading)


def _check_unzipped_size(data: bytes) -> None:
    """Refuse a workbook that expands beyond ``MAX_UNZIPPED``, or whose sheets beyond
    ``MAX_SHEETS_XML`` (a zip bomb), before it is opened."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = archive.infolist()
    sheets = sum(p.file_size for p in parts if p.filename.startswith("xl/worksheets/"))
    if sum(p.file_size for p in parts) > MAX_UNZIPPED or sheets > MAX_SHEETS_XML:
        raise FileProblem("too_big", size=MAX_BYTES // 1024)


def _sheet_cells(sheet) -> dict[int, dict[int, str]]:
    """The sheet's cleaned, non-empty values by row and column, in the columns read. Only the
    cells the file holds (iter_rows would make every empty cell up to the last one used, a
    million rows down if a stray cell sits there)."""
    cells: dict[int, dict[int, str]] = {}
    for (row, column), cell in sheet._cells.items():
        if column <= MAX_COLUMNS and cell.value is not None:
            text = clean_cell(cell.value)
            if text:
                cells.setdefault(row, {})[column] = text
    return cells


def _spread_merged(cells: dict[int, dict[int, str]], merged: list[tuple]) -> None:
    """A merged cell's value counts for every cell it covers, in the rows that hold values of
    their own ("Country" over two header rows, one country merged over its nominees)."""
    lines, budget = sorted(cells), MERGE_BUDGET
    for first_row, first_column, last_row, last_column in merged:
        value = cells.get(first_row, {}).get(first_column)
        if not value:
            continue
        for line in lines[bisect_left(lines, first_row):bisect_right(lines, last_row)]:
            budget -= last_column - first_column + 1
            if budget < 0:
                return
            for column in range(first_column, last_column + 1):
                cells[line].setdefault(column, value)


# ------------------------------------------------------------------ rows to nominees


def parse(data: bytes) -> Parsed:
    """The nominees of a file: the header row is found, blank rows skipped, each nominee
    keeps its row number in the file."""
    table = read_table(data)
    start, span, columns = _find_header(table.rows)
    missing = [c for c in REQUIRED_COLUMNS if not _has(columns, c)]
    if missing:
        raise FileProblem("missing_columns", columns=missing)
    rows = []
    for line, cells in table.rows[start + span:]:
        row = _nominee(cells, columns)
        if row is not None:
            rows.append({"line": line, **row})
    if len(rows) > MAX_ROWS:
        raise FileProblem("too_many_rows", max=MAX_ROWS)
    if not rows:
        raise FileProblem("empty")
    header = [table.rows[start][0], table.rows[start + span - 1][0]]
    return Parsed(rows, {**table.reading, "header": header})


def _has(columns: dict, name: str) -> bool:
    if name == "name":
        return bool({"name", "given", "family"} & set(columns))
    return name in columns


def _find_header(rows: list[tuple[int, list[str]]]) -> tuple[int, int, dict[str, int]]:
    """``(index, rows it takes, {field: column})`` of the row, or two adjacent rows, naming
    the most columns among the first rows; one row rather than two, the first rather than a
    later one, when they name as many."""
    best, best_key = (0, 1, {}), None
    for index in range(min(HEADER_SCAN, len(rows))):
        adjacent = index + 1 < len(rows) and rows[index + 1][0] == rows[index][0] + 1
        for span in (1, 2) if adjacent else (1,):
            columns = _columns([cells for _, cells in rows[index:index + span]])
            key = (sum(_has(columns, c) for c in REQUIRED_COLUMNS), len(columns), -span, -index)
            if best_key is None or key > best_key:
                best, best_key = (index, span, columns), key
    return best


def _columns(header: list[list[str]]) -> dict[str, int]:
    """The field each column holds. A column named on two rows ("Contact" over "E-mail") is
    known by its lower name, else its upper one, else both together."""
    found: dict[str, int] = {}
    for index in range(max(len(cells) for cells in header)):
        names = [cells[index] for cells in reversed(header) if index < len(cells)]
        names = [n for n in names if n]
        if len(names) > 1:
            names.append(" ".join(reversed(names)))
        for text in names:
            name = _field_named(text)
            if name:
                found.setdefault(name, index)
                break
    return found


@lru_cache(maxsize=1)
def _header_index() -> dict[str, str]:
    return {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}


def _field_named(text: str) -> str | None:
    index = _header_index()
    return next((index[key] for key in lookup_keys(text) if key in index), None)


def _nominee(cells: list[str], columns: dict[str, int]) -> dict | None:
    """One row's fields, or None for a row with nothing in the nominee's columns (a numbered
    but empty line of a form, a blank separator)."""
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    row = {name: cell(name) for name in FIELDS}
    parts = {"given", "family"} & set(columns)
    if parts and not (parts == {"given", "family"} and "name" in columns):
        # "Prénom" + "Nom", "Nombre" + "Apellidos", "First name" + "Last name"
        first = cell("given") if "given" in columns else row["name"]
        last = cell("family") if "family" in columns else row["name"]
        row["name"] = " ".join(p for p in (first, last) if p)
    return row if any(row.values()) else None
