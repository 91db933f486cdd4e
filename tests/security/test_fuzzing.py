"""Issue 8.8, fuzzing with Hypothesis (what tests/storage and tests/media_index do not already):

- the content-type sniffer and the upload checks on arbitrary bytes and on markup disguised
  with BOMs, whitespace and case: nothing escapes but ``UploadRefused``, markup is always
  recognised as markup, and no dangerous type is ever accepted;
- the filename cleaner combined with the declared-upload check on names built from the
  characters attackers use: the name that passes has no path, no control or bidi character,
  and an accepted extension;
- the archive reader on mutated zip files: a count or ``UploadRefused``, nothing else;
- the search query builder with random text, reader permissions, filters, sorts and pages:
  no exception, no hit the reader may not see, and the slowest query measured and bounded;
- the nomination importer (CSV and XLSX) on random tables: no exception escapes, and every
  data row gets a verdict (ready or its problems).
"""
from __future__ import annotations

import io
import time
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from portal.uploads.checks import (
    DANGEROUS,
    EXTENSIONS,
    UNKNOWN,
    UploadPolicy,
    UploadRefused,
    check_archive,
    check_declared,
    check_upload,
    sniff,
)

# The last tests read what the fuzzing before them recorded (TIMES, JUDGED): under pytest-xdist
# the module runs whole, on one worker (tests/parallel.py).
pytestmark = pytest.mark.xdist_group("security-fuzzing")

FUZZ = settings(max_examples=300, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
DOC_TYPES = frozenset({"application/pdf", "text/plain", "text/csv", "image/png", "image/jpeg",
                       "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                       "application/zip"})
POLICY = UploadPolicy(DOC_TYPES, 10 * 1024 * 1024, max_archive_entries=50,
                      max_archive_unpacked=5 * 1024 * 1024)
SIGNATURES = [b"%PDF-1.7\n", b"GIF89a", b"\x89PNG\r\n\x1a\n", b"PK\x03\x04", b"\xff\xd8\xff",
              b"WEBVTT\n", b"{\\rtf1", b"<svg", b"<html", b"<?xml", b"", b"\xef\xbb\xbf",
              b"\xff\xfe", b"1\n00:00:01,000 --> 00:00:02,000\n"]
TAGS = ["<svg", "<html", "<script", "<iframe", "<!doctype html", "<body", "<?xml version='1.0'?>"
        "<svg"]


# ------------------------------------------------------------------ sniffer and checks

@FUZZ
@given(st.sampled_from(SIGNATURES), st.binary(max_size=9000), st.sampled_from(
    ["x.pdf", "x.txt", "x.csv", "x.png", "x.docx", "x.zip", "x.html", "x.svg", "x"]))
def test_sniff_and_check_upload_on_any_bytes(prefix, rest, name):
    head = prefix + rest
    detected = sniff(head)
    assert detected == UNKNOWN or detected in EXTENSIONS
    try:
        accepted = check_upload(name, head, max(len(head), 1), POLICY)
    except UploadRefused as refused:
        assert refused.code in ("empty", "type_not_allowed", "type_unknown",
                                "extension_mismatch")
        return
    assert accepted in POLICY.types and accepted not in DANGEROUS


@FUZZ
@given(st.sampled_from(["", "\ufeff"]), st.text(" \t\r\n", max_size=20),
       st.sampled_from(TAGS).flatmap(lambda t: st.builds(
           lambda flips: "".join(c.upper() if f else c for c, f in zip(t, flips, strict=True)),
           st.lists(st.booleans(), min_size=len(t), max_size=len(t)))),
       st.sampled_from([" ", ">", "\n", "\t"]), st.text(max_size=200))
def test_markup_is_always_recognised(bom, space, tag, after, rest):
    head = (bom + space + tag + after + rest).encode("utf-8")
    # markup, or (control characters in it) bytes of no known type: refused either way
    assert sniff(head) in DANGEROUS | {UNKNOWN}, head[:80]
    for name in ("notes.txt", "data.csv", "report.pdf"):
        with pytest.raises(UploadRefused):
            check_upload(name, head, len(head), POLICY)


NAME_PARTS = ["a", "report", ".", "..", "/", "\\", "\u202e", "\u202d", "\u2066", "\x00", "\n",
              " ", "pdf", "txt", "html", "svg", "exe", "CON", ":", "*", "\u00e9", "日本", "\ufeff",
              "\u200f", "%2e", "~", "\u3000"]


@FUZZ
@given(st.lists(st.sampled_from(NAME_PARTS), max_size=30).map("".join),
       st.integers(min_value=-5, max_value=20 * 1024 * 1024))
def test_names_that_pass_are_clean(name, size):
    try:
        clean = check_declared(name, size, POLICY)
    except UploadRefused as refused:
        assert refused.code in ("empty", "too_large", "type_not_allowed")
        return
    assert 0 < size <= POLICY.max_size
    assert not set(clean) & {"/", "\\", "\x00", "\n", "\u202e", "\u202d", "\u2066", "\u200f",
                             "\ufeff", ":", "*"}
    assert not clean.startswith((".", " ")) and clean.lower().endswith(
        tuple(POLICY.extensions))


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(3):
            archive.writestr("word/part%d.xml" % n, b"<w/>" * 50)
    return buffer.getvalue()


ZIP = _zip()


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(ZIP) - 1), st.integers(0, 255)), max_size=12),
       st.integers(0, len(ZIP)))
def test_archive_reader_on_mutated_zips(flips, cut):
    data = bytearray(ZIP)
    for at, value in flips:
        data[at] = value
    data = bytes(data[:cut]) if cut < 40 else bytes(data)
    try:
        count = check_archive(io.BytesIO(data), len(data), POLICY)
    except UploadRefused as refused:
        assert refused.code.startswith("archive_")
        return
    assert 0 <= count <= POLICY.max_archive_entries


# ------------------------------------------------------------------ search query builder

COURSES = ["C001", "C017", "C042"]


@pytest.fixture(scope="module")
def search_index(tmp_path_factory):
    """60 synthetic materials (bench/search.py's generator: transcripts in 2-3 languages,
    70 % public, 20 % registered, 10 % course), some given the test's course codes."""
    from bench.search import materials
    from media_index.indexer import Indexer, Upsert
    from media_index.searcher import Searcher

    corpus = list(materials(11, 60))
    for n, m in enumerate(corpus):
        if m["visibility"] == "course":
            m["courses"] = [COURSES[n % 3]]
    base = tmp_path_factory.mktemp("fuzz-index") / "index"
    Indexer(base).apply([Upsert(m) for m in corpus], last_outbox_id=1)
    with Searcher(base, refresh_interval=0) as searcher:
        yield searcher, {m["id"]: m for m in corpus}


def _may_see(material, allowed) -> bool:
    if allowed is None:
        return material["visibility"] == "public"
    if allowed.get("everything"):
        return True
    v = material["visibility"]
    return ((v == "public" and allowed.get("public", True))
            or (v == "registered" and allowed.get("registered"))
            or (v == "course" and bool(set(material["courses"]) &
                                       set(allowed.get("courses") or ()))))


WORDS = ["water", "waste", "gestion", "déchets", "agua", "riesgo", "防災", "visibility:course",
         "courses:C001", "*", "?", '"', "(", ")", "AND", "OR", "NOT", "title_en:", "^9", "~",
         "[* TO *]", "\x00", "é" * 40, "public", "registered", "C042", "-", "+"]
ALLOWED = st.one_of(st.none(), st.fixed_dictionaries({
    "public": st.booleans(), "registered": st.booleans(),
    "courses": st.lists(st.sampled_from(COURSES + ["C999", "*", ""]), max_size=3)}))
FILTERS = st.one_of(st.none(), st.fixed_dictionaries({}, optional={
    "subject": st.sampled_from(["water-resources", "agriculture", "x", ""]),
    "kind": st.sampled_from(["video", "document", "nope"]),
    "year_from": st.one_of(st.integers(-10, 3000), st.text(max_size=5)),
    "year_to": st.one_of(st.integers(-10, 3000), st.text(max_size=5)),
    "lang": st.sampled_from(["en", "fr", "es", "ja", "xx"]),
    "visibility": st.sampled_from(["course", "registered", "public"])}))
TIMES: list[float] = []


@FUZZ
@given(text=st.one_of(st.text(max_size=300),
                      st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join)),
       allowed=ALLOWED, filters=FILTERS,
       sort=st.sampled_from(["relevance", "newest", "views", "bogus"]),
       page=st.one_of(st.integers(-3, 50), st.text(max_size=3)),
       lang=st.sampled_from(["en", "fr", "es", "ja", "zz"]), correct=st.booleans())
def test_search_never_raises_nor_leaks(search_index, text, allowed, filters, sort, page, lang,
                                       correct):
    searcher, corpus = search_index
    started = time.perf_counter()
    result = searcher.search(text, lang=lang, allowed=allowed, filters=filters, sort=sort,
                             page=page, per_page=20, correct=correct)
    TIMES.append(time.perf_counter() - started)
    for hit in result.hits:
        assert _may_see(corpus[hit.id], allowed), (hit.id, corpus[hit.id]["visibility"],
                                                    allowed)
    assert result.total >= len(result.hits)
    for suggestion in searcher.suggest_titles(text[:40], lang=lang, allowed=allowed):
        assert _may_see(corpus[suggestion.id], allowed)


WORST = [" ".join(["water"] * 150), '"' + " ".join(["the water of the"] * 20) + '"',
         " ".join('"%s %s"' % (a, b) for a, b in zip(["water", "agua", "gestion"] * 4,
                                                   ["management", "riesgo", "eau"] * 4,
                                                   strict=True)),
         "a b c d e f g h i j", "é" * 300, "防" * 300, "w" * 300,
         " ".join(["wat", "was", "ges", "agu", "rie", "dis", "urb", "rur", "edu", "hea"])]


def test_slowest_search_stays_bounded(search_index):
    """The fuzzed queries above and hand-made worst cases (long repetitions, ten phrases,
    300 accented or CJK characters, ten short prefixes): each under a bound, reported."""
    searcher, _ = search_index
    worst = []
    for text in WORST:
        for allowed in (None, {"everything": True}):
            started = time.perf_counter()
            searcher.search(text, lang="fr", allowed=allowed)
            worst.append(time.perf_counter() - started)
    measured = sorted(TIMES + worst)
    p50 = measured[len(measured) // 2]
    print("\nsearch fuzz: %d queries on 60 materials with transcripts: p50 %.1f ms, "
          "slowest %.1f ms (hand-made worst cases: slowest %.1f ms)"
          % (len(measured), 1000 * p50, 1000 * measured[-1], 1000 * max(worst)))
    assert measured[-1] < 2.0, "a search took %.2f s" % measured[-1]


# ------------------------------------------------------------------ nomination importer

CELL = st.one_of(st.text(max_size=40), st.sampled_from(
    ["a@example.org", "A@EXAMPLE.ORG", "not-an-email", "=cmd|' /C calc'!A0", "Côte d’Ivoire",
     "France", "fr", "Español", "+33", "@SUM(1)", "", " ", "\u202e", "日本", "x" * 1200]))
HEADERS = st.one_of(
    st.lists(st.sampled_from(["name", "Name", "E-mail", "email", "courriel", "country", "País",
                              "organization", "position", "language", "junk", "", "name"]),
             min_size=1, max_size=9),
    st.permutations(["Nom", "E-mail", "Pays", "organization", "language"]).map(list))


def _csv_bytes(header, rows, delimiter, encoding) -> bytes:
    import csv
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding, "replace")


def _xlsx_bytes(header, rows) -> bytes:
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    for row in [header, *rows]:
        sheet.append([c.replace("\x00", "") if isinstance(c, str) else c for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


JUDGED: list[int] = []


@pytest.fixture(scope="module")
def import_course(world):
    return world


@settings(max_examples=120, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(header=HEADERS, rows=st.lists(st.lists(CELL, max_size=10), max_size=12),
       form=st.sampled_from(["csv,utf-8", "csv;utf-8-sig", "csv\tutf-16", "csv,cp1252",
                             "xlsx", "garbage"]),
       garbage=st.binary(max_size=300))
def _judge_a_generated_file(import_course, header, rows, form, garbage):
    from openpyxl.utils.exceptions import IllegalCharacterError

    from portal.courses import imports
    from portal.courses.models import Course
    from portal.extensions import db

    world = import_course
    if form == "garbage":
        data = garbage
    elif form == "xlsx":
        try:
            data = _xlsx_bytes(header, rows)
        except IllegalCharacterError:
            return   # openpyxl cannot write the cell, so no real file holds it
    else:
        data = _csv_bytes(header, rows, form[3], form[4:])
    with world.app.test_request_context("/"):
        try:
            parsed = imports.parse(data)
        except imports.FileProblem as problem:
            assert problem.code
            return
        course = db.session.get(Course, world.ids["fish"])
        checked = imports.check(course, parsed)
        db.session.rollback()
    assert [c.line for c in checked] == [r["line"] for r in parsed]
    JUDGED.append(len(checked))
    for item in checked:
        assert item.ready or item.problems
        for problem in item.problems:
            assert problem["code"]


def test_importer_never_raises_and_judges_every_row(import_course):
    """Generated files (CSV in four encodings and separators, XLSX, garbage) never make the
    importer raise; every row of a file read is judged, ready or with its problems; and the
    files were not all refused as a whole: rows were judged (counted in this test itself, so
    it holds whichever worker runs it)."""
    JUDGED.clear()
    _judge_a_generated_file(import_course)
    print("\nimporter fuzz: %d files parsed, %d rows judged" % (len(JUDGED), sum(JUDGED)))
    assert len(JUDGED) >= 10 and sum(JUDGED) >= 20
