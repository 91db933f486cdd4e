"""The words of documents (portal/library/document_text.py): a PDF uploaded through the form is
read page by page by a background job and found by a word on one of its pages, with a link to
that page; a typo is answered with the respelling's results at once; Word, OpenDocument and
legacy-encoded text files are read too; a broken file costs its text only; older documents are
read by ``flask library extract-text``."""
from __future__ import annotations

import io
import zipfile

from sqlalchemy import select

from portal import jobs
from portal.extensions import db
from portal.library import document_text, text_reader
from portal.library.models import DocumentText, Material
from portal.uploads.checks import base_type
from tests.library.test_library_pages import _form


def _pdf() -> bytes:
    """Three pages made with fpdf2; page 2 holds the words searched for."""
    from fpdf import FPDF
    pdf = FPDF()
    pdf.set_font("helvetica", size=14)
    for text in ("Fish farming in small ponds: a field manual.",
                 "Zeolite filters remove ammonia from the water of fish ponds.",
                 "Annex: suppliers and prices."):
        pdf.add_page()
        pdf.multi_cell(0, 10, text)
    return bytes(pdf.output())


def _upload(client, data: bytes, name: str, **extra) -> str:
    form = _form(kind="document", title_en="Pond manual", audio_language="",
                 description_en="For extension officers.", keywords="", **extra)
    form["file"] = (io.BytesIO(data), name)
    response = client.submit("/library/new", form, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    return response.headers["Location"].split("/m/")[1].split("/")[0]


def _text(app, slug) -> DocumentText | None:
    with app.app_context():
        m = db.session.scalar(select(Material).where(Material.slug == slug))
        text = m.text
        if text is not None:
            db.session.expunge(text)
        return text


def _api(client, **params):
    response = client.get("/api/v1/library/search", query_string=params)
    assert response.status_code == 200, response.data[:300]
    return response.get_json()


def test_a_pdf_is_found_by_a_word_on_a_page_with_a_link_to_that_page(app, login_as, client,
                                                                      lib):
    instructor, _ = login_as("instructor")
    slug = _upload(instructor, _pdf(), "manual.pdf")
    assert jobs.wait_idle(app, timeout=60)
    text = _text(app, slug)
    assert text.paged and text.lang == "en" and len(text.pages) == 3
    assert "ammonia" in text.pages[1] and "ammonia" not in text.pages[0]
    lib.search("")  # the test's searcher sees the runner's commit
    body = _api(client, q="ammonia")
    assert [r["id"] for r in body["results"]] == [slug]
    document_url = "/library/m/%s/media/document" % slug
    [moment] = body["results"][0]["moments"]
    assert (moment["page"], moment["start_ms"]) == (2, None)
    assert moment["url"] == document_url + "#page=2"
    assert "<mark>ammonia</mark>" in moment["text"]
    served = client.get(document_url)
    assert served.status_code == 200 and served.data.startswith(b"%PDF")
    html = client.get("/library/search?q=ammonia", headers={"Accept-Language": "es"})
    page = html.get_data(as_text=True)
    assert 'href="%s#page=2"' % document_url in page and "Página 2" in page
    assert 'aria-label="Páginas del documento"' in page

    # a typo in a word only the PDF holds: its results at once, and the way back
    body = _api(client, q="amonia")
    assert body["correction"] == {"query": "ammonia", "original": "amonia",
                                  "url": "/api/v1/library/search?q=amonia&exact=1"}
    assert body["query"] == "amonia" and [r["id"] for r in body["results"]] == [slug]
    exact = _api(client, q="amonia", exact="1")
    assert exact["total"] == 0 and exact["suggestion"] == "ammonia"
    assert exact["correction"] is None
    page = client.get("/library/search?q=amonia&sort=newest",
                      headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Résultats affichés pour <strong>ammonia</strong>." in page
    assert ('Rechercher plutôt <a href="/library/search?q=amonia&amp;sort=newest&amp;exact=1">'
            'amonia</a>.') in page
    page = client.get("/library/search?q=amonia&exact=1").get_data(as_text=True)
    assert "Did you mean:" in page and "Showing results for" not in page
    assert '<input type="hidden" name="exact" value="1">' in page  # the filters keep it


def test_downloads_off_then_a_new_file_without_words(app, login_as, client, lib):
    from portal.library.manage import attach_original
    from portal.library.services import store_file
    instructor, _ = login_as("instructor")
    slug = _upload(instructor, _pdf(), "manual.pdf", allow_download="")
    assert jobs.wait_idle(app, timeout=60)
    lib.search("")
    # downloads off: the page's link opens the material's page, not the file
    [moment] = _api(client, q="zeolite")["results"][0]["moments"]
    assert (moment["page"], moment["url"]) == (2, "/library/m/%s" % slug)
    with app.app_context():
        material = db.session.scalar(select(Material).where(Material.slug == slug))
        stored = store_file(io.BytesIO(_broken_pdf()), "scan.pdf", "application/pdf", None)
        attach_original(material, stored)
        jobs.commit()  # in a command's context the job runs at the commit
    assert _text(app, slug) is None  # the scan has no words; the manual's are forgotten
    assert lib.ids("zeolite") == []  # and out of the index


def _broken_pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\nnonsense\n%%EOF\n"


def test_a_broken_pdf_costs_its_text_only(tmp_path):
    source = tmp_path / "broken.pdf"
    source.write_bytes(_broken_pdf())
    try:
        document_text.extract(source, "application/pdf")
    except document_text.TextError as error:
        assert "could not be read" in str(error)
    else:
        raise AssertionError("a broken PDF was read")


def _zip(parts: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"


def test_word_opendocument_powerpoint_and_legacy_text(tmp_path):
    docx = _zip({"word/document.xml": (
        '<w:document xmlns:w="%s"><w:body><w:p><w:r><w:t>The zeo</w:t></w:r><w:r><w:t>lite '
        'filter.</w:t></w:r></w:p><w:p><w:r><w:t>Second paragraph.</w:t></w:r></w:p>'
        '</w:body></w:document>' % W)})
    odt = _zip({"content.xml": (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="%s"><office:body><office:text><text:h>Titre</text:h><text:p>Le '
        '<text:span>zéolithe</text:span> retient l\'ammoniac.</text:p></office:text>'
        '</office:body></office:document-content>' % TEXT)})
    slide = '<p:sld xmlns:p="p" xmlns:a="%s"><a:p><a:r><a:t>%s</a:t></a:r></a:p></p:sld>'
    pptx = _zip({"ppt/slides/slide10.xml": slide % (A, "Ten"),
                 "ppt/slides/slide2.xml": slide % (A, "Two")})
    cases = [
        (docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "The zeolite filter.\nSecond paragraph."),
        (odt, "application/vnd.oasis.opendocument.text",
         "Titre\nLe zéolithe retient l'ammoniac."),
        (pptx, "application/vnd.openxmlformats-officedocument.presentationml.presentation",
         "Two\nTen"),
        ("Les déchets ménagers sont triés à la source, et le compost est vendu aux "
         "maraîchers de la région.".encode("cp1252"), "text/plain; charset=unknown",
         "Les déchets ménagers sont triés à la source, et le compost est vendu aux "
         "maraîchers de la région."),
    ]
    for number, (data, content_type, expected) in enumerate(cases):
        source = tmp_path / ("doc%d" % number)
        source.write_bytes(data)
        # what the child process runs (the PDF tests above go through the child itself)
        assert text_reader.read(base_type(content_type), source) == {
            "pages": [expected], "paged": False}


def test_older_documents_are_read_by_the_command(app, lib):
    from portal.library.services import attach_file, store_file
    with app.app_context():
        material = Material(slug="old-manual", kind="document", title={"en": "Old manual"},
                            visibility="public")
        db.session.add(material)
        db.session.flush()
        attach_file(material, "document", store_file(io.BytesIO(_pdf()), "old.pdf",
                                                     "application/pdf", None))
        jobs.commit()  # stored as before this version: no text job
    assert lib.ids("ammonia") == []
    runner = app.test_cli_runner()
    result = runner.invoke(args=["library", "extract-text"])
    assert result.exit_code == 0 and "read the text of 1 documents" in result.output
    assert lib.ids("ammonia") == ["old-manual"]
    again = runner.invoke(args=["library", "extract-text"])
    assert "read the text of 0 documents" in again.output  # re-running is harmless
