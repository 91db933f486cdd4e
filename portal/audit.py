"""The audit log of staff actions: who, what, on what, when and from where.

``record(...)`` is the one way in. It adds the entry to the caller's session, so the entry is
committed with the action it describes, or rolled back with it. The portal has no way to edit
or delete an entry (no route, no service): admins read, filter and export them at /admin/audit.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from .db_types import UTCDateTime, utcnow
from .extensions import db
from .i18n import lazy_gettext as _l

# action code -> what the log page shows. A code is stable: exports and filters use it.
ACTIONS = {
    "user.role": _l("Role changed"),
    "user.activate": _l("Account activated"),
    "user.deactivate": _l("Account deactivated"),
    "user.invite": _l("Invitation sent"),
    "user.two_step_reset": _l("Two-step sign-in reset"),
    "account.two_step_on": _l("Two-step sign-in turned on"),
    "account.two_step_off": _l("Two-step sign-in turned off"),
    "account.recovery_codes": _l("New recovery codes made"),
    "course.create": _l("Course created"),
    "course.update": _l("Course changed"),
    "course.staff_add": _l("Course staff added"),
    "course.staff_remove": _l("Course staff removed"),
    "course.import": _l("Nominees imported"),
    "course.rollover": _l("Course copied to another year"),
    "course.enrollment_states": _l("Participants' states changed"),
    "extension.grant": _l("Extension granted"),
    "extension.refuse": _l("Extension refused"),
    "assignment.create": _l("Assignment created"),
    "assignment.update": _l("Assignment changed"),
    "assignment.delete": _l("Assignment deleted"),
    "submission.return": _l("Submission returned"),
    "submission.accept": _l("Submission accepted"),
    "plan.return": _l("Action plan returned"),
    "plan.accept": _l("Action plan accepted"),
    "evaluation.question_remove": _l("Evaluation question removed"),
    "material.create": _l("Material added to the library"),
    "material.update": _l("Material changed"),
    "material.visibility": _l("Material visibility changed"),
    "material.subtitles_remove": _l("Subtitles removed"),
    "announcement.send": _l("Announcement sent"),
    "material.subtitles_correct": _l("Subtitles corrected"),
}
MAX_DETAIL = 200   # characters of one detail value; the log says what, not everything


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_actor_at", "actor_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The person, and their address at the time (kept if the account changes or goes).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_email: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(40), index=True)
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[int | None]
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))

    @property
    def label(self):
        return ACTIONS.get(self.action, self.action)


def _short(value):
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_short(v) for v in value[:20]]
    return str(value)[:MAX_DETAIL]


def record(action: str, target=None, *, target_type: str | None = None,
           target_id: int | None = None, actor=None, **details) -> AuditEntry:
    """Add an entry for ``action`` (a code of ``ACTIONS``) on ``target`` (a model instance, or
    ``target_type`` and ``target_id``), done by ``actor`` (default: the signed-in user; None
    from a command). It is flushed with the caller's unit of work, never committed here."""
    if action not in ACTIONS:
        raise ValueError("unknown audit action %r" % action)
    if target is not None:
        target_type = target_type or target.__tablename__
        target_id = target.id
    if actor is None:
        actor = _signed_in_user()
    entry = AuditEntry(action=action, target_type=target_type, target_id=target_id,
                       actor_id=actor.id if actor is not None else None,
                       actor_email=actor.email if actor is not None else None,
                       details={k: _short(v) for k, v in details.items()}, at=utcnow(),
                       **_origin())
    db.session.add(entry)
    return entry


def _signed_in_user():
    """Who is signed in to the request being answered; None outside a request (a command)."""
    if has_request_context() and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def _origin() -> dict:
    """Where the request came from (address, browser), cut to the columns' sizes; nothing
    outside a request."""
    if not has_request_context():
        return {}
    return {"ip": (request.remote_addr or "")[:45] or None,
            "user_agent": (request.user_agent.string or "")[:300] or None}


def search(person: str = "", action: str | None = None, start: date | None = None,
           end: date | None = None):
    """Entries, newest first: by whom (part of the e-mail address, or an account number),
    which action, from ``start`` to ``end`` (UTC days, both included)."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    person = (person or "").strip()
    if person.isdigit():
        query = query.where(AuditEntry.actor_id == int(person))
    elif person:
        query = query.where(AuditEntry.actor_email.icontains(person, autoescape=True))
    if action:
        query = query.where(AuditEntry.action == action)
    if start:
        query = query.where(AuditEntry.at >= datetime.combine(start, time.min, UTC))
    if end:
        query = query.where(AuditEntry.at < datetime.combine(end + timedelta(days=1), time.min,
                                                             UTC))
    return query
