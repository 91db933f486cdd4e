"""The words of account refusals (``AccountRefused`` codes), in the reader's language."""
from __future__ import annotations

from ..domain_errors import Messages
from ..i18n import lazy_gettext as _l

MESSAGES = Messages({
    "exists": _l("An account with this e-mail address exists already."),
    "deactivated": _l("This address belongs to a deactivated account. An invitation cannot "
                      "bring it back; an administrator can reactivate it."),
    "higher_role": _l("This address belongs to an account with a higher role, which an "
                      "invitation cannot change. Ask an administrator."),
}, default=_l("This account cannot be changed this way."))
