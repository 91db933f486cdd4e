"""Reading a term's postings fast.

Whoosh's ``Matcher.all_ids()`` steps through postings one Python call at a
time (a few microseconds each). Whoosh 3-codec leaf matchers decode a whole
block of ids (and of weights) at once; reading those blocks directly is
about fifty times faster. This relies on private attributes of
``W3LeafMatcher``, so any other matcher falls back to stepping (and the tests
compare both).
"""

from __future__ import annotations

from itertools import accumulate

from whoosh.codec import whoosh3
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

_BLOCK_API = ("_read_ids", "_read_weights", "_ids", "_weights", "_i", "_next_block")


def install_fast_decoding() -> None:
    """Decode delta-encoded posting ids in C rather than a Python generator.

    ``whoosh3`` decodes every block of ids with ``tuple(delta_decode(ids))``,
    a generator yielding running sums: exactly ``itertools.accumulate``, which
    is several times faster. Idempotent; affects reading only.
    """
    whoosh3.delta_decode = accumulate


def term_ids(reader, fieldname: str, text: str, leaves=None) -> list[int]:
    """Sorted live (not deleted) top-level document numbers holding the term."""
    return term_postings(reader, fieldname, text, weights=False, leaves=leaves)[0]


def leaf_term_ids(leaf, fieldname: str, text: str) -> list[int]:
    """Sorted live document numbers, local to the segment ``leaf``, holding the term."""
    return term_postings(None, fieldname, text, weights=False, leaves=[(leaf, 0)])[0] \
        if (fieldname, text) in leaf else []


def term_postings(reader, fieldname: str, text: str, weights: bool = True, leaves=None):
    """``(ids, weights)``: live document numbers holding the term, sorted, and
    the term's frequency in each (``weights`` empty unless asked for).
    ``leaves``: the (segment reader, offset) pairs known to hold the term."""
    all_ids: list[int] = []
    all_weights: list[float] = []
    if leaves is None:
        leaves = [(leaf, offset) for leaf, offset in reader.leaf_readers()
                  if (fieldname, text) in leaf]
    for leaf, offset in leaves:
        ids, found_weights = _leaf_postings(leaf, fieldname, text, weights)
        all_ids.extend(offset + i for i in ids) if offset else all_ids.extend(ids)
        all_weights.extend(found_weights)
    return all_ids, all_weights


def _leaf_postings(leaf, fieldname: str, text: str, weights: bool):
    """``(ids, weights)`` of the term in one segment, local to it, its deleted documents left
    out (in bulk, not by Whoosh's filter stepping through them)."""
    try:
        matcher = leaf.postings(fieldname, text)
    except TermNotFound:
        return [], []
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child  # deletions are applied below, in bulk
    ids, found_weights = _read(matcher, weights)
    deleted = leaf.deleted_docs_set if leaf.has_deletions() else None
    if deleted:
        kept = [n for n, i in enumerate(ids) if i not in deleted]
        ids = [ids[n] for n in kept]
        found_weights = [found_weights[n] for n in kept] if weights else found_weights
    return ids, found_weights


def _read(matcher, weights: bool):
    ids: list[int] = []
    found: list[float] = []
    if not all(hasattr(matcher, name) for name in _BLOCK_API):
        while matcher.is_active():
            ids.append(matcher.id())
            if weights:
                found.append(matcher.weight())
            matcher.next()
        return ids, found
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        ids.extend(matcher._ids[matcher._i:])
        if weights:
            if matcher._weights is None:
                matcher._read_weights()
            found.extend(matcher._weights[matcher._i:])
        matcher._next_block()
    return ids, found
