"""The participants of a course as CSV, safe to open in a spreadsheet."""
from __future__ import annotations

import csv
import io
import re

from flask import Response
from flask_babel import gettext as _

from ..i18n import country_name
from .models import Course, Enrollment
from .vocabulary import ENROLLMENT_STATES

# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def participants_csv(course: Course, enrollments: list[Enrollment]) -> Response:
    out = io.StringIO()
    out.write("\ufeff")  # spreadsheets then read the file as UTF-8
    writer = csv.writer(out)
    writer.writerow([_("Name"), _("E-mail"), _("Country code"), _("Country"),
                     _("Organization"), _("Position"), _("Preferred language"), _("State"),
                     _("Enrolled on")])
    for e in enrollments:
        u = e.user
        writer.writerow([safe_cell(v) for v in (
            u.name, u.email, u.country or "", country_name(u.country), u.organization or "",
            u.position or "", u.language, ENROLLMENT_STATES[e.status], e.created_at.date())])
    name = re.sub(r"[^A-Za-z0-9._-]", "_", course.code) + "-participants.csv"
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="%s"' % name,
        "X-Content-Type-Options": "nosniff"})
