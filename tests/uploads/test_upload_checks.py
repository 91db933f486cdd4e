"""Names, types by content, sizes and archives, and what plays inline (portal.uploads.checks: pure,
no Flask)."""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile

import pytest
from hypothesis import assume, given, settings, strategies as st

from portal.uploads.checks import (
    HEAD_SIZE,
    UploadPolicy,
    UploadRefused,
    check_archive,
    check_declared,
    check_upload,
    clean_filename,
    extension,
    playable_inline,
    sniff,
)

MiB = 1024 * 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCUMENTS = UploadPolicy(frozenset({"application/pdf", DOCX, "text/plain", "text/csv"}), 40 * MiB,
                         max_archive_entries=50, max_archive_unpacked=5 * MiB)
SUBTITLES = UploadPolicy(frozenset({"text/vtt", "application/x-subrip"}), MiB)
VIDEOS = UploadPolicy(frozenset({"video/mp4", "video/webm"}), 5 * 1024 * MiB)
BAD_CHARS = set("/\\\x00") | {chr(c) for c in range(32)} | {"\x7f", "\u2028", "\u2029"} | {
    chr(c) for c in [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]}


def zip_bytes(entries: dict[str, bytes], prefix: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    buffer.write(prefix)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX_BYTES = zip_bytes({"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<r/>",
                        "word/document.xml": b"<w:document/>" * 100})


# -- names ---------------------------------------------------------------------------------------
@given(st.text(max_size=400))
@settings(max_examples=500)
def test_clean_filename_properties(name):
    clean = clean_filename(name)
    assert clean and not clean.startswith((".", " ")) and not clean.endswith(" ")
    assert not set(clean) & BAD_CHARS
    assert len(clean) <= 120 and len(clean.encode("utf-8")) <= 255
    assert clean == unicodedata.normalize("NFC", clean)
    assert clean_filename(clean) == clean  # idempotent


@given(st.text(st.characters(categories=["L", "M", "N"]), min_size=1, max_size=60),
       st.sampled_from([".pdf", ".docx", ".mp4", ".vtt"]))
def test_clean_filename_keeps_letters_of_any_script(stem, ext):
    assume(not re.fullmatch(r"(?i)(con|prn|aux|nul|com[1-9]|lpt[1-9])", stem))  # see below
    name = unicodedata.normalize("NFC", stem) + ext
    assert clean_filename(name) == name


@pytest.mark.parametrize("name, clean", [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\Ana\\Informe de país.docx", "Informe de país.docx"),
    ("Rapport\u202egpj.exe", "Rapportgpj.exe"),
    ("evil\u2066.pdf\u2069.exe", "evil.pdf.exe"),
    ("..\x00.hidden.txt", "hidden.txt"),
    ("  tabs\tand\nnewlines  .pdf", "tabsandnewlines.pdf"),
    ("a  b\u00a0c.pdf", "a b c.pdf"),
    ("CON.txt", "_CON.txt"), ("nul", "_nul"),
    ('what?<>:"|*.csv', "what_______.csv"),
    ("...", "file"), ("", "file"), ("/", "file"), (".pdf", "pdf"),
    ("e\u0301te\u0301.vtt", "été.vtt"),
    ("تقرير.pdf", "تقرير.pdf"), ("план действий.docx", "план действий.docx"),
    ("行動計画 (案).pdf", "行動計画 (案).pdf"),
    ("می\u200cخواهم.txt", "می\u200cخواهم.txt"),  # ZWNJ is part of Persian spelling: kept
])
def test_clean_filename_examples(name, clean):
    assert clean_filename(name) == clean


def test_clean_filename_caps_length_keeping_the_extension():
    assert clean_filename("a" * 500 + ".pdf") == "a" * 116 + ".pdf"
    long_japanese = clean_filename("報" * 200 + ".pdf")
    assert long_japanese.endswith(".pdf") and len(long_japanese.encode()) <= 255
    accented = clean_filename("e\u0301" * 200 + ".txt")  # NFC makes it "é" * 200
    assert accented == "é" * 116 + ".txt"


def test_extension():
    assert extension("Report.PDF") == ".pdf"
    assert extension("archive.tar.gz") == ".gz"
    assert extension("README") == "" and extension("pdf") == ""


# -- sniffing ------------------------------------------------------------------------------------
@pytest.mark.parametrize("head, mime", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
    (b"\r\n\r\n%PDF-1.4 junk first", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, "image/png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
    (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41", "video/mp4"),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
     b"\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02", "video/webm"),
    (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
    (DOCX_BYTES[:HEAD_SIZE], DOCX),
    (zip_bytes({"a.txt": b"x"}), "application/zip"),
    (b"MZ\x90\x00\x03\x00\x00\x00", "application/x-msdownload"),
    (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 60, "application/x-executable"),
    (b"WEBVTT\n\n00:00.000 --> 00:02.000\nHello", "text/vtt"),
    (b"\xef\xbb\xbfWEBVTT - Lecture 1\r\n", "text/vtt"),
    (b"WEBVTTX", "text/plain"),
    (b"1\r\n00:00:01,000 --> 00:00:04,200\r\nBonjour\r\n", "application/x-subrip"),
    (b"\xef\xbb\xbf1\n00:00:01.000 --> 00:00:04.200\n", "application/x-subrip"),
    (b"name,country,course\nAna,Peru,Disaster risk\nJo,Ghana,Health\n", "text/csv"),
    ("nom;pays\nRené;Bénin\nÉlise;Sénégal\n".encode("cp1252"), "text/csv"),
    ("name\tcountry\r\nAna\tPeru\r\n".encode("utf-16"), "text/csv"),
    (b"just some notes\nabout the course\n", "text/plain"),
    ("Rapport d'activité — résumé".encode(), "text/plain"),
    ("作業報告".encode()[:-1], "text/plain"),  # a character cut at the end of the head
    (b"  <!DOCTYPE html><html><body>", "text/html"),
    (b"<html>", "text/html"), (b"<script>alert(1)</script>", "text/html"),
    (b"<p onclick=x>", "text/html"), (b"<!-- comment -->", "text/html"),
    (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "image/svg+xml"),
    (b"<?xml version='1.0'?>\n<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
    (b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'>",
     "application/xhtml+xml"),
    (b"<?xml version='1.0'?><data/>", "application/xml"),
    (b"\xef\xbb\xbf<html>", "text/html"),
    (b"{\\rtf1\\ansi", "application/rtf"),
    (b"\x00\x01\x02\x03binary", "application/octet-stream"),
    (bytes(range(1, 32)) * 10, "application/octet-stream"),
])
def test_sniff(head, mime):
    assert sniff(head) == mime


# -- checks ----------------------------------------------------------------------------------------
def refused(func, *args) -> UploadRefused:
    with pytest.raises(UploadRefused) as info:
        func(*args)
    return info.value


def test_check_declared_before_any_byte():
    assert check_declared("../Rapport.pdf", 10, DOCUMENTS) == "Rapport.pdf"
    assert refused(check_declared, "a.pdf", 0, DOCUMENTS).code == "empty"
    too_large = refused(check_declared, "a.pdf", 40 * MiB + 1, DOCUMENTS)
    assert (too_large.code, too_large.params) == ("too_large",
                                                  {"size": 40 * MiB + 1, "limit": 40 * MiB})
    wrong = refused(check_declared, "a.exe", 10, DOCUMENTS)
    assert wrong.code == "type_not_allowed"
    assert wrong.params == {"extension": ".exe", "allowed": ".csv, .docx, .log, .md, .pdf, "
                                                            ".text, .txt"}
    assert refused(check_declared, "noext", 10, DOCUMENTS).params["extension"] == ""


@pytest.mark.parametrize("name, head, policy, result", [
    ("report.pdf", b"%PDF-1.5\n", DOCUMENTS, "application/pdf"),
    ("Report.PDF", b"%PDF-1.5\n", DOCUMENTS, "application/pdf"),
    ("notes.txt", b"hello", DOCUMENTS, "text/plain"),
    ("one-column.csv", b"name\nAna\n", DOCUMENTS, "text/csv"),
    ("table.txt", b"a,b\n1,2\n", DOCUMENTS, "text/plain"),
    ("plan.docx", DOCX_BYTES[:HEAD_SIZE], DOCUMENTS, DOCX),
    ("fr.vtt", b"WEBVTT\n", SUBTITLES, "text/vtt"),
    ("es.srt", b"1\n00:00:01,000 --> 00:00:02,000\nHola\n", SUBTITLES, "application/x-subrip"),
    ("talk.mp4", b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41", VIDEOS,
     "video/mp4"),
])
def test_check_upload_accepts(name, head, policy, result):
    assert check_upload(name, head, 1000, policy) == result


@pytest.mark.parametrize("name, head, policy, code, params", [
    ("report.pdf", b"", DOCUMENTS, "empty", {}),
    ("report.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, DOCUMENTS, "extension_mismatch",
     {"extension": ".pdf", "detected": ".png"}),
    ("report.pdf", b"<html><script>", DOCUMENTS, "extension_mismatch",
     {"extension": ".pdf", "detected": ".html"}),
    ("report.pdf", b"MZ\x90\x00\x03\x00", DOCUMENTS, "extension_mismatch",
     {"extension": ".pdf", "detected": ".exe"}),
    ("notes.txt", b"<!DOCTYPE html>", DOCUMENTS, "extension_mismatch",
     {"extension": ".txt", "detected": ".html"}),
    ("fr.vtt", b"not a subtitle", SUBTITLES, "extension_mismatch",
     {"extension": ".vtt", "detected": ".txt"}),
    ("report.pdf", b"\x00\x01\x02\x03", DOCUMENTS, "type_unknown",
     {"allowed": ".csv, .docx, .log, .md, .pdf, .text, .txt"}),
    ("talk.mp4", b"\x1a\x45\xdf\xa3\x01\x00\x00\x00\x00\x00\x00\x1f\x42\x86\x81\x01\x42\x82"
                 b"\x88matroska", VIDEOS, "extension_mismatch",
     {"extension": ".mp4", "detected": ".mkv"}),
])
def test_check_upload_refuses(name, head, policy, code, params):
    error = refused(check_upload, name, head, 1000, policy)
    assert (error.code, error.params) == (code, params)


def test_policies_never_accept_dangerous_types():
    for mime in ("text/html", "image/svg+xml", "application/x-msdownload"):
        with pytest.raises(ValueError):
            UploadPolicy(frozenset({mime}), MiB)
    with pytest.raises(ValueError):
        UploadPolicy(frozenset({"application/x-unknown"}), MiB)


# -- archives ------------------------------------------------------------------------------------
def archive_check(data: bytes, policy=DOCUMENTS) -> int:
    return check_archive(io.BytesIO(data), len(data), policy)


def test_archive_within_bounds():
    assert archive_check(DOCX_BYTES) == 3


def test_archive_with_data_before_it():
    data = zip_bytes({"a": b"1", "b": b"2"}, prefix=b"MZ self-extractor stub" * 100)
    assert archive_check(data) == 2


def test_archive_too_many_entries():
    data = zip_bytes({"f%03d" % i: b"" for i in range(51)})
    error = refused(archive_check, data)
    assert (error.code, error.params) == ("archive_too_many_entries", {"entries": 51, "limit": 50})


def test_archive_bomb_refused_from_its_directory():
    data = zip_bytes({"zeros.bin": b"\0" * (6 * MiB)})
    assert len(data) < 10_000
    error = refused(archive_check, data)
    assert error.code == "archive_too_large" and error.params["limit"] == 5 * MiB


def test_zip64_archive_is_read():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, \
            archive.open("big.bin", "w", force_zip64=True) as member:
        member.write(b"x" * 1000)
    policy = UploadPolicy(frozenset({"application/zip"}), MiB, max_archive_unpacked=999)
    error = refused(archive_check, buffer.getvalue(), policy)
    assert error.code == "archive_too_large" and error.params["size"] == 1000


@pytest.mark.slow
def test_zip64_end_record_with_many_entries():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(70_000):
            archive.writestr("%05d" % i, b"")
    policy = UploadPolicy(frozenset({"application/zip"}), MiB)
    error = refused(archive_check, buffer.getvalue(), policy)
    assert error.params == {"entries": 70_000, "limit": 10_000}


@pytest.mark.parametrize("data", [b"PK\x03\x04 truncated", b"not a zip at all" * 10,
                                  zip_bytes({"a": b"1"})[:-10]],
                         ids=["truncated", "not-a-zip", "cut-end-record"])
def test_broken_archive(data):
    assert refused(archive_check, data).code == "archive_invalid"


@pytest.mark.parametrize("content_type, inline", [
    ("video/mp4", True), ("audio/mpeg", True), ("text/vtt", True), ("image/png", True),
    ("image/svg+xml", False), ("application/pdf", False), ("text/html", False),
    ("text/plain", False)])
def test_playable_inline(content_type, inline):
    assert playable_inline(content_type) is inline
