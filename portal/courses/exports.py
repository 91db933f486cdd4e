"""The participants of a course as CSV or XLSX (portal/exports.py writes the file)."""
from __future__ import annotations

from flask import Response

from ..exports import Sheet, export, safe_cell as safe_cell  # safe_cell: its former home
from ..i18n import country_name, gettext as _
from .models import Course, Enrollment
from .vocabulary import ENROLLMENT_STATES


def participants(course: Course, enrollments: list[Enrollment], fmt: str) -> Response:
    header = [_("Name"), _("E-mail"), _("Country code"), _("Country"), _("Organization"),
              _("Position"), _("Preferred language"), _("State"), _("Enrolled on")]
    rows = [[e.user.name, e.user.email, e.user.country or "", country_name(e.user.country),
             e.user.organization or "", e.user.position or "", e.user.language,
             str(ENROLLMENT_STATES[e.status]), e.created_at.date()] for e in enrollments]
    return export([Sheet(_("Participants"), header, rows)], course.code + "-participants", fmt)
