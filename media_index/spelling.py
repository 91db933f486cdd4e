"""Respelling suggestions from the vocabulary of titles, keywords, transcripts and documents.

The vocabulary is every word of the ``spell`` field: title words, keywords, and the distinct
words of each material's transcripts and document text, so a typo in a word heard only in a
talk ("zeolyte") is corrected too. Transcripts make it large (tens of thousands of words):
comparing a word with the vocabulary words of the same first letter in pure Python took about
40 ms at 80,000 words; RapidFuzz's C implementation of the same distance (optimal string
alignment: a swap counts as one edit) takes under a millisecond. Whoosh's corrector builds a
Levenshtein automaton in Python for every word, about 20 ms each.
"""

from __future__ import annotations

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .analysis import fold

FIELD = "spell"


class Speller:
    """Suggestions for one index state (the vocabulary is read once)."""

    def __init__(self, reader):
        self._reader = reader
        # first letter -> (folded words, words): parallel lists, the folded ones for RapidFuzz
        self._words: dict[str, tuple[list[str], list[str]]] = {}
        if FIELD in reader.schema:
            for term in reader.lexicon(FIELD):
                word = term.decode("utf-8")
                if len(word) < 2 or word.isdigit():
                    continue
                plain = fold(word)
                folded, words = self._words.setdefault(plain[:1], ([], []))
                folded.append(plain)
                words.append(word)

    def suggest(self, word: str, limit: int = 5, maxdist: int = 2) -> list[str]:
        """Vocabulary words within ``maxdist`` edits (accents ignored), closest
        and most frequent first; the first letter is assumed right."""
        plain = fold(word.lower())
        folded, words = self._words.get(plain[:1], ((), ()))
        found = []
        for candidate_plain, distance, number in process.extract(
                plain, folded, scorer=OSA.distance, score_cutoff=maxdist, limit=None):
            if candidate_plain == plain or abs(len(candidate_plain) - len(plain)) > maxdist:
                continue
            candidate = words[number]
            found.append((distance, -self._reader.doc_frequency(FIELD, candidate), candidate))
        return [candidate for *_, candidate in sorted(found)[:limit]]


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a swap counts as one edit); any
    value above ``limit`` is reported as ``limit + 1``."""
    return min(OSA.distance(a, b, score_cutoff=limit), limit + 1)
