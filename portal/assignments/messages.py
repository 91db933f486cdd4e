"""Rule codes (services.RuleBroken) to messages in the reader's language."""
from __future__ import annotations

from ..domain_errors import Messages
from ..i18n import lazy_gettext as _l

MESSAGES = Messages({
    "opens_after_due": _l("The assignment must open before it is due."),
    "same_as_plan_report": _l("Alumni already send their action plan's progress report "
                              "%(months)s months after the course: they send it from their "
                              "plan, with its files. Choose another month, or use that report."),
    "cutoff_before_due": _l("The cut-off cannot come before the due date."),
    "not_editable": _l("This work has been handed in; it can be changed only if it is returned "
                       "for revision."),
    "not_open_yet": _l("This assignment is not open yet."),
    "after_cutoff": _l("The cut-off has passed: no submission can be taken any more. You may "
                       "ask for an extension."),
    "text_missing": _l("Write your text before submitting."),
    "files_missing": _l("Attach at least one file before submitting."),
    "too_many_files": _l("At most %(limit)s files may be attached."),
    "statement_missing": _l("Accept the statement to submit."),
    "bad_decision": _l("Choose a decision."),
    "feedback_missing": _l("Say what should change: the participant reads this feedback with "
                           "the returned work."),
    "not_reviewable": _l("This submission has already been reviewed or is not handed in."),
    "reason_missing": _l("Give a reason."),
    "request_pending": _l("You have already asked for an extension; wait for the answer."),
    "already_handed_in": _l("This work is handed in: there is no deadline left to extend. If it "
                            "is returned for revision, you can ask then."),
    "due_missing": _l("Enter the new due date."),
    "already_answered": _l("This request has already been answered."),
    "no_file": _l("Choose a file to send."),
    "assignment_has_work": _l("Participants have started this assignment or asked for more "
                              "time on it (%(num)s): it cannot be deleted, so that nothing they "
                              "wrote or sent is lost. Change its dates or texts instead."),
}, default=_l("The request could not be carried out."))


def message(code: str, params: dict | None = None) -> str:
    return MESSAGES(code, params)
