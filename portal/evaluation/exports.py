"""Evaluation results as CSV or XLSX: one row per question with its distribution and average,
then the free-text answers the reader may see (a second sheet; portal/exports.py writes it)."""
from __future__ import annotations

from flask import Response

from ..exports import Sheet, export
from ..i18n import gettext as _, localize
from .models import RATING, SCALE
from .services import Results


def results(course, results: Results, fmt: str) -> Response:
    header = [_("Question"), _("Kind"), _("Answers"), _("Average")] + [str(s) for s in SCALE]
    rows = []
    for r in results.questions:
        if r.question.kind == RATING:
            average = round(r.average, 2) if r.average is not None else None
            counts = [r.distribution.get(s, 0) for s in SCALE]
        else:
            average, counts = None, [None] * len(SCALE)
        rows.append([localize(r.question.text).text, r.question.kind, r.count, average]
                    + counts)
    sheets = [Sheet(_("Results"), header, rows)]
    texts = [[localize(r.question.text).text, text, signer or ""]
             for r in results.questions for text, signer in r.texts]
    if texts:
        sheets.append(Sheet(_("Written answers"), [_("Question"), _("Answer"), _("Signed by")],
                            texts))
    return export(sheets, course.code + "-evaluation", fmt)
