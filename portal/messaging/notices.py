"""Staff hear of new work in their courses: a version handed in (the first, or one after a
return) and an extension asked for reach the course's instructors and coordinators, each as
they chose: one mail per event, one digest a day (``flask send-staff-digest``), or nothing.

An event is recorded per person in the participant's own transaction (``StaffNotice``), so it
exists only if the hand-in does; its unique keys let it reach a person once, and the digest's
(one per person and day, in their time zone) keeps a second run of the day from mailing again.
The mail goes through the outbox, delivered after the commit, outside the participant's request.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select, union, update
from sqlalchemy.exc import IntegrityError

from .. import mail
from ..access import COORDINATOR, INSTRUCTOR
from ..assignments.models import Assignment, Extension, SubmissionVersion
from ..auth.models import User
from ..auth.services import external_url
from ..courses.models import Course, CourseCoordinator, CourseInstructor
from ..db_types import utcnow
from ..extensions import db
from ..i18n import interface_language, localize, moment_formatter, zone_of
from .models import Delivery, NoticePreference, StaffDigest, StaffEvent, StaffNotice

# Without a choice of their own: instructors review the work, so they hear of each piece at
# once; coordinators run several courses and get one mail a day. Admins are staff of every
# course but named on none: they are never notified.
DEFAULTS = {INSTRUCTOR: Delivery.IMMEDIATE, COORDINATOR: Delivery.DIGEST}
CHOOSERS = tuple(DEFAULTS)


def preference_of(user) -> str | None:
    """The user's choice, else their role's default; None for a role that is never told."""
    if user.role not in DEFAULTS:
        return None
    chosen = db.session.get(NoticePreference, user.id)
    return chosen.delivery if chosen is not None else DEFAULTS[user.role]


def set_preference(user, delivery: str) -> None:
    """Turning them off drops what waited for the next digest (it will not come)."""
    choice = Delivery(delivery)
    row = db.session.get(NoticePreference, user.id)
    if row is None:
        row = NoticePreference(user_id=user.id)
        db.session.add(row)
    row.delivery = choice
    if choice == Delivery.OFF:
        db.session.execute(delete(StaffNotice).where(
            StaffNotice.user_id == user.id, StaffNotice.delivery == Delivery.DIGEST,
            StaffNotice.digest_id.is_(None)))
    db.session.flush()


# -- events (called by the assignments services, in the participant's transaction) --------------
def work_handed_in(version: SubmissionVersion) -> None:
    """A version was handed in: the first one, or a resubmission after a return."""
    submission = version.submission
    event = StaffEvent.RESUBMISSION if version.number > 1 else StaffEvent.HAND_IN
    _record(submission.assignment, submission.user_id, event, late=version.late,
            version_id=version.id)


def extension_requested(ext: Extension) -> None:
    _record(ext.assignment, ext.user_id, StaffEvent.EXTENSION_REQUEST, extension_id=ext.id)


def _staff_query(course_id: int):
    named = union(
        select(CourseInstructor.user_id).where(CourseInstructor.course_id == course_id),
        select(CourseCoordinator.user_id).where(CourseCoordinator.course_id == course_id))
    return (select(User, NoticePreference.delivery)
            .outerjoin(NoticePreference, NoticePreference.user_id == User.id)
            .where(User.id.in_(named), User.active.is_(True), User.role.in_(CHOOSERS))
            .order_by(User.id))


def _record(assignment: Assignment, participant_id: int, event: str, late: bool = False,
            **target) -> None:
    """One notice per staff member who wants it; the immediate ones mailed (one query for
    the staff and their choices)."""
    key = "staff-notice-%s" % uuid.uuid4().hex
    mailed = False
    with mail.batch(key):
        for person, chosen in db.session.execute(_staff_query(assignment.course_id)):
            delivery = chosen or DEFAULTS[person.role]
            if delivery == Delivery.OFF:
                continue
            notice = StaffNotice(user_id=person.id, course_id=assignment.course_id,
                                 assignment_id=assignment.id, participant_id=participant_id,
                                 event=event, late=late, delivery=delivery, created_at=utcnow(),
                                 **target)
            try:
                with db.session.begin_nested():  # an event reaches a person once
                    db.session.add(notice)
                    db.session.flush()
                    if delivery == Delivery.IMMEDIATE:
                        notice.mail_id = _immediate(person, notice, assignment).id
                        db.session.flush()
                        mailed = True
            except IntegrityError:
                continue
    if mailed:
        mail.deliver_later(key)


def _link(notice: StaffNotice) -> str:
    if notice.event == StaffEvent.EXTENSION_REQUEST:
        return external_url("assignments.extensions_page", assignment_id=notice.assignment_id)
    return external_url("assignments.queue", course_id=notice.course_id,
                        assignment=notice.assignment_id)


def _account_link() -> str:
    return external_url("auth.account") + "#notifications"


def _immediate(person: User, notice: StaffNotice, assignment: Assignment):
    lang = interface_language(person.language)
    participant = db.session.get(User, notice.participant_id)
    return mail.send_mail(person.email, "staff_notice", lang, user=person, notice=notice,
                          participant=participant.name, course=assignment.course,
                          title=localize(assignment.title, lang).text, link=_link(notice),
                          account=_account_link())


# -- the daily digest ----------------------------------------------------------------------------
def _waiting():
    return (StaffNotice.delivery == Delivery.DIGEST, StaffNotice.digest_id.is_(None))


def send_digests(now: datetime | None = None) -> int:
    """One mail to each person with events waiting and no digest yet on their day (in their
    time zone); returns how many digests were queued. Safe to run twice at once, and as often
    as one likes: the unique key lets one digest a day through."""
    now = now or utcnow()
    people = db.session.scalars(select(User).where(
        User.id.in_(select(StaffNotice.user_id).where(*_waiting())), User.active.is_(True))
        .order_by(User.id)).all()
    return sum(_digest(person, now) for person in people)


def day_of(person: User, now: datetime):
    return now.astimezone(zone_of(person.timezone)).date()


def _digest(person: User, now: datetime) -> bool:
    rows = db.session.execute(
        select(StaffNotice, Assignment, Course.code, User.name)
        .join(Assignment, Assignment.id == StaffNotice.assignment_id)
        .join(Course, Course.id == StaffNotice.course_id)
        .join(User, User.id == StaffNotice.participant_id)
        .where(StaffNotice.user_id == person.id, *_waiting())
        .order_by(Course.code, StaffNotice.created_at, StaffNotice.id)).all()
    if not rows:
        return False
    lang = interface_language(person.language)
    when = moment_formatter(zone=person.timezone, lang=lang)
    items = [{"notice": n, "code": code, "participant": name, "when": when(n.created_at),
              "title": localize(a.title, lang).text, "link": _link(n)}
             for n, a, code, name in rows]
    try:
        with db.session.begin_nested():
            digest = StaffDigest(user_id=person.id, day=day_of(person, now), sent_at=now)
            db.session.add(digest)
            db.session.flush()
            digest.mail_id = mail.send_mail(person.email, "staff_digest", lang, user=person,
                                            items=items, account=_account_link()).id
            db.session.execute(update(StaffNotice).where(
                StaffNotice.id.in_([n.id for n, *_ in rows]), StaffNotice.digest_id.is_(None))
                .values(digest_id=digest.id).execution_options(synchronize_session=False))
    except IntegrityError:
        return False  # today's digest went already: these wait for tomorrow's
    return True
