"""The words of import problems, in the reader's language (codes are stored, words are not)."""
from __future__ import annotations

from ..domain_errors import Messages
from ..i18n import gettext as _, language_name, lazy_gettext as _l, ngettext
from ..text import encoding_name

COLUMN_LABELS = {
    "name": _l("Name"), "email": _l("E-mail"), "country": _l("Country"),
    "organization": _l("Organization"), "position": _l("Position"),
    "language": _l("Preferred language"),
}


def _file_params(code: str, params: dict) -> dict:
    if code == "missing_columns":
        return {**params, "columns": ", ".join(str(COLUMN_LABELS[c]) for c in params["columns"])}
    return params


MESSAGES = Messages({
    # rollover.RolloverRefused: a course copied to another year
    "code_taken": _l("Another course already has the code %(code)s."),
    "problems": _l("Some assignments cannot be copied with these dates: see the list below."),
    # imports.FileProblem: the file as a whole
    "too_big": _l("The file is larger than %(size)s KB. Split the list into smaller files."),
    "too_many_rows": _l("The file has more than %(max)s nominees. Split the list into smaller "
                        "files."),
    "not_text": _l("The file could not be read as text. In your spreadsheet, save it as \"CSV "
                   "UTF-8\", or as an Excel workbook (.xlsx)."),
    "old_excel": _l("This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) or "
                    "as CSV UTF-8."),
    "missing_columns": _l("No row of the file's first 20 names the columns. Missing: "
                          "%(columns)s. Expected columns: name (or first name and last name), "
                          "e-mail, country, and if you have them organization, position, "
                          "preferred language."),
    "empty": _l("The file has no participants in it."),
}, default=_l("The file could not be read. Upload a CSV or XLSX file."), prepare=_file_params)


def _column(code: str, params: dict) -> dict:
    if "language" in params:
        params = {**params, "language": language_name(params["language"])}
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
    "unknown_language": _l("Unknown language: English will be used. To choose, write English, "
                           "French or Spanish (or en, fr, es)."),
    "language_not_offered": _l("%(language)s is not offered: this person will use the portal "
                               "and get mail in English."),
    "duplicate": _l("The same e-mail address is on line %(line)d."),
    "already_enrolled": _l("Already enrolled in this course."),
    "staff_account": _l("This address belongs to a staff account, which cannot be enrolled."),
    "deactivated_account": _l("This address belongs to a deactivated account, which cannot "
                              "be enrolled or invited. An administrator can reactivate it."),
    "too_long": _l("%(column)s: longer than %(max)s characters."),
    "formula": _l("%(column)s starts with =, + or @, as a spreadsheet formula would."),
}, default=lambda p: p["code"], prepare=_column)


def row_problem_message(problem: dict) -> str:
    return ROW_MESSAGES(problem["code"], problem)


DELIMITERS = {";": _l("semicolons"), ",": _l("commas"), "\t": _l("tabs")}


def import_reading_message(reading: dict | None) -> list[str]:
    """What the preview says of how the file was read (older imports kept nothing)."""
    if not reading:
        return []
    first, last = reading["header"]
    said = [_("Column names read on row %(first)d.", first=first) if first == last else
            _("Column names read on rows %(first)d and %(last)d.", first=first, last=last)]
    if reading["format"] == "xlsx":
        said.append(_("Sheet read: %(sheet)s.", sheet=reading["sheet"]) if reading["sheets"] == 1
                    else ngettext("Sheet read: %(sheet)s, the first of %(num)s sheet.",
                                  "Sheet read: %(sheet)s, the first of %(num)s sheets.",
                                  reading["sheets"], sheet=reading["sheet"]))
        return said
    encoding = reading["encoding"]
    said.append(_("CSV file read as %(encoding)s, separated by %(delimiter)s.",
                  encoding=encoding_name(encoding),
                  delimiter=DELIMITERS.get(reading["delimiter"], reading["delimiter"])))
    if encoding not in ("utf-8", "utf-8-sig", "utf-16"):
        said.append(_("This encoding was guessed: if accented letters look wrong below, save "
                      "the file as \"CSV UTF-8\" and upload it again."))
    return said


def import_result_message(result: dict) -> str:
    parts = [ngettext("%(num)s person enrolled.", "%(num)s people enrolled.",
                      result["enrolled"]),
             ngettext("%(num)s new account invited.", "%(num)s new accounts invited.",
                      result["created"])]
    if result["skipped"]:
        parts.append(ngettext("%(num)s row skipped.", "%(num)s rows skipped.", result["skipped"]))
    return " ".join(parts)
