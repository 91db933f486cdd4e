"""Refusal codes to messages in the reader's language (literal msgids, named placeholders)."""
from __future__ import annotations

from babel.units import format_unit
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _

_UNITS = ((1024 ** 3, "digital-gigabyte"), (1024 ** 2, "digital-megabyte"),
          (1024, "digital-kilobyte"))


def format_size(size: int) -> str:
    """``40 MB`` / ``40 Mo``: binary multiples, named as people know them."""
    for factor, unit in _UNITS:
        if size >= factor:
            value = size / factor
            return format_unit(value, unit, length="short", locale=get_locale(),
                               format="#,##0" if value >= 100 else "#,##0.#")
    return format_unit(size, "digital-byte", length="short", locale=get_locale())


def message(code: str, params: dict | None = None) -> str:
    """The message for refusal ``code``; unknown codes get a generic message."""
    p = dict(params or {})
    for name in ("size", "limit"):
        if isinstance(p.get(name), int) and code != "archive_too_many_entries":
            p[name] = format_size(p[name])
    if code == "empty":
        return _("The file is empty.")
    if code == "too_large":
        return _("The file is %(size)s; the limit here is %(limit)s.", **p)
    if code == "too_large_for_form":
        return _("Without JavaScript, files up to %(limit)s can be sent from this page. Turn "
                 "JavaScript on to send larger files.", **p)
    if code == "type_not_allowed" and not p.get("extension"):
        return _("Files without an extension are not accepted here. Accepted types: "
                 "%(allowed)s.", **p)
    if code == "type_not_allowed":
        return _("Files of this type (%(extension)s) are not accepted here. Accepted types: "
                 "%(allowed)s.", **p)
    if code == "type_unknown":
        return _("The content of this file is not one of the accepted types (%(allowed)s).", **p)
    if code == "extension_mismatch":
        return _("The content of this file (%(detected)s) does not match its name "
                 "(%(extension)s). Rename it or choose the right file.", **p)
    if code == "archive_invalid":
        return _("This archive is damaged and cannot be read.")
    if code == "archive_too_many_entries":
        return _("This archive holds %(entries)s files; the limit is %(limit)s.",
                 entries=format_decimal(p["entries"]), limit=format_decimal(p["limit"]))
    if code == "archive_too_large":
        return _("Unpacked, this archive would take %(size)s; the limit is %(limit)s.", **p)
    if code in ("purpose_unknown", "purpose_not_allowed"):
        return _("You may not upload files here.")
    if code == "size_mismatch":
        return _("The file received is not the size announced. Please send it again.")
    if code == "checksum_mismatch":
        return _("The file received differs from the file sent. Please send it again.")
    if code == "parts_missing":
        return _("Some parts of the file have not arrived yet. Send them, then finish again.")
    if code == "part_invalid":
        return _("This part of the file does not have the expected size or number.")
    if code == "upload_closed":
        return _("This upload is finished or was cancelled. Start again to send the file.")
    if code == "upload_busy":
        return _("This upload is being finished. Wait a moment, then check it again.")
    if code == "storage_unavailable":
        return _("File storage is not answering. What was sent is kept: try again in a few "
                 "minutes.")
    if code == "bad_request":
        return _("The upload request is incomplete or malformed.")
    if code == "no_file":
        return _("Choose a file to send.")
    return _("The file could not be accepted.")
