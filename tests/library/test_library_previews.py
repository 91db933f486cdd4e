"""Document previews (portal/library/previews.py): the first page of a PDF or a smaller copy of
a picture, as a JPEG shown on the material page; nothing for other documents, and a broken or
hostile file costs its preview only."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from portal.extensions import db
from portal.library.models import Material
from tests.library.test_library_pages import _form


def _pdf() -> bytes:
    from fpdf import FPDF
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=24)
    pdf.cell(0, 20, "Country report: solid waste in Dakar")
    return bytes(pdf.output())


def _png(width: int, height: int) -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _upload(client, data: bytes, name: str):
    form = _form(kind="document", title_en="Waste report " + name, audio_language="")
    form["file"] = (io.BytesIO(data), name)
    response = client.submit("/library/new", form, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    return response.headers["Location"].split("/m/")[1].split("/")[0]


def _roles(app, slug) -> set[str]:
    with app.app_context():
        m = db.session.scalar(select(Material).where(Material.slug == slug))
        assert m.state == "ready"
        return {f.role for f in m.files}


def test_a_pdf_gets_its_first_page_shown_on_the_material_page(app, login_as, client):
    from PIL import Image
    instructor, _ = login_as("instructor")
    slug = _upload(instructor, _pdf(), "report.pdf")
    assert _roles(app, slug) == {"document", "preview"}
    page = client.get("/library/m/%s" % slug).get_data(as_text=True)
    src = re.search(r'<figure class="library-preview">\s*<img src="([^"]+)" alt="First page of '
                    r'the document"', page)
    assert src, page
    image = client.get(src.group(1))
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/jpeg"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    picture = Image.open(io.BytesIO(image.data))
    assert picture.format == "JPEG" and picture.width == 800 and picture.height > 1000
    assert len(image.data) < 150_000  # light for slow links
    document = client.get("/library/m/%s/media/document?download=1" % slug)
    assert document.headers["Content-Disposition"].startswith("attachment")


def test_a_picture_is_made_smaller(app, login_as):
    instructor, _ = login_as("instructor")
    slug = _upload(instructor, _png(3000, 1500), "map.png")
    assert _roles(app, slug) == {"document", "preview"}


def test_a_broken_pdf_costs_its_preview_only(app, login_as, client, caplog):
    instructor, _ = login_as("instructor")
    slug = _upload(instructor, b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\nnonsense\n%%EOF\n",
                   "broken.pdf")
    assert _roles(app, slug) == {"document"}
    page = client.get("/library/m/%s" % slug)
    assert page.status_code == 200 and "library-preview" not in page.get_data(as_text=True)
    assert any("no preview for" in r.getMessage() for r in caplog.records)


def test_a_picture_bomb_is_refused(app, login_as):
    """A small file that claims a huge picture: refused before it is decoded."""
    instructor, _ = login_as("instructor")
    slug = _upload(instructor, _png(8000, 6000), "huge.png")  # 48 megapixels > 40
    assert _roles(app, slug) == {"document"}


def test_other_documents_get_no_preview(app, login_as):
    instructor, _ = login_as("instructor")
    slug = _upload(instructor, b"Plain notes about the course.\n" * 20, "notes.txt")
    assert _roles(app, slug) == {"document"}
