"""portal.text.decode_text: the bytes of files made by real tools, read back with what was
assumed (the encoding, and whether it is a guess)."""
import codecs

import pytest

from portal.text import decode_text, encoding_name

FR = ("1\r\n00:00:01,000 --> 00:00:04,000\r\nLa gestion des déchets commence à la maison.\r\n"
      "\r\n2\r\n00:00:05,000 --> 00:00:08,000\r\nÇa coûte cher, n’est-ce pas ? 5 €\r\n")
ES = "1\r\n00:00:01,000 --> 00:00:04,000\r\nLa gestión de residuos empieza en casa, señor.\r\n"
JA = "1\r\n00:00:01,000 --> 00:00:04,000\r\n廃棄物の管理は家庭から始まります。\r\n"


@pytest.mark.parametrize("data, encoding", [
    (FR.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + FR.encode("utf-8"), "utf-8"),                  # Notepad's "UTF-8"
    (FR.encode("utf-16"), "utf-16-le"),                                # Excel "Unicode text"
    (codecs.BOM_UTF16_BE + FR.encode("utf-16-be"), "utf-16-be"),
    (codecs.BOM_UTF32_LE + ES.encode("utf-32-le"), "utf-32-le"),
    (b"plain ASCII", "utf-8"),
])
def test_marked_or_valid_unicode_is_certain(data, encoding):
    decoded = decode_text(data)
    assert decoded.encoding == encoding and decoded.confident
    assert decoded.text in (FR, ES, "plain ASCII")  # the byte order mark removed


@pytest.mark.parametrize("text", [FR, ES, "Les déchets\n"])
@pytest.mark.parametrize("legacy", ["cp1252", "latin-1"])
def test_windows_western_text_is_read_as_windows_1252(text, legacy):
    try:
        data = text.encode(legacy)
    except UnicodeEncodeError:
        return  # Latin-1 has no € nor ’
    decoded = decode_text(data)
    assert decoded.text == text
    assert decoded.encoding == "cp1252"
    assert encoding_name(decoded.encoding) == "Windows-1252 (Western European)"


@pytest.mark.parametrize("text", [FR, ES])
def test_a_reading_among_others_as_plausible_is_a_guess(text):
    # Central European Windows-1250 reads these bytes as well, with other letters (à, ñ).
    assert not decode_text(text.encode("cp1252")).confident


def test_japanese_shift_jis():
    decoded = decode_text(JA.encode("shift_jis"))
    assert decoded.text == JA and decoded.encoding in ("shift_jis", "cp932")


def test_names_people_know():
    assert [encoding_name(e) for e in ("utf-16-le", "utf-8", "cp1252", "latin_1")] == [
        "UTF-16 (Unicode)", "UTF-8", "Windows-1252 (Western European)",
        "ISO-8859-1 (Latin-1, Western European)"]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark(codec):
    # Excel's "Unicode text" as some tools write it: no BOM, told by its zero bytes.
    decoded = decode_text(FR.encode(codec))
    assert (decoded.text, decoded.encoding, decoded.confident) == (FR, codec, True)


def test_strict_refuses_what_nothing_reads_cleanly():
    from portal.text import Undecodable
    with pytest.raises(Undecodable):
        decode_text(b"\xef\xbb\xbf\xff\xfe broken after a UTF-8 BOM", strict=True)
    assert "\ufffd" in decode_text(b"\xef\xbb\xbf\xff\xfe broken", strict=False).text
