"""Post-return progress reports: the schedule, drafts, submission and evidence files."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ..courses.models import Course, _add_months
from ..db_types import utcnow
from ..extensions import db
from ..i18n import LANGUAGES
from .models import ACTIVITY_STATUSES, DRAFT, SUBMITTED, ActionPlan, ProgressReport, ReportActivity
from .services import MAX_TEXT, Invalid, PlanError

REPORT_FIELDS = ("achievements", "challenges", "next_steps", "applied")
MAX_FILES = 10


@dataclass(frozen=True)
class Due:
    month: int
    due: date
    report: ProgressReport | None

    @property
    def submitted(self) -> bool:
        return self.report is not None and self.report.state == SUBMITTED


def due_date(course: Course, month: int) -> date:
    return _add_months(course.departure, month)


def schedule(plan: ActionPlan) -> list[Due]:
    """Each report the course asks for, with its due date and the report if started."""
    by_month = {r.month: r for r in plan.reports}
    return [Due(m, due_date(plan.course, m), by_month.get(m))
            for m in sorted(set(plan.course.report_months or []))]


def require_open(plan: ActionPlan, month: int, today: date | None = None) -> None:
    """Reports follow an accepted plan, after the course has ended."""
    today = today or utcnow().date()
    if plan.accepted_version is None:
        raise PlanError(_("Progress reports can be written once the action plan has been "
                          "accepted. Submit your plan for review first."))
    if today <= plan.course.departure:
        raise PlanError(_("Progress reports open after the course ends on %(date)s.",
                          date=plan.course.departure.isoformat()))


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


def read_form(report: ProgressReport, form) -> dict:
    """What was typed, as typed (to re-render it) with per-field errors."""
    typed = {f: (form.get(f) or "")[:MAX_TEXT] for f in REPORT_FIELDS}
    typed["language"] = form.get("language") or report.language
    typed["activities"] = [
        {"key": a.activity_key, "description": a.description,
         "status": form.get("activity-%s-status" % a.activity_key) or a.status,
         "percent": (form.get("activity-%s-percent" % a.activity_key, str(a.percent))
                     or "").strip()[:10]}
        for a in report.activities]
    return typed


def check(typed: dict, submitting: bool) -> dict[str, str]:
    errors = {}
    for a in typed["activities"]:
        if a["status"] not in ACTIVITY_STATUSES:
            errors["activity-%s-status" % a["key"]] = _("Choose a status.")
        value = a["percent"]
        if not value.isdigit() or not 0 <= int(value) <= 100:
            errors["activity-%s-percent" % a["key"]] = _(
                "Enter a whole number from 0 to 100 for “%(activity)s”.",
                activity=a["description"][:60])
    if typed["language"] not in LANGUAGES:
        errors["language"] = _("Choose the language the report is written in.")
    if submitting:
        if not typed["achievements"].strip():
            errors["achievements"] = _("Describe what has been achieved so far.")
        if not typed["applied"].strip():
            errors["applied"] = _("Say what you applied from your training in Japan.")
    return errors


def save(report: ProgressReport, typed: dict, submitting: bool) -> None:
    """Record what was typed; raise :class:`Invalid` (nothing recorded) if it cannot be."""
    if report.state == SUBMITTED:
        raise PlanError(_("This report has been submitted: it can no longer be changed."))
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
    from .models import ReportFile
    if len(report.files) >= MAX_FILES:
        raise Invalid({"evidence": _("A report can have at most %(count)d files.",
                                     count=MAX_FILES)})
    report.files.append(ReportFile(file_id=stored.id))
    db.session.flush()


def detach(report: ProgressReport, file_row_id: int) -> None:
    if report.state == SUBMITTED:
        raise PlanError(_("This report has been submitted: it can no longer be changed."))
    row = next((f for f in report.files if f.id == file_row_id), None)
    if row is not None:
        report.files.remove(row)
        db.session.flush()


def status_labels() -> dict[str, str]:
    return {"not_started": _("Not started"), "in_progress": _("In progress"),
            "done": _("Done"), "dropped": _("Dropped")}
