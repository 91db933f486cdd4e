"""Exports (portal/exports.py): every table the portal exports comes as CSV and as XLSX; the CSV
takes the reader's list separator and a BOM, the XLSX has a bold frozen header, real numbers and
dates, and text that is never a formula. Files are read back with csv and openpyxl."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from portal.exports import Sheet, csv_text, separator, xlsx_bytes

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA = '=HYPERLINK("http://evil.example/","x")'


def _sheets():
    return [Sheet("Résultats: année 1/2 [brouillon]", ["Nom", "Moyenne", "Jour", "Quand"], [
        [FORMULA, 4.0, date(2027, 1, 30), datetime(2027, 1, 30, 14, 59, tzinfo=UTC)],
        ["Nguyễn\x07 Thị", 3.25, None, datetime(2027, 2, 1, 8, 0)]]),
        Sheet("Réponses", ["Question", "Réponse"], [["Q", "-2 points"]])]


def _read_csv(text: str, delimiter: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def test_the_separator_follows_the_locales_decimal_symbol():
    assert (separator("en"), separator("fr"), separator("es")) == (",", ";", ";")


@pytest.mark.parametrize("lang, sep, decimal", [("en", ",", "4.00"), ("fr", ";", "4,00"),
                                                ("es", ";", "4,00")])
def test_csv_reads_back_in_columns(lang, sep, decimal):
    rows = _read_csv(csv_text(_sheets(), lang), sep)
    assert rows[0] == ["Nom", "Moyenne", "Jour", "Quand"]
    assert rows[1] == ["'" + FORMULA, decimal, "2027-01-30", "2027-01-30T14:59:00Z"]
    assert rows[2][2:] == ["", "2027-02-01 08:00"]
    assert rows[3] == [] and rows[4] == ["Question", "Réponse"]
    assert rows[5] == ["Q", "'-2 points"]
    assert _read_csv(csv_text(_sheets(), lang, ","), ",")[1][1] == decimal  # a chosen one


def test_xlsx_has_a_bold_frozen_header_real_values_and_no_formula():
    book = load_workbook(io.BytesIO(xlsx_bytes(_sheets())))
    assert book.sheetnames == ["Résultats  année 1 2  brouillon", "Réponses"]
    ws = book.worksheets[0]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == ["Nom", "Moyenne", "Jour", "Quand"]
    assert all(c.font.bold for c in ws[1]) and not ws["A2"].font.bold
    assert ws["A2"].value == FORMULA and ws["A2"].data_type == "s"  # text, shown as typed
    assert ws["B2"].value == 4.0 and ws["B2"].number_format == "0.00"
    assert ws["C2"].value == datetime(2027, 1, 30) and ws["C2"].is_date
    assert ws["C2"].number_format == "yyyy-mm-dd"
    assert ws["D2"].value == datetime(2027, 1, 30, 14, 59)  # UTC: Excel has no zones
    assert ws["A3"].value == "Nguyễn Thị"   # a control character XML cannot hold is dropped
    assert ws["C3"].value is None
    assert book.worksheets[1]["B2"].value == "-2 points"
    assert ws.column_dimensions["A"].width > ws.column_dimensions["C"].width


def test_every_csv_export_has_its_xlsx_twin(app):
    """One endpoint answers both: the .xlsx URL beside each .csv one."""
    rules = {}
    for rule in app.url_map.iter_rules():
        for fmt in ("csv", "xlsx"):
            if rule.rule.endswith("." + fmt):
                rules.setdefault(rule.endpoint, set()).add(rule.rule[:-len(fmt)])
    assert len(rules) >= 7, sorted(rules)
    for endpoint, stems in rules.items():
        assert len(stems) == 1, endpoint
        stem = stems.pop()
        assert {r.rule for r in app.url_map.iter_rules(endpoint)} >= {stem + "csv",
                                                                      stem + "xlsx"}, endpoint
        # A link made without a format (older templates, mail) is the CSV.
        from flask import url_for
        with app.test_request_context():
            ids = {name: 1 for name in next(app.url_map.iter_rules(endpoint)).arguments
                   if name != "fmt"}
            assert url_for(endpoint, **ids).endswith(".csv"), endpoint
            assert url_for(endpoint, fmt="xlsx", **ids).endswith(".xlsx"), endpoint


@pytest.mark.parametrize("lang, sep", [("en", ","), ("fr", ";"), ("es", ";")])
def test_statistics_download_in_the_readers_locale(app, client, lang, sep):
    headers = {"Accept-Language": lang}
    response = client.get("/statistics.csv?table=years", headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = _read_csv(response.get_data(as_text=True), sep)
    assert len(rows[0]) == 3
    response = client.get("/statistics.xlsx?table=years", headers=headers)
    assert response.status_code == 200 and response.mimetype == XLSX_TYPE
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="courses-and-participants-by-year.xlsx"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    ws = load_workbook(io.BytesIO(response.get_data())).active
    assert [c.value for c in ws[1]] == rows[0]
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold
    assert client.get("/statistics.csv?table=years&sep=comma", headers=headers) \
        .get_data(as_text=True).splitlines()[0].count(",") == 2


def test_audit_export_as_xlsx_keeps_times_as_dates(app, client, auth, make_user):
    admin = make_user("admin")
    target = make_user("participant", name=FORMULA)
    from portal import audit
    from portal.auth.models import User
    from portal.extensions import db
    with app.app_context():
        audit.record("user.deactivate", db.session.get(User, target.id),
                     actor=db.session.get(User, admin.id), email="=1+2")
        db.session.commit()
    auth.login(admin.email)
    response = client.get("/admin/audit.xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX_TYPE
    ws = load_workbook(io.BytesIO(response.get_data())).active
    header = [c.value for c in ws[1]]
    assert header[:3] == ["id", "at_utc", "actor_id"]
    row = [c.value for c in ws[2]]
    assert isinstance(row[1], datetime) and abs(
        (row[1] - datetime.now(UTC).replace(tzinfo=None)).total_seconds()) < 600
    assert row[4] == "user.deactivate" and row[8] == '{"email": "=1+2"}'
    assert ws["I2"].data_type == "s"
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "/admin/audit.xlsx" in html
