"""Reading a term's postings fast.

Whoosh's ``Matcher.all_ids()`` steps through postings one Python call at a
time (a few microseconds each). Whoosh 3-codec leaf matchers decode a whole
block of ids (and of weights) at once; reading those blocks directly is
about fifty times faster. This relies on private attributes of
``W3LeafMatcher``, so any other matcher falls back to stepping (and the tests
compare both).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from itertools import accumulate
from pickle import loads
from struct import Struct

from whoosh.codec import whoosh3
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

_BLOCK_API = ("_read_ids", "_read_weights", "_ids", "_weights", "_i", "_next_block")
_INT = Struct("!i")  # a block's length, as Whoosh writes it (whoosh.system)
_DIRECTORY_API = ("_read_ids", "_ids", "_goto", "_maxid", "_baseoffset", "_nextoffset",
                  "_lastblock", "_postfile")


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
    return _leaf_postings(leaf, fieldname, text, False)[0]


def posting_blocks(leaf, fieldname: str, text: str):
    """``(last_ids, positions)``: the last (segment-local) document number of each of the
    term's posting blocks in the segment ``leaf``, and where the block starts; None when the
    postings are not in blocks this module reads. Read once, it lets `leaf_ids_among` go
    straight to the blocks it needs instead of walking every block's header."""
    matcher = _raw_matcher(leaf, fieldname, text)
    if matcher is None:
        return array("q"), array("q")
    if not all(hasattr(matcher, name) for name in _DIRECTORY_API):
        return None
    buffer = getattr(matcher._postfile, "_buf", None)
    if buffer is not None:
        return _read_headers(buffer, matcher._baseoffset)
    last_ids, positions = array("q"), array("q")
    position = matcher._baseoffset
    while True:
        last_ids.append(matcher._maxid)
        positions.append(position)
        if matcher._lastblock:
            return last_ids, positions
        position = matcher._nextoffset
        matcher._goto(position)


def _read_headers(buffer, position: int):
    """`posting_blocks` read straight from a postings file held in memory (Whoosh's
    ``BufferFile``): each block is its signed length (negative for the last block), the
    pickled tuple of its statistics (the count, then the last id...) and its data, which is
    left unread. What ``W3LeafMatcher._goto`` reads, without a file object's calls."""
    last_ids, positions = array("q"), array("q")
    view = memoryview(buffer)
    while True:
        length = _INT.unpack_from(view, position)[0]
        size = -length if length < 0 else length
        start = position + _INT.size
        last_ids.append(loads(view[start:start + size])[1])  # bytes past the pickle ignored
        positions.append(position)
        if length < 0:
            return last_ids, positions
        position = start + size


def leaf_ids_among(leaf, fieldname: str, text: str, docnums: list[int], blocks) -> list[int]:
    """Those of the sorted, live, segment-local ``docnums`` whose field holds the term, in
    order. ``blocks`` is the term's `posting_blocks` in ``leaf``: only the blocks whose range
    may hold one of ``docnums`` are read."""
    if not docnums or (blocks is not None and not blocks[0]):
        return []
    matcher = _raw_matcher(leaf, fieldname, text)
    if matcher is None:
        return []
    if blocks is None:
        wanted = set(_read(matcher, False)[0])
        return [d for d in docnums if d in wanted]
    return _among_blocks(matcher, docnums, blocks)


def _among_blocks(matcher, docnums: list[int], blocks) -> list[int]:
    """`leaf_ids_among` through the term's block directory: each block read is one whose
    range holds the next of ``docnums`` still to look for."""
    last_ids, positions = blocks
    found: list[int] = []
    first, count, block, blocks_count = 0, len(docnums), 0, len(last_ids)
    while first < count:
        block = bisect_left(last_ids, docnums[first], block)
        if block == blocks_count:
            break
        end = bisect_right(docnums, last_ids[block], first)
        matcher._goto(positions[block])
        matcher._read_ids()
        ids = set(matcher._ids)
        found.extend(d for d in docnums[first:end] if d in ids)
        first = end
    return found


def _raw_matcher(leaf, fieldname: str, text: str):
    """The term's matcher in ``leaf`` without Whoosh's deletion filter (callers leave deleted
    documents out themselves), or None when the segment lacks the term."""
    try:
        matcher = leaf.postings(fieldname, text)
    except TermNotFound:
        return None
    return matcher.child if isinstance(matcher, FilterMatcher) else matcher


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
    matcher = _raw_matcher(leaf, fieldname, text)  # deletions are applied below, in bulk
    if matcher is None:
        return [], []
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
