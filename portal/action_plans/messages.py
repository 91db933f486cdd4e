"""Action-plan rule codes (``PlanError``, ``Invalid``) to messages in the reader's language."""
from __future__ import annotations

from textwrap import shorten

from ..domain_errors import Messages
from ..i18n import format_day, lazy_gettext as _l


def _labels(code: str, params: dict) -> dict:
    """Sections and activity fields are named by key; the reader sees their labels, dates in
    their locale, and an activity by the start of its description, cut between words."""
    from .services import activity_labels, section_labels
    p = dict(params)
    if "section" in p:
        p["section"] = section_labels()[p["section"]]
    if "field" in p:
        p["field"] = activity_labels()[p["field"]]
    for key in ("date", "start", "end"):
        if key in p:
            p[key] = format_day(p[key])
    if "activity" in p:
        p["activity"] = shorten(" ".join(str(p["activity"]).split()), width=60,
                                placeholder=" …")
    return p


MESSAGES = Messages({
    # refusals (PlanError)
    "not_editable": _l("This plan is under review or accepted: it cannot be changed now."),
    "stale": _l("This plan was changed in another window or device since you opened it. Your "
                "text is below: copy what you need, then reload the page."),
    "not_accepted": _l("Only an accepted plan can be revised."),
    "no_revision": _l("There is no revision to discard."),
    "bad_decision": _l("Choose what to do with the plan."),
    "not_submitted": _l("The plan has not been submitted yet."),
    "not_waiting": _l("The plan is no longer waiting for review: reload the page."),
    "reports_need_accepted_plan": _l("Progress reports can be written once the action plan has "
                                     "been accepted. Submit your plan for review first."),
    "reports_not_open": _l("Progress reports open after the course ends on %(date)s."),
    "report_submitted": _l("This report has been submitted: it can no longer be changed."),
    # field problems (Invalid)
    "language_missing": _l("Choose the language the plan is written in."),
    "section_required": _l("%(section)s: this section is required."),
    "activity_missing": _l("Add at least one activity."),
    "activity_field_required": _l("Activity %(number)d: %(field)s is required."),
    "start_invalid": _l("Enter the start date as YYYY-MM-DD."),
    "end_invalid": _l("Enter the end date as YYYY-MM-DD."),
    "ends_before_start": _l("Activity %(number)d ends (%(end)s) before it starts (%(start)s)."),
    "reason_missing": _l("Say why the plan changes."),
    "return_needs_comment": _l("Say what should change before returning the plan."),
    "comment_missing": _l("Write a comment first."),
    "status_missing": _l("Choose a status."),
    "percent_invalid": _l("Enter a whole number from 0 to 100 for “%(activity)s”."),
    "report_language_missing": _l("Choose the language the report is written in."),
    "achievements_missing": _l("Describe what has been achieved so far."),
    "applied_missing": _l("Say what you applied from your training in Japan."),
    "too_many_files": _l("A report can have at most %(count)s files."),
}, default=_l("The request could not be carried out."), prepare=_labels)


def words(problems: dict[str, tuple[str, dict]]) -> dict[str, str]:
    """Field problems (services.check_activities...) in the reader's language."""
    return MESSAGES.fields(problems)
