"""E-mails to participants, each in the recipient's language and time zone."""
from __future__ import annotations

from ..auth.services import external_url
from ..i18n import as_utc, format_time_left, interface_language, localize
from ..mail import send_mail
from .models import Extension, SubmissionVersion
from .timing import moments_for


def _title(assignment, lang: str) -> str:
    return localize(assignment.title, lang).text


def receipt(version: SubmissionVersion) -> None:
    submission = version.submission
    user, lang = submission.user, interface_language(submission.user.language)
    send_mail(user.email, "assignment_receipt", lang, user=user, version=version,
              title=_title(submission.assignment, lang),
              when=moments_for(version.submitted_at, user.timezone, lang),
              link=external_url("assignments.receipt", submission_id=submission.id,
                                number=version.number))


def reviewed(version: SubmissionVersion) -> None:
    submission = version.submission
    user, lang = submission.user, interface_language(submission.user.language)
    send_mail(user.email, "assignment_reviewed", lang, user=user, version=version,
              title=_title(submission.assignment, lang),
              link=external_url("assignments.work", assignment_id=submission.assignment_id))


def extension_answered(ext: Extension) -> None:
    user, lang = ext.user, interface_language(ext.user.language)
    due = moments_for(ext.due_at, user.timezone, lang) if ext.due_at else None
    cutoff = moments_for(ext.cutoff_at, user.timezone, lang) if ext.cutoff_at else None
    send_mail(user.email, "assignment_extension", lang, user=user, ext=ext, due=due,
              cutoff=cutoff, title=_title(ext.assignment, lang),
              link=external_url("assignments.work", assignment_id=ext.assignment_id))


def reminder(user, assignment, kind: str, due_at, now):
    """The reminder of ``kind`` into the outbox; the subject says the time really left."""
    lang = interface_language(user.language)
    return send_mail(user.email, "assignment_reminder", lang, user=user, kind=kind,
                     title=_title(assignment, lang),
                     due=moments_for(due_at, user.timezone, lang),
                     left=format_time_left(as_utc(due_at) - now, lang),
                     link=external_url("assignments.work", assignment_id=assignment.id))

