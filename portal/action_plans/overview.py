"""Tables for instructors and coordinators: plans of a course, and alumni progress across
courses by country and subject (with a server-rendered SVG chart and a CSV export)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..courses.models import Course, Enrollment
from ..exports import Sheet
from ..extensions import db
from ..i18n import gettext as _
from .models import ACCEPTED, SUBMITTED, ActionPlan, ProgressReport, ReportActivity

CHART_STATUSES = ("done", "in_progress", "not_started", "dropped")


@dataclass
class Row:
    enrollment: Enrollment
    plan: ActionPlan | None
    latest: ProgressReport | None
    counts: dict = field(default_factory=dict)


def course_table(course: Course) -> list[Row]:
    """Every enrolled participant with the plan's state and the latest submitted report."""
    enrollments = db.session.scalars(
        select(Enrollment).where(Enrollment.course_id == course.id, Enrollment.is_active)
        .options(selectinload(Enrollment.user)).join(User).order_by(User.name)).all()
    plans = {p.enrollment_id: p for p in db.session.scalars(
        select(ActionPlan).where(ActionPlan.enrollment_id.in_([e.id for e in enrollments]))
        .options(selectinload(ActionPlan.reports).selectinload(ProgressReport.activities),
                 selectinload(ActionPlan.versions)))}
    rows = []
    for e in enrollments:
        plan = plans.get(e.id)
        submitted = [r for r in plan.reports if r.state == SUBMITTED] if plan else []
        latest = submitted[-1] if submitted else None
        counts = dict.fromkeys(CHART_STATUSES, 0)
        for a in latest.activities if latest else []:
            counts[a.status] = counts.get(a.status, 0) + 1
        rows.append(Row(e, plan, latest, counts))
    return rows


def reviewable_courses(user) -> list[Course]:
    return list(db.session.scalars(select(Course).where(Course.staffed_by(user))
                                   .order_by(Course.departure.desc())))


@dataclass
class Group:
    country: str
    subject: str
    plans: int = 0
    reports: int = 0
    counts: dict = field(default_factory=lambda: dict.fromkeys(CHART_STATUSES, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, status: str) -> float:
        return self.counts[status] / self.total if self.total else 0.0


def progress(user, country: str | None = None, subject: str | None = None) -> list[Group]:
    """Alumni progress by (country, subject): activities by status in each accepted plan's
    latest submitted report, over the courses ``user`` coordinates."""
    course_ids = [c.id for c in reviewable_courses(user)]
    if not course_ids:
        return []
    groups, plan_group = _group_plans(_accepted_alumni_plans(course_ids, country, subject))
    if not plan_group:
        return []
    _count_latest_reports(plan_group)
    return sorted(groups.values(), key=lambda g: (g.country, g.subject))


def _accepted_alumni_plans(course_ids: list[int], country: str | None, subject: str | None):
    """(country, subject, plan id) of the accepted plans of the courses' alumni, only those of
    ``country`` and ``subject`` when given."""
    query = (select(User.country, Course.subject, ActionPlan.id)
             .select_from(ActionPlan).join(Enrollment, ActionPlan.enrollment_id == Enrollment.id)
             .join(User, Enrollment.user_id == User.id).join(Course)
             .where(Course.id.in_(course_ids), Enrollment.is_alumnus,
                    ActionPlan.versions.any(status=ACCEPTED)))
    if country:
        query = query.where(User.country == country)
    if subject:
        query = query.where(Course.subject == subject)
    return query


def _group_plans(query) -> tuple[dict[tuple[str, str], Group], dict[int, Group]]:
    """The groups by (country, subject), each with its number of plans; and each plan's
    group."""
    groups: dict[tuple[str, str], Group] = {}
    plan_group = {}
    for c, s, plan_id in db.session.execute(query):
        g = groups.setdefault((c or "", s), Group(c or "", s))
        g.plans += 1
        plan_group[plan_id] = g
    return groups, plan_group


def _count_latest_reports(plan_group: dict[int, Group]) -> None:
    """Add to each plan's group the activities of its latest submitted report, by status,
    and count the plans that have one."""
    latest = (select(func.max(ProgressReport.id).label("id"))
              .where(ProgressReport.state == SUBMITTED).group_by(ProgressReport.plan_id)
              .subquery())
    counted = db.session.execute(
        select(ProgressReport.plan_id, ReportActivity.status, func.count())
        .join(ReportActivity, ReportActivity.report_id == ProgressReport.id)
        .where(ProgressReport.id.in_(select(latest.c.id)),
               ProgressReport.plan_id.in_(list(plan_group)))
        .group_by(ProgressReport.plan_id, ReportActivity.status))
    reported = set()
    for plan_id, status, n in counted:
        g = plan_group[plan_id]
        g.counts[status] = g.counts.get(status, 0) + n
        reported.add(plan_id)
    for plan_id in reported:
        plan_group[plan_id].reports += 1


def totals(groups: list[Group]) -> Group:
    total = Group("", "")
    for g in groups:
        total.plans += g.plans
        total.reports += g.reports
        for s in CHART_STATUSES:
            total.counts[s] += g.counts[s]
    return total


def sheet(groups: list[Group], country_label, subject_label, labels) -> Sheet:
    """The progress table, for portal/exports.py to write as CSV or XLSX."""
    header = [_("Country"), _("Subject"), _("Plans"), _("Plans with a report"),
              *[labels[s] for s in CHART_STATUSES],
              *["%s (%%)" % labels[s] for s in CHART_STATUSES]]
    rows = [[country_label(g.country), subject_label(g.subject), g.plans, g.reports,
             *[g.counts[s] for s in CHART_STATUSES],
             *[round(100 * g.share(s)) for s in CHART_STATUSES]] for g in groups]
    return Sheet(_("Progress of alumni action plans"), [str(h) for h in header], rows)
