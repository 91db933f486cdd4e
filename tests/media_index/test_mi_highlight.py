"""Highlighting: the words marked (whole words the analyzer turns into a query term) and the
fragment shown around them (the span with the most others within reach)."""

import random

from media_index.highlight import _fragment, highlight
from media_index.view import SCHEMA


def reference_fragment(text, spans, max_chars):
    """The fragment as first written: every span's reach counted against every other span."""
    if len(text) <= max_chars:
        return 0, len(text)
    start = 0
    if spans:
        def reach(span):
            return sum(1 for o in spans if span[0] <= o[0] and o[1] <= span[0] + max_chars)

        best = max(spans, key=reach)
        start = max(0, best[0] - 40)
        if start > 0:
            space = text.find(" ", start, best[0])
            start = space + 1 if space != -1 else start
    end = min(len(text), start + max_chars)
    if end < len(text):
        space = text.rfind(" ", start, end)
        if space > start:
            end = space
    return start, end


def test_fragment_is_the_one_with_the_most_spans_within_reach():
    rng = random.Random(8)
    for _ in range(3000):
        text = " ".join("w" * rng.randint(1, 12) for _ in range(rng.randint(1, 120)))
        spans, at = [], 0
        while True:  # sorted, disjoint spans, some longer than the fragment
            at += rng.randint(0, 60)
            end = at + rng.choice((1, 3, 8, 30, 200))
            if end > len(text) or rng.random() < 0.05:
                break
            spans.append((at, end))
            at = end + 1
        for max_chars in (20, 160, 220):
            assert _fragment(text, spans, max_chars) == reference_fragment(text, spans, max_chars)


def test_highlight_marks_the_words_of_the_fragment_with_most_matches():
    analyzer = SCHEMA["window_en"].analyzer
    text = ("Waste was mentioned once here. " + "Filler words without the term. " * 8
            + "Waste recycling and waste sorting: waste everywhere.")
    html, spans = highlight(text, analyzer, {"wast"}, max_chars=80, lang="en")
    assert len(spans) == 4
    assert html.startswith("\u2026") and html.count("<mark>") == 3


WORDS = {
    "en": ["Water", "waters", "WATERED", "underwater", "supply", "Supplies", "re-supply",
           "school", "schooling", "pre_school", "2019", "co-operation", "cooperative"],
    "fr": ["Éducation", "éducatif", "ÉCOLE", "écoles", "préécole", "déchets", "DÉCHET",
           "eau", "Eaux", "l'eau", "coopération", "œuvre", "naïve", "Maïs"],
    "es": ["Educación", "EDUCACIÓN", "niños", "Niño", "agua", "Aguas", "paraguas",
           "¿agua?", "pequeño", "señal", "río", "Ríos"],
}


def test_marked_words_are_those_the_analyzer_finds_and_only_whole_words():
    """In the stemmed languages only words starting like a term are analyzed (a shortcut):
    the words marked are exactly those the field's analyzer turns into a query term, in any
    case and with or without accents, and never a term found inside another word."""
    from media_index.analysis import analyze
    from media_index.highlight import mark_spans
    from media_index.schema import text_field
    rng = random.Random(5)
    for lang, words in WORDS.items():
        analyzer = SCHEMA[text_field("window", lang)].analyzer
        for _ in range(300):
            text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 25)))
            chosen = rng.sample(words, rng.randint(1, 3))
            terms = {term for word in chosen for _, term in analyze(analyzer, word)}
            expected = mark_spans(text, analyzer, terms)  # every token analyzed
            assert mark_spans(text, analyzer, terms, lang) == expected, (lang, text, terms)
    analyzer = SCHEMA[text_field("window", "en")].analyzer
    assert mark_spans("underwater water", analyzer, {"water"}, "en") == [(11, 16)]
