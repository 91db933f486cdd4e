"""Admin tools on accounts: many at once (resend invitations, deactivate), and what a role
change leaves behind. Services flush; views commit (docs/ADMIN.md)."""
from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from .. import mail
from ..access import ADMIN, COORDINATOR, INSTRUCTOR, PARTICIPANT
from ..auth import services as accounts
from ..auth.models import User
from ..courses.models import Course, CourseCoordinator, CourseInstructor, Enrollment
from ..extensions import db

BULK_MAX = 200      # accounts one bulk action takes (a page of the list shows 50)
ACTIONS = ("resend", "deactivate")


@dataclass
class BulkResult:
    """Who was acted on, and how many were left out for which reason ("active": has a
    password already, "deactivated", "yourself")."""
    done: list[User] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)


def chosen_users(ids: list[int]) -> list[User]:
    """The accounts of ``ids`` that exist, in the list's order (name)."""
    ids = sorted(set(ids))[:BULK_MAX]
    if not ids:
        return []
    return list(db.session.execute(select(User).where(User.id.in_(ids))
                                   .order_by(User.name, User.id)).scalars())


def resend_invitations(users: list[User], by: User) -> BulkResult:
    """A new invitation to every chosen account that never set its password (each older link
    stops working); the mail leaves after the commit, outside the request. Audited per account
    (``user.invite``)."""
    result, key = BulkResult(), "resend-%s" % secrets.token_hex(8)
    with mail.batch(key):
        for user in users:
            if not user.active:
                result.skipped["deactivated"] += 1
            elif user.password_hash:
                result.skipped["active"] += 1
            else:
                accounts.invite(user, by=by)
                result.done.append(user)
    if result.done:
        mail.deliver_later(key)
    return result


def deactivate(users: list[User], by: User) -> BulkResult:
    """Deactivate every chosen account but the admin's own: signed out everywhere, unused
    links void. Audited per account (``user.deactivate``)."""
    result = BulkResult()
    for user in users:
        if user.id == by.id:
            result.skipped["yourself"] += 1
        elif not user.active:
            result.skipped["deactivated"] += 1
        else:
            accounts.set_active(user, False)
            result.done.append(user)
    return result


@dataclass
class LeftBehind:
    """What stays as it is when an account takes ``role``: the courses it is enrolled in as a
    participant, and ``(course, role named as)`` for those it is named staff of in a capacity
    the new role does not have (which then gives no access)."""
    role: str
    enrolled: list[Course] = field(default_factory=list)
    staff: list[tuple[Course, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.enrolled or self.staff)


def left_behind(user: User, role: str) -> LeftBehind:
    found = LeftBehind(role)
    if role == user.role:
        return found
    if role != PARTICIPANT:
        found.enrolled = list(db.session.execute(
            select(Course).join(Enrollment).where(Enrollment.user_id == user.id,
                                                  Enrollment.is_active)
            .order_by(Course.arrival.desc(), Course.code)).scalars())
    if role == ADMIN:   # admins manage every course: no listing is left without effect
        return found
    for named, table in ((INSTRUCTOR, CourseInstructor), (COORDINATOR, CourseCoordinator)):
        if named != role:
            found.staff += [(course, named) for course in db.session.execute(
                select(Course).join(table, table.course_id == Course.id)
                .where(table.user_id == user.id).order_by(Course.arrival.desc(), Course.code)
            ).scalars()]
    return found
