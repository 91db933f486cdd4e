"""Nomination lists as embassies send them (issue 17): workbooks with a merged title row, blank
rows and a two-row merged header; CSV saved by French Excel (cp1252, semicolons), by Excel's
"Unicode text" (UTF-16, tabs) or in Latin-1; UN and ISO country names; a language the portal
does not offer; 2,000 nominees whatever the blank rows around them."""
import html
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.courses import imports
from portal.courses.models import Enrollment
from portal.extensions import db

from .test_courses_import import confirm, preview_url, upload


def embassy_workbook(nominees, sheets=1) -> bytes:
    """Made as a person makes it in Excel: a title merged across the table, a blank row, the
    column names on two rows ("Nominee" over first and last name, "E-mail" over "Official" and
    "Personal", "Country" and the others merged down both rows), numbered lines, a blank line
    between two nominees, and an empty numbered line at the end."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Nominations"
    sheet["A1"] = "Nomination list — Fisheries management 2026"
    sheet.merge_cells("A1:H1")
    for cell, text, merged in (("A3", "No.", "A3:A4"), ("B3", "Nominee", "B3:C3"),
                               ("D3", "E-mail", "D3:E3"), ("F3", "Country", "F3:F4"),
                               ("G3", "Preferred language", "G3:G4"),
                               ("H3", "Organization", "H3:H4")):
        sheet[cell] = text
        sheet.merge_cells(merged)
    sheet["B4"], sheet["C4"], sheet["D4"], sheet["E4"] = (
        "First name", "Last name", "Official", "Personal")
    for number, (first, last, email, country, language) in enumerate(nominees, start=1):
        sheet.append([number, first, last, email, "", country, language, "Ministry"])
        if number == 1:
            sheet.append([])         # a blank separator row
    sheet.append([len(nominees) + 1])  # a numbered line left empty
    for n in range(1, sheets):
        book.create_sheet("Instructions %d" % n)["A1"] = "Fill in one nominee per line."
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


NOMINEES = [
    ("Aminata", "Diallo", "aminata@example.org", "Sénégal", "Français"),
    ("Carlos", "Mendoza", "carlos@example.org", "Bolivia (Plurinational State of)", "Spanish"),
    ("Nguyễn", "Thị Lan", "lan@example.org", "Viet Nam", "Vietnamese"),
    ("Neema", "Mushi", "neema@example.org", "Tanzania, United Republic of", ""),
]


def test_a_workbook_with_title_blank_rows_and_a_two_row_merged_header():
    parsed = imports.read(embassy_workbook(NOMINEES, sheets=2))
    assert [(r["line"], r["name"], r["email"], r["country"], r["language"])
            for r in parsed.rows] == [
        (5, "Aminata Diallo", "aminata@example.org", "Sénégal", "Français"),
        (7, "Carlos Mendoza", "carlos@example.org", "Bolivia (Plurinational State of)",
         "Spanish"),
        (8, "Nguyễn Thị Lan", "lan@example.org", "Viet Nam", "Vietnamese"),
        (9, "Neema Mushi", "neema@example.org", "Tanzania, United Republic of", "")]
    assert parsed.reading == {"format": "xlsx", "sheet": "Nominations", "sheets": 2,
                              "header": [3, 4]}


def test_a_country_merged_down_over_its_nominees_counts_for_each():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Name", "E-mail", "Country"])
    sheet.append(["Awa Ndiaye", "awa@example.org", "Senegal"])
    sheet.append(["Moussa Fall", "moussa@example.org", None])
    sheet.merge_cells("C2:C3")
    out = io.BytesIO()
    book.save(out)
    assert [r["country"] for r in imports.parse(out.getvalue())] == ["Senegal", "Senegal"]


FRENCH_EXCEL_CSV = (
    "Liste des candidats proposés;;;;\r\n"
    ";;;;\r\n"
    "Nom;Prénom;Courriel;Pays;Organisation\r\n"
    "Diallo;Aminata;aminata@example.org;Sénégal;Ministère des Pêches – Direction\r\n"
    ";;;;\r\n"
    "Façon;Élodie;elodie@example.org;Côte d’Ivoire;Société « Œuvre »\r\n"
    "Touré;Ibrahim;ibrahim@example.org;Iran (République islamique d');\r\n")


@pytest.mark.parametrize("data,encoding,delimiter", [
    (FRENCH_EXCEL_CSV.encode("cp1252"), "cp1252", ";"),
    (FRENCH_EXCEL_CSV.replace(";", "\t").encode("utf-16"), "utf-16", "\t"),   # "Unicode text"
    (FRENCH_EXCEL_CSV.replace(";", "\t").encode("utf-16-le"), "utf-16", "\t"),
    (b"\xef\xbb\xbf" + FRENCH_EXCEL_CSV.replace(";", ",").encode("utf-8"), "utf-8-sig", ","),
    (FRENCH_EXCEL_CSV.encode("utf-8"), "utf-8", ";"),
], ids=["cp1252", "utf16-bom", "utf16-no-bom", "utf8-bom", "utf8"])
def test_csv_in_the_encodings_spreadsheets_save(data, encoding, delimiter):
    parsed = imports.read(data)
    assert parsed.reading == {"format": "csv", "encoding": encoding, "delimiter": delimiter,
                              "header": [3, 3]}
    assert [(r["line"], r["name"], r["country"], r["organization"]) for r in parsed.rows] == [
        (4, "Aminata Diallo", "Sénégal", "Ministère des Pêches – Direction"),
        (6, "Élodie Façon", "Côte d’Ivoire", "Société « Œuvre »"),
        (7, "Ibrahim Touré", "Iran (République islamique d')", "")]


def test_a_latin1_csv_is_read_as_western_european():
    parsed = imports.read("nombre,correo,país\nJosé Peña,jose@example.org,Perú\n"
                          "María Núñez,maria@example.org,España\n".encode("latin-1"))
    assert parsed.reading["encoding"] in ("cp1252", "latin_1")
    assert [r["name"] for r in parsed.rows] == ["José Peña", "María Núñez"]


@pytest.mark.parametrize("text,code", [
    ("Bolivia (Plurinational State of)", "BO"), ("Bolivia, Plurinational State of", "BO"),
    ("Bolivie (État plurinational de)", "BO"), ("Estado Plurinacional de Bolivia", "BO"),
    ("Tanzania, United Republic of", "TZ"), ("United Republic of Tanzania", "TZ"),
    ("République-Unie de Tanzanie", "TZ"), ("Iran (Islamic Republic of)", "IR"),
    ("Irán (República Islámica del)", "IR"), ("Venezuela (Bolivarian Republic of)", "VE"),
    ("Venezuela, República Bolivariana de", "VE"), ("Republic of Moldova", "MD"),
    ("Moldova, Republic of", "MD"), ("Moldavie", "MD"), ("Côte d’Ivoire", "CI"),
    ("COTE D'IVOIRE", "CI"), ("Côte-d'Ivoire", "CI"), ("Costa de Marfil", "CI"),
    ("Republic of Côte d'Ivoire", "CI"), ("Lao People's Democratic Republic", "LA"),
    ("Gambia, The", "GM"), ("The Gambia", "GM"), ("TZA", "TZ"), ("Viet Nam", "VN"),
    ("Micronesia (Federated States of)", "FM"), ("Korea, Republic of", "KR"),
    ("Democratic Republic of the Congo", "CD"), ("Congo, The Democratic Republic of the",
                                                 "CD"),
    ("Korea", None), ("Virgin Islands", None), ("Lesotho", "LS"), ("Otho", None),
    ("Kosovo", "XK"), ("KOSOVO", "XK"),   # not in ISO 3166-1, but a country of the program
])
def test_official_and_common_country_names(text, code):
    assert imports.country_code(text) == code


def test_two_thousand_nominees_fit_whatever_the_blank_and_title_rows():
    lines = ["Nominees for 2026", "", "name;e-mail;country"]
    for i in range(imports.MAX_ROWS):
        lines.append("P %d;p%d@example.org;SN" % (i, i))
        if i % 10 == 0:
            lines.append(";;")      # blank separators are free
    data = "\r\n".join(lines).encode("cp1252")
    rows = imports.parse(data)
    assert len(rows) == imports.MAX_ROWS and rows[-1]["line"] == len(lines)
    with pytest.raises(imports.FileProblem) as raised:
        imports.parse(data + b"\r\none more;more@example.org;SN")
    assert raised.value.code == "too_many_rows"
    # The numbered but empty lines of a form are not nominees either.
    form = ["Nominees for 2026", "", "No.;name;e-mail;country"]
    form += ["%d;P %d;p%d@example.org;SN" % (i, i, i) for i in range(imports.MAX_ROWS)]
    form += ["%d;;;" % i for i in range(imports.MAX_ROWS, imports.MAX_ROWS + 500)]
    assert len(imports.parse("\r\n".join(form).encode())) == imports.MAX_ROWS


def test_a_file_without_column_names_says_which_are_missing(app):
    with pytest.raises(imports.FileProblem) as raised:
        imports.parse(b"Nominees\n\nAwa;awa@example.org;SN\n")
    assert raised.value.params == {"columns": ["name", "email", "country"]}
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        from portal.domain_errors import explain
        message = explain(raised.value)
    assert message.startswith("Aucune des 20 premières lignes du fichier ne nomme les colonnes."
                              " Manquant : Nom, ")


def test_preview_and_confirm_of_an_embassy_workbook(app, login_as, make_course, mailbox):
    client, coordinator = login_as("coordinator", language="fr")
    course_id = make_course(coordinators=[coordinator.id], languages=["fr", "en"])
    url = preview_url(upload(client, course_id, embassy_workbook(NOMINEES), "liste.xlsx"))
    page = html.unescape(client.get(url).get_data(as_text=True))
    assert "Noms de colonnes lus aux lignes 3 et 4." in page
    assert "Feuille lue : Nominations." in page
    assert "4 lignes prêtes à être inscrites" in page
    assert "vietnamien n'est pas proposé : cette personne utilisera le portail" in page
    # The sheet's own row numbers, not positions in a list.
    assert [int(n) for n in _line_cells(page)] == [5, 7, 8, 9]
    with app.app_context():   # nothing written before the confirmation
        assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 0
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert confirm(client, url).status_code == 302
    with app.app_context():
        people = {u.email: (u.name, u.country, u.language) for u in
                  db.session.execute(select(User).where(User.role == "participant")).scalars()}
    assert people == {
        "aminata@example.org": ("Aminata Diallo", "SN", "fr"),
        "carlos@example.org": ("Carlos Mendoza", "BO", "es"),
        "lan@example.org": ("Nguyễn Thị Lan", "VN", "en"),     # English, not refused
        "neema@example.org": ("Neema Mushi", "TZ", "fr")}       # empty: the course's first
    assert "Your invitation" in " ".join(m["Subject"] for m in mailbox.to("lan@example.org"))


def test_preview_says_which_encoding_was_assumed(app, login_as, make_course):
    client, coordinator = login_as("coordinator", language="es")
    course_id = make_course(coordinators=[coordinator.id])
    url = preview_url(upload(client, course_id, FRENCH_EXCEL_CSV.encode("cp1252")))
    page = html.unescape(client.get(url).get_data(as_text=True))
    assert "Archivo CSV leído como Windows-1252 (Europa occidental), separado por puntos y " \
        "comas." in page
    assert "Esta codificación se ha deducido" in page
    assert "Élodie Façon" in page and "Société « Œuvre »" in page
    assert [int(n) for n in _line_cells(page)] == [4, 6, 7]


def test_unknown_language_is_a_warning_and_the_row_is_enrolled(app, login_as, make_course):
    client, coordinator = login_as("coordinator")
    course_id = make_course(coordinators=[coordinator.id], languages=["fr"])
    data = b"name,e-mail,country,language\nAwa,awa@example.org,SN,Wolof-ish\n"
    url = preview_url(upload(client, course_id, data))
    page = html.unescape(client.get(url).get_data(as_text=True))
    assert "Unknown language: English will be used." in page
    assert "1 row ready to enroll" in page
    assert "Awa" in client.get(url + "?problems=1").get_data(as_text=True)


def _line_cells(page: str) -> list[str]:
    import re
    body = page.split('<table class="table import-rows">', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr class=\"row-[a-z]+\">\s*<td>(\d+)</td>", body)
