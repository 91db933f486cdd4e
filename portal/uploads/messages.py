"""Refusal codes to messages in the reader's language (literal msgids, named placeholders)."""
from __future__ import annotations

from ..domain_errors import Messages
from ..i18n import format_size, gettext as _, lazy_gettext as _l


def _prepare(code: str, params: dict) -> dict:
    """Sizes as people read them (an archive's counts are numbers: ``Messages`` writes them)."""
    if code == "archive_too_many_entries":
        return params
    return {k: format_size(v) if k in ("size", "limit") and isinstance(v, int) else v
            for k, v in params.items()}


def _type_not_allowed(p: dict) -> str:
    if not p.get("extension"):
        return _("Files without an extension are not accepted here. Accepted types: "
                 "%(allowed)s.")
    return _("Files of this type (%(extension)s) are not accepted here. Accepted types: "
             "%(allowed)s.")


MESSAGES = Messages({
    "empty": _l("The file is empty."),
    "too_large": _l("The file is %(size)s; the limit here is %(limit)s."),
    "too_large_for_form": _l("Without JavaScript, files up to %(limit)s can be sent from this "
                             "page. Turn JavaScript on to send larger files."),
    "type_not_allowed": _type_not_allowed,
    "type_unknown": _l("The content of this file is not one of the accepted types "
                       "(%(allowed)s)."),
    "extension_mismatch": _l("The content of this file (%(detected)s) does not match its name "
                             "(%(extension)s). Rename it or choose the right file."),
    "archive_invalid": _l("This archive is damaged and cannot be read."),
    "archive_too_many_entries": _l("This archive holds %(entries)s files; the limit is "
                                   "%(limit)s."),
    "archive_too_large": _l("Unpacked, this archive would take %(size)s; the limit is "
                            "%(limit)s."),
    "purpose_unknown": _l("You may not upload files here."),
    "purpose_not_allowed": _l("You may not upload files here."),
    "size_mismatch": _l("The file received is not the size announced. Please send it again."),
    "checksum_mismatch": _l("The file received differs from the file sent. Please send it "
                            "again."),
    "parts_missing": _l("Some parts of the file have not arrived yet. Send them, then finish "
                        "again."),
    "part_invalid": _l("This part of the file does not have the expected size or number."),
    "upload_closed": _l("This upload is finished or was cancelled. Start again to send the "
                        "file."),
    "upload_busy": _l("This upload is being finished. Wait a moment, then check it again."),
    "storage_unavailable": _l("File storage is not answering. What was sent is kept: try again "
                              "in a few minutes."),
    "bad_request": _l("The upload request is incomplete or malformed."),
    "no_file": _l("Choose a file to send."),
}, default=_l("The file could not be accepted."), prepare=_prepare)


def message(code: str, params: dict | None = None) -> str:
    """The message for ``code`` (a refusal with no exception: ``no_file``, storage down)."""
    return MESSAGES(code, params)
