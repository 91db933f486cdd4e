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
# How far a typed word is from a vocabulary word: optimal string alignment (a swap counts as
# one edit); with ``score_cutoff=n``, anything farther is n + 1.
DISTANCE = OSA.distance


class Speller:
    """Suggestions for one index state.

    The vocabulary is read segment by segment and each segment's part is handed on to the
    speller of the next index state (``previous``): after a sync's commit only the new
    segment's words are read (reading 80,000 words takes ~100 ms; bench/spelling.py).
    Frequencies come from this state's reader.
    """

    def __init__(self, reader, previous: Speller | None = None):
        self._reader = reader
        known = previous._parts if previous is not None else {}
        # segment id -> first letter -> (folded words, words): parallel lists for RapidFuzz
        self._parts: dict[str, dict[str, tuple[list[str], list[str]]]] = {}
        if FIELD in reader.schema:
            for leaf, _offset in reader.leaf_readers():
                segment = leaf.segment() if hasattr(leaf, "segment") else None
                if segment is not None:  # (an index never written to has none)
                    key = segment.segment_id()
                    self._parts[key] = known.get(key) or _vocabulary(leaf)

    def size(self) -> int:
        """Words in the vocabulary (counted once per segment holding them)."""
        return sum(len(words) for part in self._parts.values() for _, words in part.values())

    def suggest(self, word: str, limit: int = 5, maxdist: int = 2) -> list[str]:
        """Vocabulary words within ``maxdist`` edits (accents ignored), closest
        and most frequent first; the first letter is assumed right."""
        plain = fold(word.lower())
        found: dict[str, int] = {}
        for part in self._parts.values():
            folded, words = part.get(plain[:1], ((), ()))
            for candidate_plain, distance, number in process.extract(
                    plain, folded, scorer=DISTANCE, score_cutoff=maxdist, limit=None):
                if candidate_plain != plain and abs(len(candidate_plain) - len(plain)) <= maxdist:
                    found[words[number]] = distance
        ranked = sorted((distance, -self._reader.doc_frequency(FIELD, candidate), candidate)
                        for candidate, distance in found.items())
        return [candidate for *_, candidate in ranked[:limit]]


def _vocabulary(leaf) -> dict[str, tuple[list[str], list[str]]]:
    words: dict[str, tuple[list[str], list[str]]] = {}
    for term in leaf.lexicon(FIELD):
        word = term.decode("utf-8")
        if len(word) < 2 or word.isdigit():
            continue
        plain = word if word.isascii() else fold(word)
        folded, originals = words.setdefault(plain[:1], ([], []))
        folded.append(plain)
        originals.append(word)
    return words
