"""The words of import problems, in the reader's language (codes are stored, words are not)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l, ngettext

from ..domain_errors import Messages

COLUMN_LABELS = {
    "name": _l("Name"), "email": _l("E-mail"), "country": _l("Country"),
    "organization": _l("Organization"), "position": _l("Position"),
    "language": _l("Preferred language"),
}


MESSAGES = Messages({
    # rollover.RolloverRefused: a course copied to another year
    "code_taken": _l("Another course already has the code %(code)s."),
    "problems": _l("Some assignments cannot be copied with these dates: see the list below."),
    # imports.FileProblem: the file as a whole
    "too_big": _l("The file is larger than %(size)d KB. Split the list into smaller files."),
    "too_many_rows": _l("The file has more than %(max)d rows. Split the list into smaller "
                        "files."),
    "not_utf8": _l("The file is not in UTF-8. In your spreadsheet, save it as \"CSV UTF-8\", "
                   "or as an Excel workbook (.xlsx)."),
    "old_excel": _l("This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) or "
                    "as CSV UTF-8."),
    "missing_columns": _l("The first row must name the columns. Missing: %(columns)s. Expected "
                          "columns: name, e-mail, country, organization, position, preferred "
                          "language."),
    "empty": _l("The file has no participants in it."),
}, default=_l("The file could not be read. Upload a CSV or XLSX file."))


def _column(code: str, params: dict) -> dict:
    if "field" in params:
        return {**params, "column": COLUMN_LABELS[params["field"]]}
    return params


ROW_MESSAGES = Messages({  # one row's problems, stored as {"code", ...params}
    "missing_name": _l("The name is missing."),
    "missing_email": _l("The e-mail address is missing."),
    "bad_email": _l("This is not a valid e-mail address."),
    "missing_country": _l("The country is missing."),
    "unknown_country": _l("Unknown country: use an ISO code (such as SN) or the country's name "
                          "in English, French or Spanish."),
    "unknown_language": _l("Unknown language: use English, French or Spanish (or en, fr, es)."),
    "duplicate": _l("The same e-mail address is on line %(line)d."),
    "already_enrolled": _l("Already enrolled in this course."),
    "staff_account": _l("This address belongs to a staff account, which cannot be enrolled."),
    "deactivated_account": _l("This address belongs to a deactivated account, which cannot "
                              "be enrolled or invited. An administrator can reactivate it."),
    "too_long": _l("%(column)s: longer than %(max)d characters."),
    "formula": _l("%(column)s starts with =, + or @, as a spreadsheet formula would."),
}, default=lambda p: p["code"], prepare=_column)


def row_problem_message(problem: dict) -> str:
    return ROW_MESSAGES(problem["code"], problem)


def import_result_message(result: dict) -> str:
    parts = [ngettext("%(num)d person enrolled.", "%(num)d people enrolled.",
                      result["enrolled"]),
             ngettext("%(num)d new account invited.", "%(num)d new accounts invited.",
                      result["created"])]
    if result["skipped"]:
        parts.append(ngettext("%(num)d row skipped.", "%(num)d rows skipped.", result["skipped"]))
    return " ".join(parts)
