"""Evaluation results as CSV: one row per question with its distribution and average, then
the free-text answers the reader may see."""
from __future__ import annotations

import csv
import io
import re

from flask import Response
from flask_babel import gettext as _

from ..courses.exports import safe_cell
from ..i18n import localize
from .models import RATING, SCALE
from .services import Results


def results_csv(course, results: Results) -> Response:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([_("Question"), _("Kind"), _("Answers"), _("Average")]
                    + [str(s) for s in SCALE])
    for r in results.questions:
        if r.question.kind == RATING:
            average = "%.2f" % r.average if r.average is not None else ""
            counts = [r.distribution.get(s, 0) for s in SCALE]
        else:
            average, counts = "", [""] * len(SCALE)
        writer.writerow([safe_cell(localize(r.question.text).text), r.question.kind, r.count,
                         average] + counts)
    if any(r.texts for r in results.questions):
        writer.writerow([])
        writer.writerow([_("Question"), _("Answer"), _("Signed by")])
        for r in results.questions:
            for text, signer in r.texts:
                writer.writerow([safe_cell(v) for v in (localize(r.question.text).text, text,
                                                        signer or "")])
    name = re.sub(r"[^A-Za-z0-9._-]", "_", course.code) + "-evaluation.csv"
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="%s"' % name,
        "X-Content-Type-Options": "nosniff"})
