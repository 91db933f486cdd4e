"""Who may see which assignment and submission. Anyone else's id is answered with 404."""
from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from ..access import PARTICIPANT
from ..courses.models import Course, Enrollment
from ..extensions import db
from .models import DRAFT, Assignment, Submission, SubmissionFile


def _holds_active_enrollment(user):
    """The rule, as SQL: an active enrollment held by ``user``, a participant (None for
    anyone else: staff do not work on assignments)."""
    if user.role != PARTICIPANT:
        return None
    return (Enrollment.user_id == user.id) & Enrollment.is_active


def enrollment(user, course_id: int) -> Enrollment | None:
    """The participant's active enrollment: its holder works on the course's assignments."""
    held = _holds_active_enrollment(user)
    if held is None:
        return None
    return db.session.scalar(select(Enrollment).where(Enrollment.course_id == course_id, held))


def course_for_staff(course_id: int, user) -> Course:
    course = db.session.get(Course, course_id)
    if course is None or not course.is_staff(user):
        abort(404)
    return course


def assignment_for_staff(assignment_id: int, user) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or not assignment.course.is_staff(user):
        abort(404)
    return assignment


def assignment_for_participant(assignment_id: int, user) -> Assignment:
    """The assignment, with its course, when ``user`` holds an active enrollment in that
    course (``enrollment``'s rule), in one query; else 404."""
    held = _holds_active_enrollment(user)
    if held is None:
        abort(404)
    assignment = db.session.scalar(
        select(Assignment).join(Assignment.course)
        .join(Enrollment, Enrollment.course_id == Assignment.course_id)
        .where(Assignment.id == assignment_id, held)
        .options(contains_eager(Assignment.course)))
    if assignment is None:
        abort(404)
    return assignment


def may_view_submission(user, submission: Submission) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return submission.user_id == user.id or submission.assignment.course.is_staff(user)


def submission_for_viewer(submission_id: int, user) -> Submission:
    submission = db.session.get(Submission, submission_id)
    if submission is None or not may_view_submission(user, submission):
        abort(404)
    return submission


def submission_for_staff(submission_id: int, user) -> Submission:
    submission = db.session.get(Submission, submission_id)
    if submission is None or not submission.assignment.course.is_staff(user):
        abort(404)
    return submission


def may_download(user, stored_file) -> bool:
    """For the upload layer: a stored file attached to a submission is readable by whoever may
    view that submission; a file not attached yet, by whoever uploaded it."""
    links = db.session.scalars(select(SubmissionFile).where(
        SubmissionFile.file_id == stored_file.id)).all()
    if not links:
        return getattr(user, "is_authenticated", False) and stored_file.uploader_id == user.id
    return any(may_read_file(user, link) for link in links)


def may_read_file(user, link: SubmissionFile) -> bool:
    """A submission's file, for whoever may view the submission; but a draft's files are its
    author's own until handed in (``/assignments/files/<link>`` and ``/files/<id>`` both ask)."""
    submission = link.version.submission
    if not may_view_submission(user, submission):
        return False
    return link.version.state != DRAFT or submission.user_id == user.id
