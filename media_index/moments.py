"""Transcript moments: the best ~30 s windows of the materials on a results page.

Only the windows of the page's materials are looked at: their document
numbers come from the ``parent_lang`` postings, and each query term's postings
are intersected with them (by skipping through long postings lists, or by
reading short ones whole). A window scores by how many of the query's words
it holds, weighted by rarity, the reader's language counting more. Running a
scored Whoosh query over windows instead costs tens of milliseconds a page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .documents import parent_lang
from .highlight import highlight
from .postings import leaf_ids_among, leaf_term_ids
from .schema import NO_PAGE, text_field
from .transcripts import WINDOW_MS

PER_MATERIAL = 3
COVERAGE_WEIGHT = 10.0
READER_LANGUAGE_WEIGHT = 1.5


@dataclass(frozen=True)
class Moment:
    """A place in a transcript: where to start the player, and the words there; or a page
    of a document (``page`` from 1, ``start_ms`` 0)."""

    start_ms: int
    text: str
    lang: str
    page: int | None = None


def find_moments(view, plan, hits: list[tuple[str, int, set[str]]],
                 lang: str) -> dict[str, list[Moment]]:
    """Up to `PER_MATERIAL` moments per material, in time order.

    ``hits`` are (material id, document number, subtitle languages).
    """
    if not plan.windows or not hits:
        return {}
    candidates, parents = _candidates(view, plan, hits)
    scores = _scores(view.lexicon, plan.windows, candidates, lang)
    return _pick(view, plan, parents, scores)


def _candidates(view, plan, hits) -> tuple[dict[str, dict[int, list[int]]], dict[int, str]]:
    """The windows of the hits in each language the query asks in (window language ->
    segment number -> sorted segment-local document numbers), and each window's material."""
    parents: dict[int, str] = {}
    candidates: dict[str, dict[int, list[int]]] = {}
    for window_lang in {name.rsplit("_", 1)[1] for clause in plan.windows for name in clause}:
        by_segment = candidates[window_lang] = {}
        for material_id, docnum, languages in hits:
            if window_lang not in languages:
                continue
            for number, offset, local in _windows(view, material_id, docnum, window_lang):
                by_segment.setdefault(number, []).extend(local)
                parents.update(dict.fromkeys([offset + i for i in local], material_id))
        for docnums in by_segment.values():
            docnums.sort()
    return candidates, parents


def _windows(view, material_id: str, docnum: int, lang: str) -> list[tuple[int, int, list[int]]]:
    """A material's windows in one language: (segment number, its offset, sorted segment-local
    document numbers) per segment holding some. They are committed with the material, so its
    own segment is searched first."""
    lexicon = view.lexicon
    term = parent_lang(material_id, lang)
    number = lexicon.segment_of(docnum)
    leaf, offset = lexicon.segment(number)
    local = leaf_term_ids(leaf, "parent_lang", term)
    if local:
        return [(number, offset, local)]
    by_segment: dict[int, list[int]] = {}
    for window in sorted(view.term_docs("parent_lang", term)):
        number = lexicon.segment_of(window)
        by_segment.setdefault(number, []).append(window - lexicon.segment(number)[1])
    return [(number, lexicon.segment(number)[1], ids) for number, ids in by_segment.items()]


def _scores(lexicon, clauses, candidates: dict[str, dict[int, list[int]]],
            reader_lang: str) -> dict[int, float]:
    total = max(1, lexicon.doc_count)
    scores: dict[int, float] = {}
    for clause in clauses:
        best: dict[int, float] = {}
        for fieldname, terms in clause.items():
            window_lang = fieldname.rsplit("_", 1)[1]
            by_segment = candidates.get(window_lang)
            if not by_segment:
                continue
            weight = READER_LANGUAGE_WEIGHT if window_lang == reader_lang else 1.0
            for term in terms:
                rarity = math.log(1 + total / max(1, lexicon.frequency(fieldname, term)))
                value = weight * (COVERAGE_WEIGHT + rarity)
                for number in lexicon.segments_with(fieldname, term) & by_segment.keys():
                    leaf, offset = lexicon.segment(number)
                    blocks = lexicon.blocks(number, fieldname, term)
                    for local in leaf_ids_among(leaf, fieldname, term, by_segment[number],
                                                blocks):
                        if best.get(offset + local, 0.0) < value:
                            best[offset + local] = value
        for docnum, score in best.items():
            scores[docnum] = scores.get(docnum, 0.0) + score
    return scores


def _pick(view, plan, parents: dict[int, str], scores: dict[int, float]) -> dict[str, list[Moment]]:
    starts, pages = view.column("start_ms"), view.column("page")
    by_material: dict[str, list[tuple[float, int]]] = {}
    for docnum, score in scores.items():
        by_material.setdefault(parents[docnum], []).append((-score, docnum))
    chosen: dict[str, list[tuple[int, int, int]]] = {}
    for material_id, ranked in by_material.items():
        picks = chosen[material_id] = []
        # Best first; ties go to the lower document number: the earlier window of a transcript.
        for _, docnum in sorted(ranked):
            start, page = starts[docnum], pages[docnum]
            page = page if 0 < page < NO_PAGE else 0
            # The same passage in another language's subtitles is not another moment; each
            # page of a document is one.
            if all(p != page if page or p else abs(start - s) >= WINDOW_MS for s, p, _ in picks):
                picks.append((start, page, docnum))
                if len(picks) == PER_MATERIAL:
                    break
    return _moments(view, chosen, plan.terms)


def _moments(view, chosen: dict[str, list[tuple[int, int, int]]], terms
             ) -> dict[str, list[Moment]]:
    """The moments of the windows chosen for each material, in the material's order: by page,
    then by time."""
    return {material_id: sorted((_moment(view, docnum, terms) for *_, docnum in picks),
                                key=lambda m: (m.page or 0, m.start_ms))
            for material_id, picks in chosen.items()}


def _moment(view, docnum: int, terms) -> Moment:
    fields = view.searcher.stored_fields(docnum)
    name = text_field("window", fields["lang"])
    html, spans = highlight(fields["text"], view.schema[name].analyzer,
                            terms.get(name), max_chars=160, lang=fields["lang"])
    start = fields["start_ms"]
    if spans:
        # Start at the cue holding the first marked word, not the window start.
        start = max((ms for ms, offset in fields["cues"] if offset <= spans[0][0]), default=start)
    return Moment(start, html, fields["lang"], fields.get("page"))
