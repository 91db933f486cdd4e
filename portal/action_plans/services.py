"""Action plans: who may do what, drafts, submission, review, versions and sharing.

Services take explicit arguments, hold the rules and only flush; the view commits.
"""
from __future__ import annotations

import secrets
from datetime import date
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import contains_eager

from .. import audit, domain_errors
from ..access import PARTICIPANT, STAFF
from ..auth.services import external_url
from ..courses.models import Course, Enrollment
from ..db_types import utcnow
from ..domain_errors import DomainError
from ..extensions import db
from ..i18n import LANGUAGES, gettext as _
from ..mail import send_mail
from .models import (
    ACCEPTED,
    ACTIVITY_FIELDS,
    DRAFT,
    EDITABLE,
    RETURNED,
    REVISING,
    SECTIONS,
    SUBMITTED,
    TEXT_SECTIONS,
    ActionPlan,
    PlanComment,
    PlanVersion,
)

MAX_TEXT = 20_000  # characters per section: plenty for a plan, bounded for the database
REQUIRED_SECTIONS = ("title", "problem", "objectives", "target_group")


class PlanError(DomainError):
    """A refused action: ``code`` (messages.py) and the HTTP ``status`` (409 unless said)."""

    messages, status = "portal.action_plans.messages", 409


class Invalid(domain_errors.Invalid):
    """Input that cannot be taken: ``fields`` maps field names to ``(code, params)``."""

    messages = "portal.action_plans.messages"


# -- who may do what -----------------------------------------------------------------------------
def is_author(user, plan: ActionPlan) -> bool:
    return user.is_authenticated and plan.enrollment.user_id == user.id


def is_alumnus(user) -> bool:
    if not user.is_authenticated or user.role != PARTICIPANT:
        return False
    return db.session.scalar(select(Enrollment.id).where(
        Enrollment.user_id == user.id, Enrollment.is_alumnus).limit(1)) is not None


def may_browse_shared(user) -> bool:
    """Alumni and staff browse the plans that authors shared (the practice collection)."""
    return user.is_authenticated and (user.role in STAFF or is_alumnus(user))


def may_read_shared(user, plan: ActionPlan) -> bool:
    """Other alumni (and any staff) read the accepted version of a plan its author shared."""
    return plan.shared and plan.accepted_version is not None and may_browse_shared(user)


def plan_for_author(user, plan_id: int) -> ActionPlan | None:
    plan = db.session.get(ActionPlan, plan_id)
    return plan if plan is not None and is_author(user, plan) else None


def plan_for_reviewer(user, plan_id: int) -> ActionPlan | None:
    plan = db.session.get(ActionPlan, plan_id)
    return plan if plan is not None and plan.course.is_staff(user) else None


def plan_for_reader(user, plan_id: int) -> tuple[ActionPlan | None, str]:
    """The plan and how ``user`` may read it: "author", "reviewer", "shared" (else None)."""
    plan = db.session.get(ActionPlan, plan_id)
    if plan is None:
        return None, ""
    if is_author(user, plan):
        return plan, "author"
    if plan.course.is_staff(user):  # the course's staff review, comment and decide
        return plan, "reviewer"
    if may_read_shared(user, plan):
        return plan, "shared"
    return None, ""


def own_enrollment(user, enrollment_id: int) -> Enrollment | None:
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.user_id != user.id or not enrollment.is_participating:
        return None
    return enrollment


@cache
def _plans_query():
    """Built once: making a statement costs more than running it (the dashboard shows it)."""
    return (select(Enrollment, ActionPlan).join(Enrollment.course)
            .outerjoin(ActionPlan, ActionPlan.enrollment_id == Enrollment.id)
            .where(Enrollment.user_id == bindparam("user_id"), Enrollment.is_active)
            .order_by(Course.arrival.desc(), Course.id).options(contains_eager(Enrollment.course)))


def plans_of(user) -> list[tuple[Enrollment, ActionPlan | None]]:
    """The user's enrollments (not withdrawn), newest arrival first, with their courses and
    plans: one query."""
    return [(e, plan) for e, plan in db.session.execute(_plans_query(), {"user_id": user.id})]


# -- the working copy ----------------------------------------------------------------------------
def empty_activity() -> dict:
    return {"key": secrets.token_hex(4), **dict.fromkeys(ACTIVITY_FIELDS, "")}


def empty_content() -> dict:
    return {**dict.fromkeys(TEXT_SECTIONS, ""), "activities": [empty_activity()]}


def start_plan(enrollment: Enrollment, language: str) -> ActionPlan:
    """The enrollment's plan, made (as an empty draft) if it has none yet."""
    plan = db.session.scalar(select(ActionPlan).where(ActionPlan.enrollment_id == enrollment.id))
    if plan is None:
        plan = ActionPlan(enrollment=enrollment, state=DRAFT, content=empty_content(),
                          language=language if language in LANGUAGES else "en")
        db.session.add(plan)
        db.session.flush()
    return plan


def search_text_of(content: dict) -> str:
    """The words the practice search matches in a plan (its text sections and activities)."""
    parts = [content.get(s) or "" for s in TEXT_SECTIONS]
    parts += [a.get("description") or "" for a in content.get("activities") or []]
    return " ".join(parts).lower()[:50_000]


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        return None


Problems = dict[str, tuple[str, dict]]  # field name -> (code, params), see messages.py
REQUIRED_ACTIVITY_FIELDS = ("description", "responsible", "start", "end", "indicator")


def _date_problems(i: int, activity: dict) -> Problems:
    start_text = (activity.get("start") or "").strip()
    end_text = (activity.get("end") or "").strip()
    start, end = _parse_day(start_text), _parse_day(end_text)
    problems: Problems = {}
    if start_text and start is None:
        problems["activities-%d-start" % i] = ("start_invalid", {})
    if end_text and end is None:
        problems["activities-%d-end" % i] = ("end_invalid", {})
    if start and end and end < start:
        problems["activities-%d-end" % i] = ("ends_before_start", {
            "number": i + 1, "end": end.isoformat(), "start": start.isoformat()})
    return problems


def check_activities(content: dict) -> Problems:
    """Date problems, checked on every save (the draft is kept all the same)."""
    problems: Problems = {}
    for i, activity in enumerate(content.get("activities") or []):
        problems.update(_date_problems(i, activity))
    return problems


def _is_filled(activity: dict) -> bool:
    return any((activity.get(f) or "").strip() for f in ACTIVITY_FIELDS)


def _missing_in_activities(content: dict) -> Problems:
    rows = [(i, a) for i, a in enumerate(content.get("activities") or []) if _is_filled(a)]
    if not rows:
        return {"activities-0-description": ("activity_missing", {})}
    return {"activities-%d-%s" % (i, f): ("activity_field_required", {"number": i + 1,
                                                                     "field": f})
            for i, a in rows for f in REQUIRED_ACTIVITY_FIELDS if not (a.get(f) or "").strip()}


def check_complete(content: dict, language: str) -> Problems:
    """What a plan needs before it is submitted."""
    problems: Problems = {} if language in LANGUAGES else {"language": ("language_missing", {})}
    problems.update({s: ("section_required", {"section": s}) for s in REQUIRED_SECTIONS
                     if not (content.get(s) or "").strip()})
    problems.update(_missing_in_activities(content))
    problems.update(check_activities(content))
    return problems


def _require_editable(plan: ActionPlan, edit_count) -> None:
    if plan.state not in EDITABLE:
        raise PlanError("not_editable")
    if edit_count is not None and str(edit_count) != str(plan.edit_count):
        raise PlanError("stale")


def save_draft(plan: ActionPlan, content: dict, language: str, edit_count=None,
               reason: str | None = None) -> None:
    """Keep the working copy as typed; while revising, the reason typed so far too."""
    _require_editable(plan, edit_count)
    if plan.state == REVISING and (reason or "").strip():
        plan.revision_reason = reason.strip()[:MAX_TEXT]
    plan.content = _drop_empty_activities(content, keep_one=True)
    if language in LANGUAGES:
        plan.language = language
    plan.edit_count += 1
    plan.updated_at = utcnow()


def _drop_empty_activities(content: dict, keep_one: bool = False) -> dict:
    rows = [a for a in content.get("activities") or [] if _is_filled(a)]
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
            errors["reason"] = ("reason_missing", {})
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
            plan.search_text = search_text_of(version.content)
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
        raise PlanError("not_accepted")
    reason = (reason or "").strip()[:MAX_TEXT]
    if not reason:
        raise Invalid({"reason": ("reason_missing", {})})
    plan.state, plan.revision_reason = REVISING, reason
    plan.edit_count += 1
    plan.updated_at = utcnow()


def cancel_revision(plan: ActionPlan) -> None:
    if plan.state != REVISING or plan.accepted_version is None:
        raise PlanError("no_revision")
    plan.content = plan.accepted_version.content
    plan.state, plan.revision_reason = ACCEPTED, None
    plan.edit_count += 1


def set_sharing(plan: ActionPlan, shared: bool) -> None:
    plan.shared = bool(shared)


# -- review --------------------------------------------------------------------------------------
DECISIONS = ("comment", "return", "accept")


_NEEDS_COMMENT = {"return": "return_needs_comment", "comment": "comment_missing"}


def _require_reviewable(plan: ActionPlan, decision: str, commented: bool) -> None:
    if decision not in DECISIONS:
        raise PlanError("bad_decision", 400)
    if plan.latest_version is None:
        raise PlanError("not_submitted")
    if decision != "comment" and plan.state != SUBMITTED:
        raise PlanError("not_waiting")
    if decision in _NEEDS_COMMENT and not commented:
        raise Invalid({"comment-general": (_NEEDS_COMMENT[decision], {})})


def review(plan: ActionPlan, user, comments: dict[str, str], decision: str) -> list[PlanComment]:
    """Comments section by section on the latest version, and perhaps a decision."""
    texts = {s: (comments.get(s) or "").strip()[:MAX_TEXT] for s in SECTIONS + ("general",)}
    _require_reviewable(plan, decision, any(texts.values()))
    version = plan.latest_version
    added = [PlanComment(plan_id=plan.id, version=version, section=s, author_id=user.id, body=t)
             for s, t in texts.items() if t]
    db.session.add_all(added)
    plan.comments.extend(added)
    if decision in ("return", "accept"):
        version.status = RETURNED if decision == "return" else ACCEPTED
        version.decided_at, version.decided_by_id = utcnow(), user.id
        plan.state = RETURNED if decision == "return" else ACCEPTED
        if decision == "accept":
            plan.search_text = search_text_of(version.content)
        plan.edit_count += 1
        audit.record("plan.return" if decision == "return" else "plan.accept", plan,
                     actor=user, participant_id=plan.author.id, version=version.number)
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
