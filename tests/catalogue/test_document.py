"""The General Information document: uploaded by the course's coordinators through the upload
layer (checked by content), downloaded by anyone while the course is public."""
from __future__ import annotations

import io

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _post(client, course_id, data):
    return client.submit("/catalogue/%d/outline" % course_id, data,
                         content_type="multipart/form-data")


def test_coordinator_uploads_and_anyone_downloads(app, client, make_course, login_as,
                                                  this_year):
    coordinator, me = login_as("coordinator")
    course_id = make_course("DOC-2026", coordinators=[me.id])
    response = _post(coordinator, course_id, {
        "eligibility_en": "Officials", "document": (io.BytesIO(PDF), "GI DOC-2026.pdf")})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get("/catalogue/%d" % course_id).get_data(as_text=True)
    assert "/catalogue/%d/document" % course_id in page and "PDF" in page
    download = client.get("/catalogue/%d/document" % course_id)
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    # Removing it: the printable page stands in again.
    assert _post(coordinator, course_id, {"remove_document": "y"}).status_code == 302
    assert client.get("/catalogue/%d/document" % course_id).status_code == 404


def test_a_disguised_file_is_refused_and_the_typed_text_kept(app, make_course, login_as):
    coordinator, me = login_as("coordinator", language="fr")
    course_id = make_course(coordinators=[me.id])
    response = _post(coordinator, course_id, {
        "eligibility_fr": "Texte tapé", "document": (io.BytesIO(b"MZ\x90\x00binary"),
                                                     "info.pdf")})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Texte tapé" in html and 'class="error"' in html
    with app.app_context():
        from portal.catalogue.models import CourseOutline
        from portal.extensions import db
        from portal.uploads.models import StoredFile
        assert db.session.get(CourseOutline, course_id) is None
        assert db.session.query(StoredFile).count() == 0


def test_no_document_or_unpublished_course_is_404(app, client, make_course, login_as,
                                                  this_year):
    coordinator, me = login_as("coordinator")
    later = make_course("LATER-2030", coordinators=[me.id], fiscal_year=this_year + 4)
    assert _post(coordinator, later, {"document": (io.BytesIO(PDF), "gi.pdf")}
                 ).status_code == 302
    assert coordinator.get("/catalogue/%d/document" % later).status_code == 200
    assert client.get("/catalogue/%d/document" % later).status_code == 404
    other, _ = login_as("coordinator")
    assert other.get("/catalogue/%d/document" % later).status_code == 404
    plain = make_course("PLAIN-2026")
    assert client.get("/catalogue/%d/document" % plain).status_code == 404
    assert client.get("/catalogue/999999/document").status_code == 404
