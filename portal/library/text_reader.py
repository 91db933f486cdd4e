"""Reading the words of a document file, without the portal: the child process that
``document_text.extract`` starts under limits imports only this (and the library it needs).

A PDF's text page by page (PDFium, through pypdfium2, the engine of the previews); the
paragraphs of Word, OpenDocument and PowerPoint files (XML parts of a zip, read with the
standard library, whose expat refuses entity expansion attacks); a plain text file in the
encoding charset-normalizer finds (UTF-8, UTF-16, cp1252...).
"""
from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path

from defusedxml import ElementTree  # no entity expansion, no external entities

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
    from portal.text import decode_text  # the house's one rule for text files people upload

    with source.open("rb") as f:
        data = f.read(MAX_PART_BYTES)
    return [tidy(decode_text(data).text)]


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


def read(content_type: str, source: Path) -> dict:
    """``{"pages": [text of each part], "paged": bool}`` of ``source`` (``paged``: the parts
    are a PDF's pages), at most `MAX_CHARS` in all. Raises on a file it cannot read."""
    if content_type == PDF:
        return {"pages": _within(_pdf(source)), "paged": True}
    if content_type == PLAIN:
        return {"pages": _within(_plain(source)), "paged": False}
    if content_type in ZIPPED:
        return {"pages": _within(_zipped(source, content_type)), "paged": False}
    raise TextError("no text reader for %s" % content_type)


if __name__ == "__main__":  # the child process of document_text.extract()
    try:
        found = read(sys.argv[1], Path(sys.argv[2]))
        Path(sys.argv[3]).write_text(json.dumps(found), encoding="utf-8")
    except Exception as exc:
        print("%s: %s" % (type(exc).__name__, exc), file=sys.stderr)
        sys.exit(1)
