"""Action plans: who may do what, drafts, submission, review, versions and sharing.

Services take explicit arguments, hold the rules and only flush; the view commits.
"""
from __future__ import annotations

import secrets
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from ..auth.services import external_url
from ..access import ADMIN, COORDINATOR, INSTRUCTOR, PARTICIPANT
from ..courses.models import Course, CourseCoordinator, CourseInstructor, Enrollment
from ..db_types import utcnow
from ..extensions import db
from ..i18n import LANGUAGES
from ..mail import send_mail
from .models import (
    ACCEPTED, ACTIVITY_FIELDS, DRAFT, EDITABLE, RETURNED, REVISING, SECTIONS, SUBMITTED,
    TEXT_SECTIONS, ActionPlan, PlanComment, PlanVersion,
)

MAX_TEXT = 20_000  # characters per section: plenty for a plan, bounded for the database
MAX_ACTIVITIES = 40
REQUIRED_SECTIONS = ("title", "problem", "objectives", "target_group")


class PlanError(Exception):
    """A refused action: a translated ``message`` and the HTTP ``status`` (400, 409)."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message, self.status = message, status


class Invalid(Exception):
    """Input that cannot be taken: ``errors`` maps field names to translated messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("invalid")
        self.errors = errors


# -- who may do what -----------------------------------------------------------------------------
def is_author(user, plan: ActionPlan) -> bool:
    return user.is_authenticated and plan.enrollment.user_id == user.id


def may_review(user, course: Course) -> bool:
    """The course's instructors and coordinators (and admins) read, comment and decide."""
    if not user.is_authenticated:
        return False
    if user.role == ADMIN:
        return True
    if user.role == INSTRUCTOR:
        return db.session.get(CourseInstructor, (course.id, user.id)) is not None
    if user.role == COORDINATOR:
        coordinators = getattr(course, "coordinators", None)
        # Where courses name their coordinators, only those; otherwise every coordinator.
        return coordinators is None or any(c.id == user.id for c in coordinators)
    return False


def is_alumnus(user) -> bool:
    if not user.is_authenticated or user.role != PARTICIPANT:
        return False
    return db.session.scalar(select(Enrollment.id).where(
        Enrollment.user_id == user.id, Enrollment.status == "completed").limit(1)) is not None


def may_read_shared(user, plan: ActionPlan) -> bool:
    """Other alumni read the accepted version of a plan its author shared."""
    return plan.shared and plan.accepted_version is not None and (
        is_alumnus(user) or user.role in (INSTRUCTOR, COORDINATOR, ADMIN))


def plan_for_author(user, plan_id: int) -> ActionPlan | None:
    plan = db.session.get(ActionPlan, plan_id)
    return plan if plan is not None and is_author(user, plan) else None


def plan_for_reviewer(user, plan_id: int) -> ActionPlan | None:
    plan = db.session.get(ActionPlan, plan_id)
    return plan if plan is not None and may_review(user, plan.course) else None


def plan_for_reader(user, plan_id: int) -> tuple[ActionPlan | None, str]:
    """The plan and how ``user`` may read it: "author", "reviewer", "shared" (else None)."""
    plan = db.session.get(ActionPlan, plan_id)
    if plan is None:
        return None, ""
    if is_author(user, plan):
        return plan, "author"
    if may_review(user, plan.course):
        return plan, "reviewer"
    if may_read_shared(user, plan):
        return plan, "shared"
    return None, ""


def own_enrollment(user, enrollment_id: int) -> Enrollment | None:
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.user_id != user.id or enrollment.status not in (
            "accepted", "in_progress", "completed"):
        return None
    return enrollment


def plans_of(user) -> list[tuple[Enrollment, ActionPlan | None]]:
    enrollments = db.session.scalars(
        select(Enrollment).join(Course).where(Enrollment.user_id == user.id,
                                              Enrollment.status != "withdrawn")
        .order_by(Course.arrival.desc())).all()
    plans = {p.enrollment_id: p for p in db.session.scalars(
        select(ActionPlan).where(ActionPlan.enrollment_id.in_([e.id for e in enrollments])))}
    return [(e, plans.get(e.id)) for e in enrollments]


# -- the working copy ----------------------------------------------------------------------------
def empty_activity() -> dict:
    return {"key": secrets.token_hex(4), **{f: "" for f in ACTIVITY_FIELDS}}


def empty_content() -> dict:
    return {**{s: "" for s in TEXT_SECTIONS}, "activities": [empty_activity()]}


def start_plan(enrollment: Enrollment, language: str) -> ActionPlan:
    """The enrollment's plan, made (as an empty draft) if it has none yet."""
    plan = db.session.scalar(select(ActionPlan).where(ActionPlan.enrollment_id == enrollment.id))
    if plan is None:
        plan = ActionPlan(enrollment=enrollment, state=DRAFT, content=empty_content(),
                          language=language if language in LANGUAGES else "en")
        db.session.add(plan)
        db.session.flush()
    return plan


def content_from_form(form) -> tuple[dict, str]:
    """Read the editor's fields (``title``..., ``activities-<i>-<field>``) as typed, bounded.

    Returns (content, language). Nothing is validated here: a draft keeps whatever was typed.
    """
    content = {s: (form.get(s) or "")[:MAX_TEXT] for s in TEXT_SECTIONS}
    indexes = sorted({int(k.split("-")[1]) for k in form if k.startswith("activities-")
                      and k.count("-") == 2 and k.split("-")[1].isdigit()})
    activities, keys = [], set()
    for i in indexes[:MAX_ACTIVITIES]:
        row = {f: (form.get("activities-%d-%s" % (i, f)) or "")[:MAX_TEXT]
               for f in ACTIVITY_FIELDS}
        key = (form.get("activities-%d-key" % i) or "")[:16]
        # Keys tie report lines to activities across versions: kept if sound and unique.
        row["key"] = key if key.isascii() and key.isalnum() and key not in keys \
            else secrets.token_hex(4)
        keys.add(row["key"])
        activities.append(row)
    content["activities"] = activities
    language = form.get("language") or ""
    return content, language


def _search_text(content: dict) -> str:
    parts = [content.get(s) or "" for s in TEXT_SECTIONS]
    parts += [a.get("description") or "" for a in content.get("activities") or []]
    return " ".join(parts).lower()[:50_000]


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        return None


def check_activities(content: dict) -> dict[str, str]:
    """Date problems, checked on every save (the draft is kept all the same)."""
    errors = {}
    for i, a in enumerate(content.get("activities") or []):
        start_text, end_text = (a.get("start") or "").strip(), (a.get("end") or "").strip()
        start, end = _parse_day(start_text), _parse_day(end_text)
        if start_text and start is None:
            errors["activities-%d-start" % i] = _("Enter the start date as YYYY-MM-DD.")
        if end_text and end is None:
            errors["activities-%d-end" % i] = _("Enter the end date as YYYY-MM-DD.")
        if start and end and end < start:
            errors["activities-%d-end" % i] = _(
                "Activity %(number)d ends (%(end)s) before it starts (%(start)s).",
                number=i + 1, end=end.isoformat(), start=start.isoformat())
    return errors


def check_complete(content: dict, language: str) -> dict[str, str]:
    """What a plan needs before it is submitted."""
    labels = section_labels()
    errors = {}
    if language not in LANGUAGES:
        errors["language"] = _("Choose the language the plan is written in.")
    for section in REQUIRED_SECTIONS:
        if not (content.get(section) or "").strip():
            errors[section] = _("%(section)s: this section is required.",
                                section=labels[section])
    activities = [a for a in content.get("activities") or []
                  if any((a.get(f) or "").strip() for f in ACTIVITY_FIELDS)]
    if not activities:
        errors["activities-0-description"] = _("Add at least one activity.")
    for i, a in enumerate(content.get("activities") or []):
        if a not in activities:
            continue
        for field in ("description", "responsible", "start", "end", "indicator"):
            if not (a.get(field) or "").strip():
                errors.setdefault("activities-%d-%s" % (i, field), _(
                    "Activity %(number)d: %(field)s is required.",
                    number=i + 1, field=activity_labels()[field]))
    errors.update(check_activities(content))
    return errors


def _require_editable(plan: ActionPlan, edit_count) -> None:
    if plan.state not in EDITABLE:
        raise PlanError(_("This plan is under review or accepted: it cannot be changed now."))
    if edit_count is not None and str(edit_count) != str(plan.edit_count):
        raise PlanError(_("This plan was changed in another window or device since you opened "
                          "it. Your text is below: copy what you need, then reload the page."))


def save_draft(plan: ActionPlan, content: dict, language: str, edit_count=None) -> None:
    _require_editable(plan, edit_count)
    plan.content = _drop_empty_activities(content, keep_one=True)
    if language in LANGUAGES:
        plan.language = language
    plan.edit_count += 1
    plan.updated_at = utcnow()


def _drop_empty_activities(content: dict, keep_one: bool = False) -> dict:
    rows = [a for a in content.get("activities") or []
            if any((a.get(f) or "").strip() for f in ACTIVITY_FIELDS)]
    if not rows and keep_one:
        rows = [empty_activity()]
    return {**content, "activities": rows}


def submit(plan: ActionPlan, content: dict, language: str, user, edit_count=None,
           reason: str | None = None) -> PlanVersion:
    """Freeze the working copy as a new version: for review, or, when an alumnus revises an
    accepted plan (with a reason), as the new accepted version."""
    _require_editable(plan, edit_count)
    errors = check_complete(content, language)
    if plan.state == REVISING:
        reason = (reason if reason is not None else plan.revision_reason or "").strip()
        if not reason:
            errors["reason"] = _("Say why the plan changes.")
    if errors:
        raise Invalid(errors)
    save_draft(plan, content, language)
    plan.content = _drop_empty_activities(plan.content)
    number = (plan.latest_version.number if plan.latest_version else 0) + 1
    version = PlanVersion(plan=plan, number=number, content=plan.content, language=plan.language,
                          created_by_id=user.id, status=SUBMITTED)
    db.session.add(version)
    if plan.state == REVISING:
        version.reason = reason
        plan.revision_reason = None
        if plan.enrollment.is_alumnus:
            version.status, version.decided_at = ACCEPTED, utcnow()
            plan.state = ACCEPTED
            plan.search_text = _search_text(version.content)
            db.session.flush()
            return version
    plan.state = SUBMITTED
    db.session.flush()
    _notify_reviewers(plan, version)
    return version


def _notify_reviewers(plan: ActionPlan, version: PlanVersion) -> None:
    for instructor in plan.course.instructors:
        if instructor.active:
            send_mail(instructor.email, "action_plan_submitted", instructor.language,
                      plan=plan, version=version, author=plan.author, course=plan.course,
                      recipient=instructor, link=external_url("action_plans.view",
                                                              plan_id=plan.id))


def start_revision(plan: ActionPlan, reason: str) -> None:
    if plan.state != ACCEPTED:
        raise PlanError(_("Only an accepted plan can be revised."))
    reason = (reason or "").strip()[:MAX_TEXT]
    if not reason:
        raise Invalid({"reason": _("Say why the plan changes.")})
    plan.state, plan.revision_reason = REVISING, reason
    plan.edit_count += 1
    plan.updated_at = utcnow()


def cancel_revision(plan: ActionPlan) -> None:
    if plan.state != REVISING or plan.accepted_version is None:
        raise PlanError(_("There is no revision to discard."))
    plan.content = plan.accepted_version.content
    plan.state, plan.revision_reason = ACCEPTED, None
    plan.edit_count += 1


def set_sharing(plan: ActionPlan, shared: bool) -> None:
    plan.shared = bool(shared)


# -- review --------------------------------------------------------------------------------------
DECISIONS = ("comment", "return", "accept")


def review(plan: ActionPlan, user, comments: dict[str, str], decision: str) -> list[PlanComment]:
    """Comments section by section on the latest version, and perhaps a decision."""
    if decision not in DECISIONS:
        raise PlanError(_("Choose what to do with the plan."), 400)
    version = plan.latest_version
    if version is None:
        raise PlanError(_("The plan has not been submitted yet."))
    if decision != "comment" and plan.state != SUBMITTED:
        raise PlanError(_("The plan is no longer waiting for review: reload the page."))
    texts = {s: (comments.get(s) or "").strip()[:MAX_TEXT] for s in SECTIONS + ("general",)}
    if decision == "return" and not any(texts.values()):
        raise Invalid({"comment-general": _("Say what should change before returning the plan.")})
    if decision == "comment" and not any(texts.values()):
        raise Invalid({"comment-general": _("Write a comment first.")})
    added = [PlanComment(plan_id=plan.id, version=version, section=s, author_id=user.id, body=t)
             for s, t in texts.items() if t]
    db.session.add_all(added)
    plan.comments.extend(added)
    if decision in ("return", "accept"):
        version.status = RETURNED if decision == "return" else ACCEPTED
        version.decided_at, version.decided_by_id = utcnow(), user.id
        plan.state = RETURNED if decision == "return" else ACCEPTED
        if decision == "accept":
            plan.search_text = _search_text(version.content)
        plan.edit_count += 1
        author = plan.author
        send_mail(author.email, "action_plan_decision", author.language, plan=plan,
                  version=version, decision=decision, course=plan.course, author=author,
                  comments=added, link=external_url("action_plans.view", plan_id=plan.id))
    db.session.flush()
    return added


def comments_by_section(plan: ActionPlan) -> dict[str, list[PlanComment]]:
    grouped: dict[str, list[PlanComment]] = {}
    for c in plan.comments:
        grouped.setdefault(c.section, []).append(c)
    return grouped


def version_of(plan: ActionPlan, number: int) -> PlanVersion | None:
    return next((v for v in plan.versions if v.number == number), None)


def readable_versions(plan: ActionPlan, how: str) -> list[PlanVersion]:
    """Alumni reading a shared plan see accepted versions only."""
    if how == "shared":
        return [v for v in plan.versions if v.status == ACCEPTED]
    return list(plan.versions)


# -- labels --------------------------------------------------------------------------------------
def section_labels() -> dict[str, str]:
    return {"title": _("Title"), "problem": _("Problem and background"),
            "objectives": _("Objectives"), "target_group": _("Target group and stakeholders"),
            "activities": _("Activities"), "risks": _("Risks"),
            "support": _("Support wanted"), "general": _("The plan as a whole")}


def activity_labels() -> dict[str, str]:
    return {"description": _("Description"), "responsible": _("Responsible"),
            "start": _("Start"), "end": _("End"), "indicator": _("Indicator"),
            "target": _("Target"), "resources": _("Resources")}


def state_labels() -> dict[str, str]:
    return {DRAFT: _("Draft"), SUBMITTED: _("Submitted for review"),
            RETURNED: _("Returned for changes"), ACCEPTED: _("Accepted"),
            REVISING: _("Being revised")}


def waiting_for_review(user, limit: int = 50) -> list[ActionPlan]:
    """Submitted plans of the courses ``user`` reviews (as ``may_review`` decides), oldest
    first. Filtered in SQL and loaded with what the panel shows: the program holds thousands
    of plans, and the dashboard must not read them one by one."""
    query = (select(ActionPlan).join(Enrollment, ActionPlan.enrollment_id == Enrollment.id)
             .where(ActionPlan.state == SUBMITTED)
             .order_by(ActionPlan.updated_at, ActionPlan.id).limit(limit)
             .options(selectinload(ActionPlan.enrollment).selectinload(Enrollment.user),
                      selectinload(ActionPlan.enrollment).selectinload(Enrollment.course),
                      selectinload(ActionPlan.versions)))
    staff = {INSTRUCTOR: CourseInstructor, COORDINATOR: CourseCoordinator}.get(user.role)
    if staff is not None:
        query = query.where(exists().where(staff.course_id == Enrollment.course_id,
                                           staff.user_id == user.id))
    elif user.role != ADMIN:
        return []
    return list(db.session.scalars(query))
