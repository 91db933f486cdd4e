"""Nomination lists: read a CSV or XLSX file, check each row, enroll on confirmation.

The file is parsed once and its cleaned cells kept in ``EnrollmentImport.rows`` (server-side, so
the preview needs no JavaScript and no hidden field). Problems are computed again whenever the
preview is shown or confirmed, because enrollments may change in between. Confirming enrolls the
rows without problems and skips the others, so the fixed file can simply be uploaded again:
people already enrolled are recognised and left alone (importing twice enrolls nobody twice).
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select, update

from .. import audit, dates, mail
from ..auth import services as accounts
from ..auth.models import User
from ..db_types import utcnow
from ..domain_errors import DomainError
from ..extensions import db
from ..i18n import LANGUAGES, countries
from .models import Course, Enrollment, EnrollmentImport

MAX_BYTES = 2 * 1024 * 1024        # a nomination list of thousands of rows is far smaller
MAX_UNZIPPED = 40 * 1024 * 1024    # an XLSX expanding beyond this is refused (zip bomb)
MAX_ROWS = 2000
MAX_COLUMNS = 30
MAX_CELL = 1000                    # longer cells are cut here, then reported as too long
LIMITS = {"name": 200, "email": 254, "country": 100, "organization": 300, "position": 300,
          "language": 50}
FIELDS = tuple(LIMITS)
REQUIRED_COLUMNS = ("name", "email", "country")
FORMULA_START = ("=", "+", "@")    # a spreadsheet would run these (CSV injection)
# Direction overrides and isolates (U+202A-U+202E, U+2066-U+2069), marks, BOM: never in a name.
_INVISIBLE = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

HEADER_ALIASES = {
    "name": ("name", "fullname", "participant", "nom", "nomcomplet", "nometprenom",
             "nombre", "nombrecompleto", "nombreyapellido", "nombreyapellidos", "participante"),
    "email": ("email", "mail", "emailaddress", "courriel", "adresseemail", "adressecourriel",
              "correo", "correoelectronico", "direcciondecorreo"),
    "country": ("country", "pays", "pais"),
    "organization": ("organization", "organisation", "organizacion", "institution",
                     "institucion", "ministry", "ministere", "ministerio", "employer"),
    "position": ("position", "jobtitle", "title", "poste", "fonction", "titre", "cargo",
                 "puesto"),
    "language": ("language", "preferredlanguage", "lang", "langue", "languepreferee",
                 "idioma", "idiomapreferido", "lengua"),
}

COUNTRY_ALIASES = {  # common names in nomination lists that CLDR spells differently
    "CD": ("drc", "drcongo", "democraticrepublicofthecongo", "democraticrepublicofcongo",
           "congodemocraticrepublic", "rdc", "rdcongo", "republiquedemocratiqueducongo",
           "republicademocraticadelcongo"),
    "CG": ("republicofthecongo", "republicofcongo", "congorepublic", "republiqueducongo",
           "congobrazzaville", "republicadelcongo"),
    "CI": ("ivorycoast", "cotedivoire"),
    "LA": ("laos", "laopdr", "laopeoplesdemocraticrepublic"),
    "MM": ("myanmar", "burma"),
    "TL": ("easttimor", "timorleste"),
    "SZ": ("swaziland", "eswatini"),
    "TR": ("turkey", "turkiye"),
    "CV": ("capeverde", "caboverde"),
    "VN": ("vietnam", "vietnam"),
    "PS": ("palestine", "stateofpalestine"),
    "KR": ("southkorea", "republicofkorea"),
    "FM": ("micronesia",),
    "BO": ("bolivia", "plurinationalstateofbolivia"),
    "VE": ("venezuela",),
    "IR": ("iran",),
    "SY": ("syria",),
    "TZ": ("tanzania", "unitedrepublicoftanzania"),
    "MK": ("macedonia", "northmacedonia"),
}


class FileProblem(DomainError):
    """The file as a whole cannot be read; ``code`` and ``params`` make the message."""

    messages = "portal.courses.messages"


@dataclass
class CheckedRow:
    line: int
    cells: dict
    country: str | None = None      # ISO code when recognised
    language: str | None = None     # interface language when recognised
    problems: list = field(default_factory=list)  # [{"code", "field", ...}]
    user_id: int | None = None      # existing account

    @property
    def ready(self) -> bool:
        return not self.problems

    @property
    def already_enrolled(self) -> bool:
        return any(p["code"] == "already_enrolled" for p in self.problems)


# ------------------------------------------------------------------ reading files


def fold(text: str) -> str:
    """Lower case, no accents, letters and digits only: "Côte d’Ivoire" -> "cotedivoire"."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if c.isalnum() and not unicodedata.combining(c))


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


def read_table(data: bytes) -> list[list[str]]:
    """The rows of a CSV (UTF-8, comma, semicolon or tab) or XLSX file, as cleaned strings."""
    if len(data) > MAX_BYTES:
        raise FileProblem("too_big", size=MAX_BYTES // 1024)
    if not data.strip():
        raise FileProblem("empty")
    if data.startswith(b"PK\x03\x04"):
        rows = _read_xlsx(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("old_excel")
    else:
        rows = _read_csv(data)
    rows = [r for r in ([clean_cell(c) for c in row[:MAX_COLUMNS]] for row in rows)
            if any(r)]
    if not rows:
        raise FileProblem("empty")
    return rows


def _read_csv(data: bytes):
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem("not_utf8") from None
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    try:
        rows = []
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            if len(rows) > MAX_ROWS + 1:
                raise FileProblem("too_many_rows", max=MAX_ROWS)
        return rows
    except csv.Error:
        raise FileProblem("unreadable") from None


def _read_xlsx(data: bytes):
    import openpyxl
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_UNZIPPED:
                raise FileProblem("too_big", size=MAX_BYTES // 1024)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it does not know
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            try:
                rows = []
                for row in book.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True):
                    rows.append(list(row))
                    if len(rows) > MAX_ROWS + 1:
                        raise FileProblem("too_many_rows", max=MAX_ROWS)
                return rows
            finally:
                book.close()
    except FileProblem:
        raise
    except Exception:  # openpyxl raises many kinds of errors on damaged files
        raise FileProblem("unreadable") from None


def parse(data: bytes) -> list[dict]:
    """Rows as {"line", name, email, country, organization, position, language}."""
    table = read_table(data)
    header, body = table[0], table[1:]
    columns = _columns(header)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise FileProblem("missing_columns", columns=", ".join(missing))
    if len(body) > MAX_ROWS:
        raise FileProblem("too_many_rows", max=MAX_ROWS)
    rows = []
    for number, cells in enumerate(body, start=2):
        if not any(cells):
            continue
        row = {"line": number}
        for name in FIELDS:
            index = columns.get(name)
            row[name] = cells[index] if index is not None and index < len(cells) else ""
        rows.append(row)
    if not rows:
        raise FileProblem("empty")
    return rows


def _columns(header: list[str]) -> dict[str, int]:
    found = {}
    for index, title in enumerate(header):
        key = fold(title)
        for name, aliases in HEADER_ALIASES.items():
            if key in aliases and name not in found:
                found[name] = index
    return found


# ------------------------------------------------------------------ checking rows


@lru_cache(maxsize=1)
def _country_index() -> dict[str, str]:
    index = {}
    for lang in LANGUAGES:
        for code, name in countries(lang):
            index.setdefault(fold(name), code)
            index.setdefault(fold(re.sub(r"\(.*?\)", "", name)), code)  # "Myanmar (Burma)"
            index[code.lower()] = code
    for code, aliases in COUNTRY_ALIASES.items():
        for alias in aliases:
            index.setdefault(alias, code)
    return index


def country_code(text: str) -> str | None:
    return _country_index().get(fold(text)) if text else None


@lru_cache(maxsize=1)
def _language_index() -> dict[str, str]:
    from babel import Locale
    index = {}
    for code in LANGUAGES:
        index[code] = code
        for reader in LANGUAGES:
            index[fold(Locale.parse(reader).languages[code])] = code
    index.update({"castellano": "es", "espanol": "es", "francais": "fr"})
    return index


def language_code(text: str, default: str) -> str | None:
    if not text:
        return default
    return _language_index().get(fold(text.split("-")[0].split("_")[0]) if len(text) <= 6
                                 else fold(text))


def default_language(course: Course) -> str:
    return next((lang for lang in (course.languages or []) if lang in LANGUAGES), "en")


def check(course: Course, rows: list[dict]) -> list[CheckedRow]:
    """Every row with its problems, in file order."""
    emails = {r["email"].lower() for r in rows if r["email"]}
    users = _existing_users(emails)
    enrolled = _enrolled_ids(course, [u.id for u in users.values()])
    seen: dict[str, int] = {}
    fallback = default_language(course)
    checked = []
    for row in rows:
        item = CheckedRow(row["line"], row)
        _check_cells(item, fallback)
        key = row["email"].lower()
        if key and key in seen:
            item.problems.append({"code": "duplicate", "field": "email", "line": seen[key]})
        elif key:
            seen[key] = row["line"]
        user = users.get(key)
        if user is not None:
            item.user_id = user.id
            if not user.active:  # only an administrator brings a deactivated account back
                item.problems.append({"code": "deactivated_account", "field": "email"})
            elif user.id in enrolled:
                item.problems.append({"code": "already_enrolled", "field": "email"})
            elif user.role != "participant":
                item.problems.append({"code": "staff_account", "field": "email"})
        checked.append(item)
    return checked


def _check_cells(item: CheckedRow, fallback: str) -> None:
    cells, problems = item.cells, item.problems
    for name in FIELDS:
        if len(cells[name]) > LIMITS[name]:
            problems.append({"code": "too_long", "field": name, "max": LIMITS[name]})
        elif cells[name].startswith(FORMULA_START):
            problems.append({"code": "formula", "field": name})
    if not cells["name"]:
        problems.append({"code": "missing_name", "field": "name"})
    if not cells["email"]:
        problems.append({"code": "missing_email", "field": "email"})
    elif not _valid_email(cells["email"]):
        problems.append({"code": "bad_email", "field": "email"})
    item.country = country_code(cells["country"])
    if not cells["country"]:
        problems.append({"code": "missing_country", "field": "country"})
    elif item.country is None:
        problems.append({"code": "unknown_country", "field": "country"})
    item.language = language_code(cells["language"], fallback)
    if item.language is None:
        problems.append({"code": "unknown_language", "field": "language"})


def _valid_email(text: str) -> bool:
    if len(text) > LIMITS["email"]:
        return False
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _existing_users(emails: set[str]) -> dict[str, User]:
    found = {}
    batch = sorted(emails)
    for start in range(0, len(batch), 500):
        for user in db.session.execute(select(User).where(
                func.lower(User.email).in_(batch[start:start + 500]))).scalars():
            found[user.email.lower()] = user
    return found


def _enrolled_ids(course: Course, user_ids: list[int]) -> set[int]:
    if not user_ids:
        return set()
    return set(db.session.execute(select(Enrollment.user_id).where(
        Enrollment.course_id == course.id, Enrollment.user_id.in_(user_ids))).scalars())


# ------------------------------------------------------------------ storing and confirming


def create(course: Course, rows: list[dict], filename: str, by: User) -> EnrollmentImport:
    """Keep the parsed rows for the preview; old unconfirmed previews are dropped."""
    db.session.execute(delete(EnrollmentImport).where(
        EnrollmentImport.confirmed_at.is_(None),
        EnrollmentImport.created_at < utcnow() - timedelta(days=7)))
    record = EnrollmentImport(course=course, rows=rows, created_by_id=by.id,
                              filename=clean_cell(filename)[:200])
    db.session.add(record)
    db.session.flush()
    return record


class AlreadyConfirmed(Exception):
    pass


def confirm(record: EnrollmentImport, by: User) -> dict:
    """Enroll every row without problems, creating and inviting accounts where needed."""
    claimed = db.session.execute(update(EnrollmentImport).where(
        EnrollmentImport.id == record.id, EnrollmentImport.confirmed_at.is_(None))
        .values(confirmed_at=utcnow()).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise AlreadyConfirmed()
    course = record.course
    result = {"enrolled": 0, "created": 0, "skipped": 0}
    deadlines = dates.first_deadlines(course, utcnow())
    with mail.batch(mail_batch(record)):
        for row in check(course, record.rows):
            _enroll(row, course, by, deadlines, result)
    record.result = result
    db.session.flush()
    audit.record("course.import", course, actor=by, code=course.code, import_id=record.id,
                 **result)
    mail.deliver_later(mail_batch(record))
    return result


def mail_batch(record: EnrollmentImport) -> str:
    """The key of the import's mail in the outbox (its progress is shown on the import page)."""
    return "import-%d" % record.id


def _enroll(row: CheckedRow, course: Course, by: User, deadlines, result: dict) -> None:
    if not row.ready:
        result["skipped"] += 1
        return
    user = db.session.get(User, row.user_id) if row.user_id else None
    if user is None:
        cells = row.cells
        user = accounts.create_user(cells["email"], cells["name"], "participant",
                                    language=row.language, country=row.country,
                                    organization=cells["organization"] or None,
                                    position=cells["position"] or None)
        result["created"] += 1
    db.session.add(Enrollment(course=course, user=user, status="nominated"))
    _tell(user, course, by, deadlines)
    result["enrolled"] += 1


def _tell(user: User, course: Course, by: User, deadlines) -> None:
    """Everyone hears of the course in their language, with its first deadlines (no reminder
    reaches someone who has not accepted the invitation); accounts never activated also get an
    invitation (a new link, which makes any older one useless)."""
    invited = not user.password_hash
    if invited:
        accounts.invite(user, by=by)
    mail.send_mail(user.email, "course_enrolled", user.language, user=user, course=course,
                   invited=invited, deadlines=deadlines,
                   link=accounts.external_url("courses.show", course_id=course.id))
