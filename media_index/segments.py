"""Reading per segment: which segments hold a term, column values, field lengths.

Whoosh's multi-segment reader asks every segment for every term and maps
column values to the wrong segment when one lacks the column; these helpers
work segment by segment and remember what they learnt for one index state.
"""

from __future__ import annotations

from bisect import bisect_right

from .postings import posting_blocks


class Lexicon:
    """Remembers which segments hold a term, for one index state.

    Whoosh answers ``(field, term) in reader`` by asking every segment; a
    query asks about the same few terms in a dozen fields, and the next
    queries often about the same terms again.
    """

    MAX_TERMS = 200_000
    MAX_BLOCKS = 500_000

    def __init__(self, reader):
        self.schema = reader.schema
        self.doc_count = reader.doc_count()
        self._leaves = list(reader.leaf_readers())
        self._offsets = [offset for _, offset in self._leaves]
        self._known: dict[tuple[str, str], tuple] = {}
        self._frequencies: dict[tuple[str, str], int] = {}
        # (segment, field, term) -> posting block directory; 16 bytes a block: 8 MB at most.
        self._blocks: dict[tuple[int, str, str], tuple | None] = {}
        self._block_count = 0

    def segment_of(self, docnum: int) -> int:
        """The number of the segment holding top-level document ``docnum``."""
        return bisect_right(self._offsets, docnum) - 1

    def segment(self, number: int) -> tuple:
        """(segment reader, offset of its first document)."""
        return self._leaves[number]

    def segments_with(self, fieldname: str, text: str) -> set[int]:
        """Numbers of the segments holding the term."""
        return {self._offsets.index(offset) for _, offset in self.leaves(fieldname, text)}

    def frequency(self, fieldname: str, text: str) -> int:
        """How many documents hold the term (deleted ones included)."""
        key = (fieldname, text)
        if key not in self._frequencies:
            self._frequencies[key] = sum(leaf.doc_frequency(fieldname, text)
                                         for leaf, _ in self.leaves(fieldname, text))
        return self._frequencies[key]

    def blocks(self, number: int, fieldname: str, text: str):
        """The term's `posting_blocks` in segment ``number`` (remembered within a budget)."""
        key = (number, fieldname, text)
        found = self._blocks.get(key, False)
        if found is False:
            found = posting_blocks(self._leaves[number][0], fieldname, text)
            size = 1 + (len(found[0]) if found is not None else 0)
            if self._block_count + size > self.MAX_BLOCKS:
                self._blocks.clear()
                self._block_count = 0
            self._blocks[key] = found
            self._block_count += size
        return found

    def leaves(self, fieldname: str, text: str) -> tuple:
        """The (segment reader, offset) pairs whose segment holds the term."""
        key = (fieldname, text)
        found = self._known.get(key)
        if found is None:
            found = ()
            if fieldname in self.schema:
                found = tuple(pair for pair in self._leaves if key in pair[0])
            if len(self._known) >= self.MAX_TERMS:
                self._known.clear()
                self._frequencies.clear()
            self._known[key] = found
        return found

    def __contains__(self, key: tuple[str, str]) -> bool:
        return bool(self.leaves(*key))


class Column:
    """Values of a sortable field by top-level document number.

    Whoosh's own multi-segment column reader skips segments lacking the
    column and then maps document numbers to the wrong segment; segment
    readers fill missing columns with the default value instead.
    """

    def __init__(self, reader, fieldname: str):
        leaves = list(reader.leaf_readers())
        self._offsets = [offset for _, offset in leaves]
        self._readers = [_column_reader(leaf, fieldname) for leaf, _ in leaves]

    def __getitem__(self, docnum: int):
        number = bisect_right(self._offsets, docnum) - 1
        reader = self._readers[number]
        return 0 if reader is None else reader[docnum - self._offsets[number]]


class FieldLengths(dict):
    """docnum -> length of one field; `load` reads and remembers a missing one."""

    def __init__(self, reader, fieldname: str):
        super().__init__()
        self._reader, self._fieldname = reader, fieldname

    def load(self, docnum: int) -> int:
        value = self[docnum] = self._reader.doc_field_length(docnum, self._fieldname, 0)
        return value


def _column_reader(leaf, fieldname: str):
    try:
        return leaf.column_reader(fieldname)
    except NotImplementedError:  # the empty reader of an index never written to has no docs
        return None
    except KeyError:  # an index built by an older schema
        return None
