"""Respelling suggestions from the vocabulary of titles and keywords.

Whoosh's corrector builds a Levenshtein automaton in Python for every word,
about 20 ms each; comparing the word with the few vocabulary words of the
same first letter and similar length takes a few milliseconds.
"""

from __future__ import annotations

from .analysis import fold

FIELD = "spell"


class Speller:
    """Suggestions for one index state (the vocabulary is read once)."""

    def __init__(self, reader):
        self._reader = reader
        self._words: dict[str, list[tuple[str, str]]] = {}
        if FIELD in reader.schema:
            for term in reader.lexicon(FIELD):
                word = term.decode("utf-8")
                plain = fold(word)
                self._words.setdefault(plain[:1], []).append((plain, word))

    def suggest(self, word: str, limit: int = 5, maxdist: int = 2) -> list[str]:
        """Vocabulary words within ``maxdist`` edits (accents ignored), closest
        and most frequent first; the first letter is assumed right."""
        plain = fold(word.lower())
        found = []
        for candidate_plain, candidate in self._words.get(plain[:1], ()):
            if candidate_plain == plain or abs(len(candidate_plain) - len(plain)) > maxdist:
                continue
            distance = edit_distance(plain, candidate_plain, maxdist)
            if distance <= maxdist:
                frequency = self._reader.doc_frequency(FIELD, candidate)
                found.append((distance, -frequency, candidate))
        return [candidate for *_, candidate in sorted(found)[:limit]]


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a swap counts as one edit); any
    value above ``limit`` is reported as ``limit + 1``."""
    before, previous = None, list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                value = min(value, before[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)
