"""The words of the admin tools' results, in the reader's language."""
from __future__ import annotations

from ..i18n import gettext as _, ngettext
from .services import BulkResult


def bulk_result_message(action: str, result: BulkResult) -> str:
    """One sentence per outcome: what was done, then each reason accounts were left out."""
    done, skipped = len(result.done), result.skipped
    said = []
    if action == "resend" and done:
        said.append(ngettext("Invitation sent again to %(num)s person: it leaves in a moment, "
                             "and the status page lists any mail that cannot be sent.",
                             "Invitations sent again to %(num)s people: they leave in a moment, "
                             "and the status page lists any mail that cannot be sent.", done))
    elif done:
        said.append(ngettext("%(num)s account deactivated and signed out everywhere.",
                             "%(num)s accounts deactivated and signed out everywhere.", done))
    if skipped["active"]:
        said.append(ngettext("%(num)s account left out: it has set its password already.",
                             "%(num)s accounts left out: they have set their password already.",
                             skipped["active"]))
    if skipped["deactivated"] and action == "resend":
        said.append(ngettext("%(num)s account left out: it is deactivated (reactivate it "
                             "first).",
                             "%(num)s accounts left out: they are deactivated (reactivate them "
                             "first).", skipped["deactivated"]))
    elif skipped["deactivated"]:
        said.append(ngettext("%(num)s account left out: already deactivated.",
                             "%(num)s accounts left out: already deactivated.",
                             skipped["deactivated"]))
    if skipped["yourself"]:
        said.append(_("Your own account was left out: you cannot deactivate it."))
    return " ".join(said) or _("No account was changed.")
