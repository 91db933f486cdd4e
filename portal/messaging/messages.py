"""Messaging rule codes to messages in the reader's language."""
from __future__ import annotations

from ..domain_errors import Messages
from ..i18n import lazy_gettext as _l, ngettext


def _changed(params: dict) -> str:
    return ngettext("The recipients changed since the preview: it would now reach %(num)s "
                    "person. Check the preview, then send it.",
                    "The recipients changed since the preview: it would now reach %(num)s "
                    "people. Check the preview, then send it.", params["count"])


MESSAGES = Messages({
    "subject_missing": _l("Give the subject in at least one language."),
    "body_missing": _l("Write the message in at least one language."),
    "languages_differ": _l("Give the subject and the message in the same languages, so that "
                           "nobody gets one in their language and the other in another."),
    "states_missing": _l("Choose at least one enrollment state."),
    "bad_progress": _l("Choose a progress from the list."),
    "assignment_missing": _l("Choose the assignment the progress is about."),
    "bad_assignment": _l("Choose an assignment of this course."),
    "no_recipients": _l("Nobody matches these filters: nothing was sent."),
    "recipients_changed": _changed,
}, default=_l("The request could not be carried out."))
