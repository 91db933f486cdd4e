"""Nomination lists: every problem kind in CSV and XLSX, the preview, confirmation with
accounts and invitations in each person's language, idempotence, hostile files."""
import io
import re
import zipfile

import openpyxl
import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.courses import imports
from portal.courses.models import Enrollment, EnrollmentImport
from portal.extensions import db

HEADER = ["name", "e-mail", "country", "organization", "position", "preferred language"]
GOOD = [
    ["Aminata Diallo", "aminata@example.org", "SN", "Ministère des Pêches", "Cheffe", "fr"],
    ["Carlos Mendoza", "carlos@example.org", "Bolivia", "Municipio", "Director", "español"],
    ["Grace Wanjiru", "grace@example.org", "Kenya", "Ministry of Education", "Officer", ""],
]


def csv_bytes(rows, sep=",", bom=False, header=HEADER):
    text = "\n".join(sep.join(cell for cell in row) for row in [header, *rows]) + "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def xlsx_bytes(rows, header=HEADER):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [header, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def coordinator_course(login_as, make_course):
    client, coordinator = login_as("coordinator")
    course_id = make_course(coordinators=[coordinator.id], languages=["en", "fr"])
    return client, course_id


def upload(client, course_id, data, name="list.csv"):
    url = "/courses/%d/import" % course_id
    return client.submit(url, {"file": (io.BytesIO(data), name)}, page=url,
                         content_type="multipart/form-data")


def preview_url(response):
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"]


def confirm(client, url):
    """Confirm; the mail goes out on the background runner after the answer: wait for it."""
    from portal import jobs
    response = client.submit(url + "/confirm", page=url)
    assert jobs.wait_idle(client.application, timeout=60)
    return response


# ---------------------------------------------------------------- reading


@pytest.mark.parametrize("data", [
    csv_bytes(GOOD), csv_bytes(GOOD, sep=";"), csv_bytes(GOOD, bom=True),
    csv_bytes(GOOD, sep="\t"), xlsx_bytes(GOOD), csv_bytes(GOOD).decode().encode("utf-16"),
], ids=["comma", "semicolon", "bom", "tab", "xlsx", "utf16"])
def test_every_format_reads_the_same_rows(data):
    rows = imports.parse(data)
    assert [(r["name"], r["email"], r["country"], r["language"]) for r in rows] == [
        ("Aminata Diallo", "aminata@example.org", "SN", "fr"),
        ("Carlos Mendoza", "carlos@example.org", "Bolivia", "español"),
        ("Grace Wanjiru", "grace@example.org", "Kenya", "")]
    assert [r["line"] for r in rows] == [2, 3, 4]


def test_french_and_spanish_headers_in_any_order():
    data = csv_bytes([["sn", "Awa Ndiaye", "awa@example.org"]],
                     header=["Pays", "Nom", "Courriel"])
    assert imports.parse(data)[0] == {"line": 2, "name": "Awa Ndiaye", "email": "awa@example.org",
                                      "country": "sn", "organization": "", "position": "",
                                      "language": ""}
    data = csv_bytes([["Ana", "ana@example.org", "Perú"]], header=["Nombre", "Correo", "País"])
    assert imports.parse(data)[0]["country"] == "Perú"


@pytest.mark.parametrize("text,code", [
    ("SN", "SN"), ("sn", "SN"), ("Senegal", "SN"), ("Sénégal", "SN"), ("Côte d'Ivoire", "CI"),
    ("Cote d Ivoire", "CI"), ("Ivory Coast", "CI"), ("Estados Unidos", "US"), ("Perú", "PE"),
    ("DR Congo", "CD"), ("République démocratique du Congo", "CD"), ("Viet Nam", "VN"),
    ("Myanmar", "MM"), ("Atlantis", None), ("XX", None), ("", None),
])
def test_country_from_code_or_name_in_three_languages(app, text, code):
    with app.app_context():
        assert imports.country_code(text) == code


@pytest.mark.parametrize("data,code", [
    (b"", "empty"), (b"name,e-mail,country\n", "empty"),
    (b"nom;pays\nAwa;SN\n", "missing_columns"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "not_text"),   # issue 17: a Latin-1
    (b"\xef\xbb\xbfname\n\xff\xfe\n", "not_text"),                  # CSV is read now
    (b"name,e-mail\nAwa,a@example.org\n\0\0\0", "not_text"),
    (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "old_excel"),
    (b"PK\x03\x04 not really a zip", "unreadable"),
    (b"x" * (imports.MAX_BYTES + 1), "too_big"),
    (csv_bytes([["P %d" % i, "p%d@example.org" % i, "SN", "", "", ""]
                for i in range(imports.MAX_ROWS + 1)]), "too_many_rows"),
])
def test_files_that_cannot_be_read(data, code):
    with pytest.raises(imports.FileProblem) as raised:
        imports.parse(data)
    assert raised.value.code == code


def test_zip_bomb_is_refused_before_openpyxl_opens_it():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\0" * (imports.MAX_UNZIPPED + 1))
    assert len(out.getvalue()) < imports.MAX_BYTES
    with pytest.raises(imports.FileProblem) as raised:
        imports.parse(out.getvalue())
    assert raised.value.code == "too_big"


def test_hostile_cells_are_cleaned_or_flagged(app, make_course):
    rows = [["\u202eevil\u202c Name\x07", "ok@example.org", "SN", "=HYPERLINK(x)", "", ""],
            ["Long", "long@example.org", "SN", "o" * 5000, "", ""],
            ["+cmd", "plus@example.org", "SN", "", "", ""]]
    parsed = imports.parse(csv_bytes(rows))
    assert parsed[0]["name"] == "evil Name"
    assert len(parsed[1]["organization"]) == imports.MAX_CELL + 1
    course_id = make_course()
    with app.app_context():
        from portal.courses.models import Course
        checked = imports.check(db.session.get(Course, course_id), parsed)
    assert [p["code"] for p in checked[0].problems] == ["formula"]
    assert [p["code"] for p in checked[1].problems] == ["too_long"]
    assert [p["code"] for p in checked[2].problems] == ["formula"]


def test_a_formula_cell_of_a_workbook_is_flagged_not_evaluated(app, make_course):
    parsed = imports.parse(xlsx_bytes([["=1+1", "f@example.org", "SN", "", "", ""]]))
    assert parsed[0]["name"] == "=1+1"
    course_id = make_course()
    with app.app_context():
        from portal.courses.models import Course
        checked = imports.check(db.session.get(Course, course_id), parsed)
    assert checked[0].problems == [{"code": "formula", "field": "name"}]


# ---------------------------------------------------------------- the preview


PROBLEM_ROWS = [
    ["", "noname@example.org", "SN", "", "", "fr"],                       # missing name
    ["Bad Mail", "not-an-address", "SN", "", "", "fr"],                   # bad e-mail
    ["No Mail", "", "SN", "", "", "fr"],                                  # missing e-mail
    ["Nowhere", "nowhere@example.org", "Atlantis", "", "", "fr"],         # unknown country
    ["No Country", "nocountry@example.org", "", "", "", "fr"],            # missing country
    ["Klingon", "klingon@example.org", "SN", "", "", "tlh"],              # unknown language
    ["First", "ready@example.org", "SN", "", "", "fr"],                   # ready
    ["Twice", "Ready@Example.org", "SN", "", "", "fr"],                   # duplicate of line 8
    ["Enrolled", "enrolled@example.org", "SN", "", "", "en"],             # already enrolled
    ["Staff", "staff@example.org", "JP", "", "", "en"],                   # staff account
]
PROBLEM_MESSAGES = {
    "fr": ["Le nom manque.", "Cette adresse électronique n'est pas valide.",
           "L'adresse électronique manque.", "Pays inconnu", "Le pays manque.",
           "Langue inconnue", "La même adresse électronique figure à la ligne 8.",
           "Déjà inscrit à ce cours.", "Cette adresse appartient à un compte du personnel"],
    "es": ["Falta el nombre.", "Esta dirección de correo electrónico no es válida.",
           "Falta la dirección de correo electrónico.", "País desconocido", "Falta el país.",
           "Idioma desconocido", "La misma dirección de correo electrónico figura en la fila 8.",
           "Ya inscrito en este curso.", "Esta dirección pertenece a una cuenta del personal"],
    "en": ["The name is missing.", "This is not a valid e-mail address.",
           "The e-mail address is missing.", "Unknown country", "The country is missing.",
           "Unknown language", "The same e-mail address is on line 8.",
           "Already enrolled in this course.", "This address belongs to a staff account"],
}


@pytest.mark.parametrize("lang,fmt", [("en", "csv"), ("fr", "xlsx"), ("es", "csv")])
def test_preview_lists_every_problem_and_writes_nothing(app, login_as, make_course, make_user,
                                                        enroll, mailbox, lang, fmt):
    import html
    client, coordinator = login_as("coordinator", language=lang)
    course_id = make_course(coordinators=[coordinator.id])
    enroll(course_id, make_user("participant", email="enrolled@example.org").id)
    make_user("instructor", email="staff@example.org")
    data = csv_bytes(PROBLEM_ROWS) if fmt == "csv" else xlsx_bytes(PROBLEM_ROWS)
    url = preview_url(upload(client, course_id, data, "list." + fmt))
    with app.app_context():
        users_before = db.session.scalar(select(func.count()).select_from(User))
    page = html.unescape(client.get(url).get_data(as_text=True))
    for message in PROBLEM_MESSAGES[lang]:
        assert message in page, message
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == users_before
        assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 1
    assert mailbox.messages == []
    only = client.get(url + "?problems=1").get_data(as_text=True)
    assert "First" not in only and "Twice" in only and "not-an-address" in only


def test_confirm_creates_accounts_and_invites_each_in_their_language(app, login_as, make_course,
                                                                     make_user, mailbox):
    client, coordinator = login_as("coordinator")
    course_id = make_course(coordinators=[coordinator.id], languages=["fr", "en"],
                            title={"en": "Fishery management", "fr": "Gestion des pêches",
                                   "es": "Gestión pesquera"})
    existing = make_user("participant", email="grace@example.org", language="en")
    url = preview_url(upload(client, course_id, xlsx_bytes(GOOD), "list.xlsx"))
    response = confirm(client, url)
    assert response.status_code == 302
    flashed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 people enrolled. 2 new accounts invited." in flashed
    with app.app_context():
        aminata = db.session.execute(select(User).where(User.email == "aminata@example.org")
                                     ).scalar_one()
        assert (aminata.language, aminata.country, aminata.organization, aminata.role) == (
            "fr", "SN", "Ministère des Pêches", "participant")
        assert aminata.password_hash is None
        carlos = db.session.execute(select(User).where(User.email == "carlos@example.org")
                                    ).scalar_one()
        assert (carlos.language, carlos.country) == ("es", "BO")
        states = db.session.execute(select(Enrollment.user_id, Enrollment.status).where(
            Enrollment.course_id == course_id)).all()
        assert sorted(states) == sorted([(aminata.id, "nominated"), (carlos.id, "nominated"),
                                         (existing.id, "nominated")])
        assert db.session.scalar(select(func.count()).select_from(User)) == 4
    # New accounts: an invitation and the course, in their language; existing: the course only.
    subjects = {m["To"]: [] for m in mailbox.messages}
    for m in mailbox.messages:
        subjects[m["To"]].append(m["Subject"])
    assert "Votre invitation" in " ".join(subjects["aminata@example.org"])
    assert "Gestion des pêches" in " ".join(subjects["aminata@example.org"])
    assert "Su invitación" in " ".join(subjects["carlos@example.org"])
    assert "Gestión pesquera" in " ".join(subjects["carlos@example.org"])
    assert subjects["grace@example.org"] == [
        "You are nominated for the course Fishery management"]
    link = mailbox.last_link("grace@example.org")
    assert link.endswith("/courses/%d" % course_id)
    # The invitation works: Aminata sets a password and sees her course.
    invitation = [m for m in mailbox.to("aminata@example.org") if "invitation" in m["Subject"]]
    token_link = re.findall(r"https?://\S+", invitation[0].get_content())[-1]
    assert "/invitation/" in token_link or "invit" in token_link


def test_importing_the_same_file_again_enrolls_nobody_twice(app, login_as, make_course,
                                                            mailbox):
    client, coordinator = login_as("coordinator")
    course_id = make_course(coordinators=[coordinator.id])
    data = csv_bytes(GOOD, sep=";", bom=True)
    first = preview_url(upload(client, course_id, data))
    assert confirm(client, first).status_code == 302
    sent = len(mailbox.messages)
    # Confirming the same preview twice does nothing more.
    again = confirm(client, first)
    assert again.status_code == 303
    # Uploading the same file: everybody is already enrolled, nothing to confirm.
    second = preview_url(upload(client, course_id, data))
    page = client.get(second).get_data(as_text=True)
    assert "3 people already enrolled" in page and "0 rows ready to enroll" in page
    confirm(client, second)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 3
        assert db.session.scalar(select(func.count()).select_from(User)) == 4
    assert len(mailbox.messages) == sent


def test_fix_and_upload_again_enrolls_the_fixed_rows(app, login_as, make_course, mailbox):
    client, coordinator = login_as("coordinator")
    course_id = make_course(coordinators=[coordinator.id])
    broken = GOOD[:2] + [["Grace Wanjiru", "grace(at)example.org", "Kenya", "", "", ""]]
    url = preview_url(upload(client, course_id, csv_bytes(broken)))
    assert "1 row with problems (skipped)" in client.get(url).get_data(as_text=True)
    confirm(client, url)
    fixed = preview_url(upload(client, course_id, csv_bytes(GOOD)))
    page = client.get(fixed).get_data(as_text=True)
    assert "1 row ready to enroll" in page and "2 people already enrolled" in page
    confirm(client, fixed)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 3


def test_bad_file_rerenders_the_form_with_a_translated_message(app, login_as, make_course):
    client, coordinator = login_as("coordinator", language="es")
    course_id = make_course(coordinators=[coordinator.id])
    response = upload(client, course_id, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    assert response.status_code == 400
    assert "El archivo no se pudo leer como texto" in response.get_data(as_text=True)
    url = "/courses/%d/import" % course_id
    response = client.submit(url, {}, page=url)
    assert response.status_code == 400
    assert "Elija un archivo para enviar." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EnrollmentImport)) == 0


def test_preview_of_another_course_is_not_found(app, login_as, make_course):
    client, coordinator = login_as("coordinator")
    mine = make_course(coordinators=[coordinator.id])
    also_mine = make_course(coordinators=[coordinator.id])
    url = preview_url(upload(client, mine, csv_bytes(GOOD)))
    import_id = int(url.rsplit("/", 1)[1])
    assert client.get("/courses/%d/import/%d" % (also_mine, import_id)).status_code == 404
    other, _ = login_as("coordinator")
    assert other.get(url).status_code == 404
    assert other.post(url + "/confirm", data={
        "csrf_token": other.csrf_token("/courses")}).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 0
