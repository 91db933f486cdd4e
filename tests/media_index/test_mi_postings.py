"""The fast postings reader agrees with Whoosh's own, across segments and deletions."""

from whoosh import index as whoosh_index

from media_index import layout
from media_index.indexer import Indexer, Upsert
from media_index.postings import term_ids


def doc(n, word):
    return {"id": f"m{n}", "visibility": "public", "title": {"en": f"{word} number {n}"},
            "transcripts": {"en": [(i * 31_000, i * 31_000 + 900, f"{word} talk {i}")
                                   for i in range(3)]}}


def test_term_ids_match_all_ids_with_segments_and_deletions(tmp_path, monkeypatch):
    from media_index import indexer as indexer_module
    monkeypatch.setattr(indexer_module, "SMALL_SEGMENT_DOCS", 0)  # keep every segment
    indexer = Indexer(tmp_path)
    indexer.apply([Upsert(doc(n, "harbour")) for n in range(300)])  # several posting blocks
    indexer.apply([Upsert(doc(n, "harbour")) for n in range(300, 320)])
    indexer.apply([Upsert(doc(n, "canal")) for n in range(0, 300, 7)])  # deletes and re-adds
    ix = whoosh_index.open_dir(str(layout.current(tmp_path)))
    with ix.searcher() as searcher:
        reader = searcher.reader()
        assert len(list(reader.leaf_readers())) > 1
        for field, term in [("title_en", "harbour"), ("window_en", "harbour"),
                            ("title_en", "canal"), ("doc_type", "window"), ("title_en", "none")]:
            try:
                expected = sorted(reader.postings(field, term).all_ids())
            except Exception:
                expected = []
            assert term_ids(reader, field, term) == expected, (field, term)
        assert len(term_ids(reader, "title_en", "harbour")) == 320 - 43


def test_fast_decoding_is_the_same_running_sum():
    from array import array

    from whoosh.codec import whoosh3
    from whoosh.util.numlists import delta_decode

    from media_index.postings import install_fast_decoding

    install_fast_decoding()
    deltas = array("I", [5, 1, 0, 7, 300, 2 ** 20])
    assert tuple(whoosh3.delta_decode(deltas)) == tuple(delta_decode(deltas))


def test_leaf_ids_among_reads_only_the_blocks_it_needs_and_agrees(tmp_path, monkeypatch):
    """Picking given documents out of a term's postings by the blocks' directory finds exactly
    those holding the term, in each segment, deleted documents never among the answers."""
    import random

    from media_index import indexer as indexer_module
    from media_index.postings import leaf_ids_among, leaf_term_ids, posting_blocks

    monkeypatch.setattr(indexer_module, "SMALL_SEGMENT_DOCS", 0)
    indexer = Indexer(tmp_path)
    indexer.apply([Upsert(doc(n, "harbour" if n % 3 else "canal")) for n in range(400)])
    indexer.apply([Upsert(doc(n, "canal")) for n in range(0, 400, 5)])  # deletes and re-adds
    ix = whoosh_index.open_dir(str(layout.current(tmp_path)))
    rng = random.Random(4)
    with ix.searcher() as searcher:
        leaves = list(searcher.reader().leaf_readers())
        assert len(leaves) > 1
        blocks_seen = 0
        for leaf, _offset in leaves:
            live = [d for d in range(leaf.doc_count_all()) if not leaf.is_deleted(d)]
            for field, term in [("window_en", "harbour"), ("window_en", "canal"),
                                ("window_en", "talk"), ("title_en", "harbour"),
                                ("window_en", "absent")]:
                blocks = posting_blocks(leaf, field, term)
                blocks_seen = max(blocks_seen, len(blocks[0]))
                holding = set(leaf_term_ids(leaf, field, term))
                for size in (0, 1, 5, 40, len(live)):
                    wanted = sorted(rng.sample(live, min(size, len(live))))
                    expected = [d for d in wanted if d in holding]
                    assert leaf_ids_among(leaf, field, term, wanted, blocks) == expected
                    assert leaf_ids_among(leaf, field, term, wanted, None) == expected
        assert blocks_seen > 3  # the directory had several blocks to choose from


def test_posting_blocks_read_from_memory_are_those_whoosh_steps_through(tmp_path):
    """The block directory read straight from the postings in memory holds each block's last
    id and start exactly as Whoosh's own matcher finds them block after block."""
    from media_index.postings import posting_blocks

    indexer = Indexer(tmp_path)
    indexer.apply([Upsert(doc(n, "harbour" if n % 4 else "canal")) for n in range(500)])
    ix = whoosh_index.open_dir(str(layout.current(tmp_path)))
    with ix.searcher() as searcher:
        for leaf, _offset in searcher.reader().leaf_readers():
            for field, term in [("window_en", "harbour"), ("window_en", "canal"),
                                ("window_en", "talk"), ("title_en", "number"),
                                ("doc_type", "window")]:
                matcher = leaf.postings(field, term)
                matcher = getattr(matcher, "child", matcher)
                assert getattr(matcher._postfile, "_buf", None) is not None  # the fast path
                expected = ([], [])
                position = matcher._baseoffset
                while True:  # Whoosh's walk, block by block
                    expected[0].append(matcher._maxid)
                    expected[1].append(position)
                    if matcher._lastblock:
                        break
                    position = matcher._nextoffset
                    matcher._goto(position)
                last_ids, positions = posting_blocks(leaf, field, term)
                assert (list(last_ids), list(positions)) == expected, (field, term)
                assert len(expected[0]) > 1 or term == "number"
