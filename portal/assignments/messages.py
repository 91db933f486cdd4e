"""Rule codes (services.RuleBroken) to messages in the reader's language."""
from __future__ import annotations

from flask_babel import gettext as _


def message(code: str, params: dict | None = None) -> str:
    p = dict(params or {})
    if code == "opens_after_due":
        return _("The assignment must open before it is due.")
    if code == "cutoff_before_due":
        return _("The cut-off cannot come before the due date.")
    if code == "not_editable":
        return _("This work has been handed in; it can be changed only if it is returned for "
                 "revision.")
    if code == "not_open_yet":
        return _("This assignment is not open yet.")
    if code == "after_cutoff":
        return _("The cut-off has passed: no submission can be taken any more. You may ask "
                 "for an extension.")
    if code == "text_missing":
        return _("Write your text before submitting.")
    if code == "files_missing":
        return _("Attach at least one file before submitting.")
    if code == "too_many_files":
        return _("At most %(limit)s files may be attached.", limit=p.get("limit"))
    if code == "statement_missing":
        return _("Accept the statement to submit.")
    if code == "bad_decision":
        return _("Choose a decision.")
    if code == "not_reviewable":
        return _("This submission has already been reviewed or is not handed in.")
    if code == "reason_missing":
        return _("Give a reason.")
    if code == "request_pending":
        return _("You have already asked for an extension; wait for the answer.")
    if code == "due_missing":
        return _("Enter the new due date.")
    if code == "already_answered":
        return _("This request has already been answered.")
    if code == "no_file":
        return _("Choose a file to send.")
    return _("The request could not be carried out.")
