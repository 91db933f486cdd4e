"""The words of import problems, in the reader's language (codes are stored, words are not)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l

COLUMN_LABELS = {
    "name": _l("Name"), "email": _l("E-mail"), "country": _l("Country"),
    "organization": _l("Organization"), "position": _l("Position"),
    "language": _l("Preferred language"),
}


def file_problem_message(problem) -> str:
    p = problem.params
    if problem.code == "too_big":
        return _("The file is larger than %(size)d KB. Split the list into smaller files.",
                 size=p["size"])
    if problem.code == "too_many_rows":
        return _("The file has more than %(max)d rows. Split the list into smaller files.",
                 max=p["max"])
    if problem.code == "not_utf8":
        return _("The file is not in UTF-8. In your spreadsheet, save it as \"CSV UTF-8\", or "
                 "as an Excel workbook (.xlsx).")
    if problem.code == "old_excel":
        return _("This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) or as "
                 "CSV UTF-8.")
    if problem.code == "missing_columns":
        return _("The first row must name the columns. Missing: %(columns)s. Expected columns: "
                 "name, e-mail, country, organization, position, preferred language.",
                 columns=p["columns"])
    if problem.code == "empty":
        return _("The file has no participants in it.")
    return _("The file could not be read. Upload a CSV or XLSX file.")


def row_problem_message(problem: dict) -> str:
    code = problem["code"]
    if code == "missing_name":
        return _("The name is missing.")
    if code == "missing_email":
        return _("The e-mail address is missing.")
    if code == "bad_email":
        return _("This is not a valid e-mail address.")
    if code == "missing_country":
        return _("The country is missing.")
    if code == "unknown_country":
        return _("Unknown country: use an ISO code (such as SN) or the country's name in "
                 "English, French or Spanish.")
    if code == "unknown_language":
        return _("Unknown language: use English, French or Spanish (or en, fr, es).")
    if code == "duplicate":
        return _("The same e-mail address is on line %(line)d.", line=problem["line"])
    if code == "already_enrolled":
        return _("Already enrolled in this course.")
    if code == "staff_account":
        return _("This address belongs to a staff account, which cannot be enrolled.")
    if code == "too_long":
        return _("%(column)s: longer than %(max)d characters.",
                 column=COLUMN_LABELS[problem["field"]], max=problem["max"])
    if code == "formula":
        return _("%(column)s starts with =, + or @, as a spreadsheet formula would.",
                 column=COLUMN_LABELS[problem["field"]])
    return code


def import_result_message(result: dict) -> str:
    parts = [ngettext("%(num)d person enrolled.", "%(num)d people enrolled.",
                      result["enrolled"]),
             ngettext("%(num)d new account invited.", "%(num)d new accounts invited.",
                      result["created"])]
    if result["skipped"]:
        parts.append(ngettext("%(num)d row skipped.", "%(num)d rows skipped.", result["skipped"]))
    return " ".join(parts)
