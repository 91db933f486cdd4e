"""Evaluation rule codes to messages in the reader's language."""
from __future__ import annotations

from ..domain_errors import Messages
from ..i18n import lazy_gettext as _l

MESSAGES = Messages({
    "already_answered": _l("You have answered. Thank you."),
    "questions_locked": _l("Participants have answered: the questions can no longer change."),
}, default=_l("The request could not be carried out."))
