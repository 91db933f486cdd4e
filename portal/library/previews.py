"""Previews of documents (a job): the first page of a PDF, or a picture made smaller, as a JPEG
at most 800 pixels wide. A reader on a slow, costly link sees what a document holds before
spending megabytes on it, and a JPEG made here is safe to show inline, which the document
itself is not (it is only ever served as an attachment).

Where safe: only PDFs and pictures get a preview. The PDF is rendered by PDFium (pypdfium2, the
engine of Chromium's viewer) in a separate process under a CPU-time and memory limit, so a
hostile or broken file fails its own preview and nothing else; the material stays as it was.
"""
from __future__ import annotations

import logging
import subprocess
import sys
import tempfile
from pathlib import Path

from .. import jobs
from ..extensions import db
from ..uploads.checks import base_type
from .models import DOCUMENT, PREVIEW, Material
from .services import attach_file, copy_stored, store_file

log = logging.getLogger(__name__)
PREVIEW_JOB = "library.preview"
PREVIEWABLE = frozenset({"application/pdf", "image/png", "image/jpeg", "image/webp", "image/gif"})
WIDTH = 800
TIMEOUT_S = 60
MEMORY_BYTES = 1024 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a picture larger than this is refused (decompression bombs)


class PreviewError(RuntimeError):
    pass


def wanted(content_type: str | None) -> bool:
    return base_type(content_type) in PREVIEWABLE


def render(source: Path, content_type: str, out: Path) -> None:
    """Write the preview of ``source`` to ``out`` (JPEG), in a child process with limits."""
    try:
        result = subprocess.run(
            [sys.executable, "-m", "portal.library.previews", content_type, str(source),
             str(out)], capture_output=True, text=True, errors="replace", timeout=TIMEOUT_S,
            preexec_fn=child_limits, check=False)
    except subprocess.TimeoutExpired:
        raise PreviewError("took longer than %d s" % TIMEOUT_S) from None
    if result.returncode != 0 or not out.exists() or out.stat().st_size == 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise PreviewError("could not be rendered: %s" % last[:300])


def child_limits() -> None:
    """In a child process, before it starts: the CPU time and memory it may use (previews,
    document text)."""
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (TIMEOUT_S, TIMEOUT_S))


def _render_here(content_type: str, source: Path, out: Path) -> None:
    import warnings

    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    warnings.simplefilter("error", Image.DecompressionBombWarning)  # refused, not just noted
    if content_type == "application/pdf":
        import pypdfium2

        pdf = pypdfium2.PdfDocument(str(source))
        try:
            page = pdf[0]
            width = max(1.0, page.get_width())
            image = page.render(scale=min(4.0, WIDTH / width)).to_pil()
        finally:
            pdf.close()
    else:
        image = Image.open(source)
        image.load()
    image.thumbnail((WIDTH, WIDTH * 3))
    if image.mode not in ("RGB", "L"):
        flat = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        flat.paste(rgba, mask=rgba.split()[-1])
        image = flat
    image.save(out, "JPEG", quality=75, optimize=True, progressive=True)


@jobs.job(PREVIEW_JOB)
def make_preview(material_id: int) -> None:
    material = db.session.get(Material, material_id)
    document = material.file(DOCUMENT) if material is not None else None
    if document is None or not wanted(document.content_type):
        return
    content_type = base_type(document.content_type)
    try:
        with tempfile.TemporaryDirectory(prefix="portal-preview-") as tmp:
            source, out = Path(tmp) / "document", Path(tmp) / "preview.jpg"
            copy_stored(document.key, source)
            render(source, content_type, out)
            with out.open("rb") as f:
                stored = store_file(f, "%s-preview.jpg" % material.slug, "image/jpeg",
                                    material.created_by_id)
            attach_file(material, PREVIEW, stored)
        jobs.commit()
    except Exception as exc:
        db.session.rollback()
        log.warning("no preview for %s: %s", material.slug, exc)


if __name__ == "__main__":  # the child process of render()
    try:
        _render_here(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
    except Exception as exc:
        print("%s: %s" % (type(exc).__name__, exc), file=sys.stderr)
        sys.exit(1)
