"""The words of documents, for the search index (a background job): a PDF's text page by page
(PDFium, through pypdfium2, the engine that renders the previews), the text of Word, OpenDocument
and PowerPoint files and of plain text files, as one part each.

Read in a separate process under a CPU-time and memory limit (the previews' limits): a hostile
or broken file fails its own extraction and nothing else. The words are kept in
``DocumentText`` (a row per material) with the file they came from; the outbox hook re-indexes
the material when they change. A PDF's page is a moment of the results, linked to the page
(``#page=N``). Safe to re-run: a text already read from the material's current file is kept.
"""
from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from sqlalchemy import select

from media_index.analysis import LANGUAGES, guess_language

from .. import jobs
from ..db_types import utcnow
from ..extensions import db
from ..storage import get_storage
from .models import DOCUMENT, DocumentText, Material, MaterialKind
from .previews import child_limits

log = logging.getLogger(__name__)
TEXT_JOB = "library.extract_text"
PDF = "application/pdf"
PLAIN = "text/plain"
# Office files whose words are in XML parts of a zip: (parts, paragraph element).
ZIPPED = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        (("word/document.xml",), "p"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation":
        (("ppt/slides/slide*.xml",), "p"),
    "application/vnd.oasis.opendocument.text": (("content.xml",), "p", "h"),
    "application/vnd.oasis.opendocument.presentation": (("content.xml",), "p", "h"),
}
EXTRACTABLE = frozenset({PDF, PLAIN, *ZIPPED})
TIMEOUT_S = 120
MAX_PAGES = 3000
MAX_CHARS = 2_000_000          # of a document's text (what the index keeps, too)
MAX_PART_BYTES = 50_000_000    # an XML part (or a text file) read, uncompressed
_SPACE = re.compile(r"[ \t\r\f\v\u00a0]+")
_BREAKS = re.compile(r"\s*\n\s*")
_HYPHENATED = re.compile(r"(\w)[-\u00ad\u2010]\s*\n\s*(\w)")


class TextError(RuntimeError):
    pass


def base_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def extractable(content_type: str | None) -> bool:
    return base_type(content_type) in EXTRACTABLE


def extract(source: Path, content_type: str) -> tuple[list[str], bool]:
    """(the text of each part, paged) of ``source``, read in a child process with limits;
    ``paged`` when the parts are pages (a PDF's). Raises `TextError`."""
    with tempfile.TemporaryDirectory(prefix="portal-text-") as tmp:
        out = Path(tmp) / "text.json"
        try:
            result = subprocess.run(
                [sys.executable, "-m", "portal.library.document_text", base_type(content_type),
                 str(source), str(out)], capture_output=True, text=True, errors="replace",
                timeout=TIMEOUT_S, preexec_fn=child_limits, check=False)
        except subprocess.TimeoutExpired:
            raise TextError("took longer than %d s" % TIMEOUT_S) from None
        if result.returncode != 0 or not out.exists():
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise TextError("could not be read: %s" % last[:300])
        found = json.loads(out.read_text(encoding="utf-8"))
    return [str(p) for p in found["pages"]], bool(found["paged"])


def tidy(text: str) -> str:
    """Words joined across hyphenated line ends, spaces collapsed, one line break kept."""
    text = _HYPHENATED.sub(r"\1\2", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _BREAKS.sub("\n", _SPACE.sub(" ", text.replace("\x00", " "))).strip()


def _within(parts: list[str]) -> list[str]:
    kept, budget = [], MAX_CHARS
    for part in parts:
        if budget <= 0:
            break
        kept.append(part[:budget])
        budget -= len(kept[-1])
    return kept


def _pdf(source: Path) -> list[str]:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(source))
    try:
        pages, total = [], 0
        for number in range(min(len(pdf), MAX_PAGES)):
            page = pdf[number]
            textpage = page.get_textpage()
            try:
                pages.append(tidy(textpage.get_text_bounded()))
            finally:
                textpage.close()
                page.close()
            total += len(pages[-1])
            if total >= MAX_CHARS:
                break
        return pages
    finally:
        pdf.close()


def _plain(source: Path) -> list[str]:
    from charset_normalizer import from_bytes

    with source.open("rb") as f:
        data = f.read(MAX_PART_BYTES)
    best = from_bytes(data).best()
    return [tidy(str(best) if best is not None else data.decode("utf-8", "replace"))]


def _zipped(source: Path, content_type: str) -> list[str]:
    patterns, *paragraphs = ZIPPED[content_type]
    with zipfile.ZipFile(source) as archive:
        names = [n for pattern in patterns for n in sorted(
            (n for n in archive.namelist() if Path(n).match(pattern)), key=_natural)]
        parts = []
        for name in names:
            if archive.getinfo(name).file_size > MAX_PART_BYTES:
                raise TextError("%s is larger than %d bytes" % (name, MAX_PART_BYTES))
            with archive.open(name) as member:
                parts.append(tidy("\n".join(_paragraphs(member, set(paragraphs)))))
    return ["\n".join(parts)]


def _natural(name: str):
    """slide2.xml before slide10.xml."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def _paragraphs(stream, names: set[str]):
    """The text of each paragraph element (any namespace), its runs joined as they are."""
    for _event, element in ElementTree.iterparse(stream, events=("end",)):
        if element.tag.rsplit("}", 1)[-1] in names:
            yield "".join(element.itertext())
            element.clear()


def _extract_here(content_type: str, source: Path) -> dict:
    if content_type == PDF:
        return {"pages": _within(_pdf(source)), "paged": True}
    if content_type == PLAIN:
        return {"pages": _within(_plain(source)), "paged": False}
    if content_type in ZIPPED:
        return {"pages": _within(_zipped(source, content_type)), "paged": False}
    raise TextError("no text reader for %s" % content_type)


def language_of(pages: list[str], material: Material) -> str | None:
    """The language the text is indexed in: guessed from its words, else the material's
    language when it is one the index knows."""
    fallback = material.audio_language if material.audio_language in LANGUAGES else None
    return guess_language(" ".join(pages[:5]), default=fallback)


def queue(material: Material) -> None:
    """Read the words of ``material``'s document after the commit."""
    jobs.enqueue(TEXT_JOB, material_id=material.id)


@jobs.job(TEXT_JOB, background=True)
def extract_text(material_id: int, again: bool = False) -> None:
    material = db.session.get(Material, material_id)
    if material is None:
        return
    document = material.file(DOCUMENT)
    if document is None or not extractable(document.content_type):
        if material.text is not None:  # the words of a file the material no longer has
            material.text = None
            jobs.commit()
        return
    if material.text is not None and material.text.file_id == document.id and not again:
        return  # already read from this file
    file_id, key, content_type = document.id, document.key, base_type(document.content_type)
    slug = material.slug
    jobs.commit()  # no transaction stays open while the file is read
    try:
        with tempfile.TemporaryDirectory(prefix="portal-text-") as tmp:
            source = Path(tmp) / "document"
            with get_storage().open(key) as src, source.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            pages, paged = extract(source, content_type)
    except Exception as exc:  # a broken or hostile file: no text, the material is unchanged
        db.session.rollback()
        log.warning("no text for %s: %s", slug, exc)
        return
    material = db.session.get(Material, material_id)
    current = material.file(DOCUMENT) if material is not None else None
    if current is None or current.id != file_id:
        return  # another file meanwhile: its own job reads it
    row = material.text
    if row is None:
        row = material.text = DocumentText(file_id=file_id)
    row.file_id, row.pages, row.paged = file_id, pages, paged
    row.lang, row.extracted_at = language_of(pages, material), utcnow()
    jobs.commit()
    log.info("text of %s: %d parts, %d characters", slug, len(pages), sum(map(len, pages)))


def missing(everything: bool = False) -> list[int]:
    """Ids of document materials whose words were never read from their current file (or
    all documents with ``everything``)."""
    query = select(Material).where(Material.kind == MaterialKind.DOCUMENT).order_by(Material.id)
    ids = []
    for material in db.session.scalars(query):
        document = material.file(DOCUMENT)
        if document is None or not extractable(document.content_type):
            continue
        if everything or material.text is None or material.text.file_id != document.id:
            ids.append(material.id)
    db.session.rollback()
    return ids


if __name__ == "__main__":  # the child process of extract()
    try:
        found = _extract_here(sys.argv[1], Path(sys.argv[2]))
        Path(sys.argv[3]).write_text(json.dumps(found), encoding="utf-8")
    except Exception as exc:
        print("%s: %s" % (type(exc).__name__, exc), file=sys.stderr)
        sys.exit(1)
