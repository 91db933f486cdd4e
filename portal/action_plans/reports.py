"""Post-return progress reports: the schedule, drafts, submission and evidence files."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import url_for
from sqlalchemy import select

from .. import dates
from ..assignments import services as assignments
from ..db_types import utcnow
from ..extensions import db
from ..i18n import LANGUAGES, gettext as _
from .models import (
    ACTIVITY_STATUSES,
    DRAFT,
    SUBMITTED,
    ActionPlan,
    ProgressReport,
    ReportActivity,
    ReportFile,
)
from .services import Invalid, PlanError, Problems, is_author

REPORT_FIELDS = ("achievements", "challenges", "next_steps", "applied")
MAX_FILES = 10


@dataclass(frozen=True)
class Due:
    month: int
    due: date
    report: ProgressReport | None
    # Assignments that are this same report (``Assignment.plan_report_month``: made before
    # such assignments were refused), each with the author's work on it or None.
    assignments: tuple = ()

    @property
    def submitted(self) -> bool:
        return self.report is not None and self.report.state == SUBMITTED

    @property
    def handed_in_as(self):
        """The (assignment, submission) the author handed this report in as, if any: the
        obligation is met, and what was handed in stays reachable from the report's line."""
        return next(((a, s) for a, s in self.assignments if s is not None and s.submitted_at),
                    None)

    @property
    def done(self) -> bool:
        return self.submitted or self.handed_in_as is not None


Work = dict[tuple[int, int], list]


def work_for(plans: list[ActionPlan]) -> Work:
    """``assignments.services.plan_report_assignments`` for plans of one author (their
    courses at once): what ``schedule`` joins to each report month."""
    plans = [p for p in plans if p is not None]
    if not plans:
        return {}
    return assignments.plan_report_assignments({p.course.id for p in plans},
                                               plans[0].enrollment.user_id)


def schedule(plan: ActionPlan, work: Work | None = None) -> list[Due]:
    """Each report the course asks for, with its due date, the report if started and the
    assignments that are the same report (``work``, from ``work_for``: read here if not
    given)."""
    by_month = {r.month: r for r in plan.reports}
    work = work_for([plan]) if work is None else work
    return [Due(m, due, by_month.get(m), tuple(work.get((plan.course.id, m), ())))
            for m, due in dates.report_due_dates(plan.course)]


def require_open(plan: ActionPlan, month: int, today: date | None = None) -> None:
    """Reports follow an accepted plan, after the course has ended."""
    today = today or dates.today()
    if plan.accepted_version is None:
        raise PlanError("reports_need_accepted_plan")
    if today <= plan.course.departure:
        raise PlanError("reports_not_open", date=plan.course.departure.isoformat())


def report_of(plan: ActionPlan, month: int) -> ProgressReport | None:
    return db.session.scalar(select(ProgressReport).where(ProgressReport.plan_id == plan.id,
                                                          ProgressReport.month == month))


def new_report(plan: ActionPlan, month: int) -> ProgressReport:
    """An unsaved report listing the accepted plan's activities (carried over from the
    previous report where there is one)."""
    version = plan.accepted_version
    previous = {}
    earlier = [r for r in plan.reports if r.month < month]
    if earlier:
        previous = {a.activity_key: a for a in earlier[-1].activities}
    report = ProgressReport(plan_id=plan.id, month=month, version_id=version.id,
                            language=plan.language, state=DRAFT, achievements="",
                            challenges="", next_steps="", applied="")
    report.activities = [
        ReportActivity(position=i, activity_key=a["key"], description=a.get("description", ""),
                       status=previous[a["key"]].status if a["key"] in previous else "not_started",
                       percent=previous[a["key"]].percent if a["key"] in previous else 0)
        for i, a in enumerate(version.content.get("activities") or [])]
    return report


def _activity_problems(activity: dict) -> Problems:
    problems: Problems = {}
    if activity["status"] not in ACTIVITY_STATUSES:
        problems["activity-%s-status" % activity["key"]] = ("status_missing", {})
    value = activity["percent"]
    if not value.isdigit() or not 0 <= int(value) <= 100:
        problems["activity-%s-percent" % activity["key"]] = (
            "percent_invalid", {"activity": activity["description"]})
    return problems


_REQUIRED_TO_SUBMIT = {"achievements": "achievements_missing", "applied": "applied_missing"}


def check(typed: dict, submitting: bool) -> Problems:
    problems: Problems = {}
    for activity in typed["activities"]:
        problems.update(_activity_problems(activity))
    if typed["language"] not in LANGUAGES:
        problems["language"] = ("report_language_missing", {})
    if submitting:
        problems.update({f: (code, {}) for f, code in _REQUIRED_TO_SUBMIT.items()
                         if not typed[f].strip()})
    return problems


def save(report: ProgressReport, typed: dict, submitting: bool) -> None:
    """Record what was typed; raise :class:`Invalid` (nothing recorded) if it cannot be."""
    if report.state == SUBMITTED:
        raise PlanError("report_submitted")
    errors = check(typed, submitting)
    if errors:
        raise Invalid(errors)
    for f in REPORT_FIELDS:
        setattr(report, f, typed[f])
    report.language = typed["language"]
    by_key = {a["key"]: a for a in typed["activities"]}
    for a in report.activities:
        a.status, a.percent = by_key[a.activity_key]["status"], int(
            by_key[a.activity_key]["percent"])
    report.updated_at = utcnow()
    if submitting:
        report.state, report.submitted_at = SUBMITTED, utcnow()
    if report.id is None:
        db.session.add(report)
    db.session.flush()


def attach(report: ProgressReport, stored) -> None:
    """Add a file to the report (once: the upload widget attached it when it completed)."""
    if any(f.file_id == stored.id for f in report.files):
        return
    if len(report.files) >= MAX_FILES:
        raise Invalid({"evidence": ("too_many_files", {"count": MAX_FILES})})
    report.files.append(ReportFile(file_id=stored.id))
    db.session.flush()


def detach(report: ProgressReport, file_row_id: int) -> None:
    if report.state == SUBMITTED:
        raise PlanError("report_submitted")
    row = next((f for f in report.files if f.id == file_row_id), None)
    if row is not None:
        report.files.remove(row)
        db.session.flush()


def draft_for(user, plan_id: int, month: int) -> ProgressReport:
    """The author's report draft of that month, created (unsaved text) if not started yet."""
    plan = db.session.get(ActionPlan, plan_id)
    if plan is None or not is_author(user, plan) or month not in (plan.course.report_months
                                                                  or []):
        raise PlanError("not_found", 404)
    require_open(plan, month)
    report = report_of(plan, month)
    if report is None:
        report = new_report(plan, month)
        db.session.add(report)
    if report.state == SUBMITTED:
        raise PlanError("report_submitted", 409)
    return report


def keep_evidence(user, stored, form_ref: str) -> str:
    """The ``plan-evidence`` purpose's keep rule: a file the upload widget has just stored
    belongs to the report draft at once (``form_ref`` is ``"<plan id>/<month>"``), so leaving
    the page never loses it. Returns the URL that removes it."""
    plan_id, _sep, month = form_ref.partition("/")
    if not (plan_id.isdigit() and month.isdigit()):
        raise PlanError("not_found", 404)
    report = draft_for(user, int(plan_id), int(month))
    attach(report, stored)
    report.updated_at = utcnow()
    return url_for("action_plans.remove_evidence", plan_id=report.plan_id, month=report.month,
                   file_id=stored.id)


def detach_file(report: ProgressReport, file_id: int) -> None:
    row = next((f for f in report.files if f.file_id == file_id), None)
    if row is not None:
        detach(report, row.id)


def may_download_evidence(user, stored_file) -> bool:
    """Evidence goes to the report's author and the course's staff (the download rule of the
    ``plan-evidence`` upload purpose, portal/uploads/purposes.py)."""
    if not getattr(user, "is_authenticated", False):
        return False
    report = db.session.scalar(select(ProgressReport).join(ReportFile).where(
        ReportFile.file_id == stored_file.id))
    if report is None:
        return stored_file.uploader_id == user.id  # sent, not yet attached
    return is_author(user, report.plan) or (
        report.state == SUBMITTED and report.plan.course.is_staff(user))


def status_labels() -> dict[str, str]:
    return {"not_started": _("Not started"), "in_progress": _("In progress"),
            "done": _("Done"), "dropped": _("Dropped")}
