"""Add a material: the video sent through the upload widget (or with the form) stays with the
form when the form comes back with another error, shown by name and size with a Remove button,
and saving again makes the material with that video, never without it (issue 15)."""
import io
import re

from sqlalchemy import select

from portal.extensions import db
from portal.library.models import Material
from tests.library.test_library_pages import _form
from tests.uploads.widget import send_with_widget

BAD_SUBTITLES = (b"not subtitles at all", "rain.fr.vtt")


def _kept_id(html):
    return re.search(r'name="file_id" value="([^"]*)"', html).group(1)


def _materials(app):
    with app.app_context():
        return [(m.title.get("en"), m.file("original").name if m.file("original") else None)
                for m in db.session.scalars(select(Material))]


def _new(client, **extra):
    data = _form(**{k: v for k, v in extra.items() if not k.startswith("subtitles")})
    data.update({k: (io.BytesIO(v[0]), v[1]) for k, v in extra.items()
                 if k.startswith("subtitles")})
    return client.submit("/library/new", data, content_type="multipart/form-data",
                         page="/library/new")


def test_the_uploaded_video_stays_with_the_form_across_errors(app, login_as, tiny_video):
    instructor, _ = login_as("instructor")
    done = send_with_widget(instructor, tiny_video, "rain.mp4", "material")
    assert done.status_code == 200, done.get_json()
    file_id = str(done.get_json()["file"]["id"])
    # a refused subtitle file: the form comes back, the video still with it
    response = _new(instructor, file_id=file_id, subtitles_fr=BAD_SUBTITLES)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "WebVTT" in html
    assert _kept_id(html) == file_id
    assert "rain.mp4" in html and "Remove rain.mp4" in html and 'name="file_remove"' in html
    assert _materials(app) == []
    # a missing title: the same
    response = _new(instructor, file_id=_kept_id(html), title_en="")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and _kept_id(html) == file_id and "rain.mp4" in html
    # saving again (the page sends what it kept) makes the material with its video
    response = _new(instructor, file_id=_kept_id(html))
    assert response.status_code == 302
    assert _materials(app) == [("Rainwater harvesting", "rain.mp4")]


def test_a_video_sent_with_the_form_is_kept_too(app, login_as, tiny_video):
    """Without JavaScript the video comes in the form post: it is stored before anything else
    can fail, and the form sends its id from then on."""
    instructor, _ = login_as("instructor")
    data = _form(file_id="")
    data["file"] = (io.BytesIO(tiny_video), "rain.mp4")
    data["subtitles_fr"] = (io.BytesIO(BAD_SUBTITLES[0]), BAD_SUBTITLES[1])
    response = instructor.submit("/library/new", data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "rain.mp4" in html and _kept_id(html)
    kept = _kept_id(html)
    assert instructor.get("/files/%s" % kept).status_code == 200  # its uploader's, so far
    other, _ = login_as("instructor")
    assert other.get("/files/%s" % kept).status_code == 404
    assert _new(instructor, file_id=kept).status_code == 302
    assert _materials(app) == [("Rainwater harvesting", "rain.mp4")]


def test_remove_takes_the_file_off_and_keeps_what_was_typed(app, login_as, tiny_video):
    instructor, _ = login_as("instructor")
    file_id = str(send_with_widget(instructor, tiny_video, "rain.mp4", "material")
                  .get_json()["file"]["id"])
    response = _new(instructor, file_id=file_id, file_remove=file_id,
                    description_en="Typed before removing")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and _kept_id(html) == ""
    assert "rain.mp4" not in html and "Typed before removing" in html
    assert _materials(app) == []


def test_editing_keeps_a_replacement_across_an_error(app, login_as, tiny_video):
    instructor, _ = login_as("instructor")
    assert _new(instructor).status_code == 302  # a material coming soon, no file yet
    with app.app_context():
        slug = db.session.scalar(select(Material.slug))
    file_id = str(send_with_widget(instructor, tiny_video, "rain.mp4", "material")
                  .get_json()["file"]["id"])
    url = "/library/m/%s/edit" % slug
    response = instructor.submit(url, _form(file_id=file_id, title_en=""),
                                 content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and _kept_id(html) == file_id and "rain.mp4" in html
    assert instructor.submit(url, _form(file_id=file_id),
                             content_type="multipart/form-data").status_code == 302
    assert _materials(app) == [("Rainwater harvesting", "rain.mp4")]
