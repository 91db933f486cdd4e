"""Cost of "did you mean" on a large vocabulary (media_index/spelling.py).

Suggestions draw on the distinct words of every transcript and document, so a real library's
vocabulary is far larger than bench/search.py's generated talks (whose sentences reuse a few
hundred words). This indexes materials whose transcripts hold N distinct pseudo-words (letters
drawn with English frequencies, 4 to 12 letters), then times, in CPU milliseconds:

- building the `Speller` (reading the vocabulary; once per index state and web worker);
- one word's suggestions with RapidFuzz (what the searcher runs), and with the pure-Python
  distance it replaced (`--python`), over the same candidates.

    .venv/bin/python bench/spelling.py [--words 80000] [--seed 7]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from whoosh import index as whoosh_index

from media_index import layout
from media_index.analysis import fold
from media_index.indexer import Indexer, Upsert
from media_index.spelling import Speller

LETTERS = "eeeeeeaaaaiiiooonnnrrrtttsssllcudmpgbfhvyqjkxzw"
TYPOS = ["eartqake", "zeolyte", "sanitaton", "recylage", "tsnami", "evacuaton", "irigation",
         "fisheriez", "goverance", "mangrov", "electrcity", "compost"]


def _python_distance(a: str, b: str, limit: int) -> int:
    """The optimal-string-alignment distance in pure Python (the version before RapidFuzz)."""
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


def _python_suggest(speller: Speller, word: str, maxdist: int = 2) -> list[str]:
    plain = fold(word)
    found = [(d, w) for part in speller._parts.values()
             for p, w in zip(*part.get(plain[:1], ((), ())), strict=True)
             if abs(len(p) - len(plain)) <= maxdist and p != plain
             and (d := _python_distance(plain, p, maxdist)) <= maxdist]
    return [w for _, w in sorted(found)[:5]]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=80_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--python", action="store_true", help="also time the pure-Python way")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    vocabulary = list(dict.fromkeys(
        "".join(rng.choice(LETTERS) for _ in range(rng.randint(4, 12)))
        for _ in range(args.words * 11 // 10)))[:args.words]
    with tempfile.TemporaryDirectory(prefix="bench-spelling-") as tmp:
        per = 1000
        materials = [{"id": "m%d" % n, "kind": "video", "visibility": "public",
                      "title": {"en": "Talk %d" % n},
                      "transcripts": {"en": [(0, 1000, " ".join(vocabulary[i:i + per]))]}}
                     for n, i in enumerate(range(0, len(vocabulary), per))]
        Indexer(Path(tmp)).apply([Upsert(m) for m in materials])
        ix = whoosh_index.open_dir(str(layout.current(Path(tmp))))
        with ix.searcher() as searcher:
            cpu = time.process_time()
            speller = Speller(searcher.reader())
            built = (time.process_time() - cpu) * 1000
            size = speller.size()
            print(f"vocabulary {size} words; Speller built in {built:.0f} ms CPU")
            ways = [("RapidFuzz", speller.suggest)]
            if args.python:
                ways.append(("pure Python", lambda w: _python_suggest(speller, w)))
            for label, suggest in ways:
                times = []
                for word in TYPOS:
                    cpu = time.process_time()
                    suggest(word)
                    times.append((time.process_time() - cpu) * 1000)
                print(f"{label}: one word's suggestions, CPU ms p50 {statistics.median(times):.2f}"
                      f", max {max(times):.2f}")


if __name__ == "__main__":
    main()
