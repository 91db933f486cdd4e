"""Nomination lists: read a CSV or XLSX file, check each row, enroll on confirmation.

Reading the file (encodings, header rows, merged cells, blank rows) is ``import_reading``;
country and language names are ``import_names``; the rules are in docs/IMPORTS.md.
The file is parsed once and its cleaned cells kept in ``EnrollmentImport.rows`` (server-side, so
the preview needs no JavaScript and no hidden field). Problems are computed again whenever the
preview is shown or confirmed, because enrollments may change in between. Confirming enrolls the
rows without problems and skips the others, so the fixed file can simply be uploaded again:
people already enrolled are recognised and left alone (importing twice enrolls nobody twice).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select, update

from .. import audit, dates, mail
from ..access import PARTICIPANT
from ..auth import services as accounts
from ..auth.models import User
from ..db_types import utcnow
from ..extensions import db
from ..i18n import LANGUAGES
from .import_names import country_code, language_choice
from .import_reading import (
    FIELDS,
    MAX_BYTES,
    MAX_CELL,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_UNZIPPED,
    REQUIRED_COLUMNS,
    FileProblem,
    Parsed,
    clean_cell,
    parse as read,
    read_table,
)
from .models import Course, Enrollment, EnrollmentImport

__all__ = ["FIELDS", "MAX_BYTES", "MAX_CELL", "MAX_COLUMNS", "MAX_ROWS", "MAX_UNZIPPED",
           "REQUIRED_COLUMNS", "FileProblem", "Parsed", "clean_cell", "country_code", "read",
           "read_table"]

LIMITS = {"name": 200, "email": 254, "country": 100, "organization": 300, "position": 300,
          "language": 50}
FORMULA_START = ("=", "+", "@")    # a spreadsheet would run these (CSV injection)
FALLBACK_LANGUAGE = "en"           # for a preferred language the portal does not offer


@dataclass
class CheckedRow:
    line: int
    cells: dict
    country: str | None = None      # ISO code when recognised
    language: str | None = None     # interface language
    problems: list = field(default_factory=list)  # [{"code", "field", ...}]: not enrolled
    warnings: list = field(default_factory=list)  # [{"code", "field", ...}]: enrolled anyway
    user_id: int | None = None      # existing account

    @property
    def ready(self) -> bool:
        return not self.problems

    @property
    def already_enrolled(self) -> bool:
        return any(p["code"] == "already_enrolled" for p in self.problems)


def parse(data: bytes) -> list[dict]:
    """The nominees of a file as {"line", name, email, country, organization, position,
    language}, ``line`` being the row number the spreadsheet shows."""
    return read(data).rows


# ------------------------------------------------------------------ checking rows


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
        if key in seen:
            item.problems.append({"code": "duplicate", "field": "email", "line": seen[key]})
        elif key:
            seen[key] = row["line"]
        user = users.get(key)
        if user is not None:
            item.user_id = user.id
            _check_account(item, user, enrolled)
        checked.append(item)
    return checked


def _check_account(item: CheckedRow, user: User, enrolled: set[int]) -> None:
    """Why the row's existing account cannot be enrolled, if it cannot."""
    if not user.active:  # only an administrator brings a deactivated account back
        item.problems.append({"code": "deactivated_account", "field": "email"})
    elif user.id in enrolled:
        item.problems.append({"code": "already_enrolled", "field": "email"})
    elif user.role != PARTICIPANT:
        item.problems.append({"code": "staff_account", "field": "email"})


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
    item.language, warning = _language(cells["language"], fallback)
    if warning:
        item.warnings.append(warning)


def _language(text: str, fallback: str) -> tuple[str, dict | None]:
    """The interface language of a row: the one it names, the course's when empty, English
    with a warning when it names another language or none known."""
    if not text:
        return fallback, None
    supported, other = language_choice(text)
    if supported:
        return supported, None
    if other:
        return FALLBACK_LANGUAGE, {"code": "language_not_offered", "field": "language",
                                   "language": other}
    return FALLBACK_LANGUAGE, {"code": "unknown_language", "field": "language"}


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


def create(course: Course, rows: list[dict], filename: str, by: User,
           reading: dict | None = None) -> EnrollmentImport:
    """Keep the parsed rows for the preview; old unconfirmed previews are dropped."""
    db.session.execute(delete(EnrollmentImport).where(
        EnrollmentImport.confirmed_at.is_(None),
        EnrollmentImport.created_at < utcnow() - timedelta(days=7)))
    record = EnrollmentImport(course=course, rows=rows, created_by_id=by.id,
                              filename=clean_cell(filename)[:200], reading=reading)
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
