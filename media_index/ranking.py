"""Ranking the matched materials (BM25F over the query's terms).

Whoosh scores by walking a tree of union and intersection matchers one
document at a time, which at 5,000 materials with 20-minute transcripts costs
tens of milliseconds for common words. The set of matches is already known
(see `IndexView.docs`), so each query term's postings are read in blocks and
only matched documents are scored, with Whoosh's BM25F formula.
"""

from __future__ import annotations

import heapq
import math

K1 = 1.2
B = 0.75


def rank(view, leaves, matched: set[int], limit: int) -> list[tuple[int, float]]:
    """The ``limit`` best of ``matched`` as (docnum, score), best first.

    ``leaves`` are the query's (field, term, boost) triples; a document's
    score sums their BM25 scores. Ties go to the lower document number.
    """
    materials = max(1, len(view.facet_map()["_material"]))
    scores: dict[int, float] = {}
    for fieldname, text, boost in leaves:
        ids, weights = view.postings(fieldname, text)
        if not ids:
            continue
        idf = math.log(materials / (len(ids) + 1)) + 1
        average = view.average_length(fieldname, materials)
        lengths = view.lengths(fieldname)
        factor, constant, slope = boost * idf * (K1 + 1), K1 * (1 - B), K1 * B / average
        get = scores.get
        for docnum, frequency in zip(ids, weights, strict=True):
            if docnum in matched:
                length = lengths.get(docnum)
                if length is None:
                    length = lengths.load(docnum)
                scores[docnum] = get(docnum, 0.0) + factor * frequency / (
                    frequency + constant + slope * length)
    return heapq.nlargest(limit, scores.items(), key=lambda item: (item[1], -item[0]))
