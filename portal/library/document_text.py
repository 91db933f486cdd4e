"""The words of documents, for the search index (a background job): a PDF's text page by page
(PDFium, through pypdfium2, the engine that renders the previews), the text of Word, OpenDocument
and PowerPoint files and of plain text files, as one part each (``text_reader``).

Read in a separate process under a CPU-time and memory limit (the previews' limits), which
imports only ``text_reader``: a hostile or broken file fails its own extraction and nothing
else. The words are kept in
``DocumentText`` (a row per material) with the file they came from; the outbox hook re-indexes
the material when they change. A PDF's page is a moment of the results, linked to the page
(``#page=N``). Safe to re-run: a text already read from the material's current file is kept.
"""
from __future__ import annotations

import json
import logging
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from media_index.analysis import LANGUAGES, guess_language

from .. import jobs
from ..db_types import utcnow
from ..extensions import db
from ..uploads.checks import base_type
from .models import DOCUMENT, DocumentText, Material, MaterialKind
from .previews import child_limits
from .services import copy_stored
from .text_reader import EXTRACTABLE, TIMEOUT_S, TextError

log = logging.getLogger(__name__)
TEXT_JOB = "library.extract_text"
__all__ = ["TextError", "extract", "extract_text", "extractable", "missing", "queue"]


def extractable(content_type: str | None) -> bool:
    return base_type(content_type) in EXTRACTABLE


def extract(source: Path, content_type: str) -> tuple[list[str], bool]:
    """(the text of each part, paged) of ``source``, read in a child process with limits;
    ``paged`` when the parts are pages (a PDF's). Raises `TextError`."""
    with tempfile.TemporaryDirectory(prefix="portal-text-") as tmp:
        out = Path(tmp) / "text.json"
        try:
            result = subprocess.run(
                [sys.executable, "-m", "portal.library.text_reader", base_type(content_type),
                 str(source), str(out)], capture_output=True, text=True, errors="replace",
                timeout=TIMEOUT_S, preexec_fn=child_limits, check=False)
        except subprocess.TimeoutExpired:
            raise TextError("took longer than %d s" % TIMEOUT_S) from None
        if result.returncode != 0 or not out.exists():
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise TextError("could not be read: %s" % last[:300])
        found = json.loads(out.read_text(encoding="utf-8"))
    return [str(p) for p in found["pages"]], bool(found["paged"])


def language_of(pages: list[str], material: Material) -> str | None:
    """The language the text is indexed in: guessed from its words, else the material's
    language when it is one the index knows."""
    fallback = material.audio_language if material.audio_language in LANGUAGES else None
    return guess_language(" ".join(pages[:5]), default=fallback)


def queue(material: Material) -> None:
    """Read the words of ``material``'s document after the commit."""
    jobs.enqueue(TEXT_JOB, material_id=material.id)


@jobs.job(TEXT_JOB, slow=True)
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
        pages, paged = _read_stored(key, content_type)
    except Exception as exc:  # a broken or hostile file: no text, the material is unchanged
        db.session.rollback()
        log.warning("no text for %s: %s", slug, exc)
        _forget_older(material_id)
        return
    if _keep(material_id, file_id, pages, paged):
        log.info("text of %s: %d parts, %d characters", slug, len(pages), sum(map(len, pages)))


def _read_stored(key: str, content_type: str) -> tuple[list[str], bool]:
    """``(pages, paged)`` of the stored file ``key`` (see `extract`)."""
    with tempfile.TemporaryDirectory(prefix="portal-text-") as tmp:
        source = Path(tmp) / "document"
        copy_stored(key, source)
        return extract(source, content_type)


def _keep(material_id: int, file_id: int, pages: list[str], paged: bool) -> bool:
    """Keep the words read from the file ``file_id``, unless the material has another file
    meanwhile (its own job reads it). True when kept."""
    material = db.session.get(Material, material_id)
    current = material.file(DOCUMENT) if material is not None else None
    if current is None or current.id != file_id:
        return False
    row = material.text
    if row is None:
        row = material.text = DocumentText(file_id=file_id)
    row.file_id, row.pages, row.paged = file_id, pages, paged
    row.lang, row.extracted_at = language_of(pages, material), utcnow()
    jobs.commit()
    return True


def _forget_older(material_id: int) -> None:
    """Drop words read from a file the material no longer has."""
    material = db.session.get(Material, material_id)
    document = material.file(DOCUMENT) if material is not None else None
    if material is not None and material.text is not None and (
            document is None or material.text.file_id != document.id):
        material.text = None
        jobs.commit()


def missing(everything: bool = False) -> list[int]:
    """Ids of document materials whose words were never read from their current file (or
    all documents with ``everything``)."""
    query = (select(Material).where(Material.kind == MaterialKind.DOCUMENT)
             .options(selectinload(Material.text)).order_by(Material.id))
    ids = []
    for material in db.session.scalars(query):
        document = material.file(DOCUMENT)
        if document is None or not extractable(document.content_type):
            continue
        if everything or material.text is None or material.text.file_id != document.id:
            ids.append(material.id)
    db.session.rollback()
    return ids


