import codecs

import pytest

from svidok.common.text import UndecodableText, decode_text
from svidok.forensics.parsing import ResultsFileError, read_results
from svidok.incidents.importing import ImportFileError, read_file
from svidok.sanctions.lists import ListFileError, read_eu_csv, read_ftm

TEXT = "назва,тип\nЗвільнення,dismissal\n"


def test_decode_text_reads_utf8():
    assert decode_text(TEXT.encode("utf-8"), name="a.csv") == TEXT


def test_decode_text_drops_the_byte_order_mark():
    assert decode_text(codecs.BOM_UTF8 + TEXT.encode("utf-8"), name="a.csv") == TEXT


def test_decode_text_of_nothing_is_empty():
    assert decode_text(b"", name="a.csv") == ""


def test_decode_text_bad_byte_names_the_file_line_and_offset():
    data = "title\nCafé\n".encode() + "Café owner\n".encode("latin-1")

    with pytest.raises(UndecodableText) as caught:
        decode_text(data, name="incidents.csv")

    assert str(caught.value) == "incidents.csv is not UTF-8 (undecodable byte at line 3, byte offset 15)."
    assert (caught.value.name, caught.value.line, caught.value.offset, caught.value.utf16) == ("incidents.csv", 3, 15, False)


def test_decode_text_offset_counts_the_byte_order_mark():
    with pytest.raises(UndecodableText) as caught:
        decode_text(codecs.BOM_UTF8 + b"ab\xffc", name="list.csv")

    assert str(caught.value) == "list.csv is not UTF-8 (undecodable byte at line 1, byte offset 5)."


def test_decode_text_truncated_sequence_at_the_end_is_found():
    with pytest.raises(UndecodableText) as caught:
        decode_text("a\nb\nЖ".encode()[:-1], name="cut.csv")

    assert (caught.value.line, caught.value.offset) == (3, 4)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_decode_text_says_utf16_is_utf16(encoding):
    data = TEXT.encode(encoding) if encoding == "utf-16" else "\ufeff".encode(encoding) + TEXT.encode(encoding)

    with pytest.raises(UndecodableText) as caught:
        decode_text(data, name="export.csv")

    assert str(caught.value) == "export.csv is UTF-16 encoded, not UTF-8."
    assert caught.value.utf16 is True


def test_decode_text_in_a_named_encoding():
    assert decode_text(TEXT.encode("cp1251"), name="a.csv", encoding="cp1251") == TEXT
    assert decode_text(TEXT.encode("utf-16"), name="a.csv", encoding="utf-16") == TEXT
    assert decode_text("\ufeff".encode("utf-16-le") + TEXT.encode("utf-16-le"), name="a.csv", encoding="utf-16-le") == TEXT
    assert decode_text(codecs.BOM_UTF8 + TEXT.encode("utf-8"), name="a.csv", encoding="utf-8-sig") == TEXT


def test_decode_text_bad_byte_in_a_named_encoding():
    with pytest.raises(UndecodableText) as caught:
        decode_text(b"ok\n\x98", name="a.csv", encoding="cp1251")

    assert str(caught.value) == "a.csv is not cp1251 (undecodable byte at line 2, byte offset 3)."


def test_decode_text_unknown_encoding_is_a_lookup_error():
    with pytest.raises(LookupError):
        decode_text(b"x", name="a.csv", encoding="klingon")


# -- every reader of uploaded or imported files goes through it, each with its own advice ----------


def test_incident_import_reports_the_line_of_the_bad_byte(tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_bytes(b"title,type,date_start\nok,dismissal,2018-03-20\nCaf\xe9,dismissal,2018-03-20\n")

    with pytest.raises(ImportFileError) as caught:
        read_file(path)

    assert str(caught.value) == "incidents.csv is not UTF-8 (undecodable byte at line 3); save it as UTF-8 (in a spreadsheet: 'CSV UTF-8')."


def test_incident_import_json_with_bom_is_read(tmp_path):
    path = tmp_path / "incidents.json"
    path.write_bytes(codecs.BOM_UTF8 + b'[{"title": "X"}]')

    assert read_file(path) == [(1, {"title": "X"})]


def test_results_file_in_a_named_encoding_reports_the_line_of_the_bad_byte():
    with pytest.raises(ResultsFileError) as caught:
        read_results(b"region;uik\n\x98;1\n", name="results.csv", encoding="cp1251")

    assert str(caught.value) == "results.csv cannot be read as cp1251 (undecodable byte at line 2)."


def test_sanctions_lists_report_byte_offset_and_line():
    with pytest.raises(ListFileError) as eu:
        read_eu_csv(codecs.BOM_UTF8 + b"schema\n\xff", source="eu.csv")
    with pytest.raises(ListFileError) as ftm:
        read_ftm("\ufeff{}".encode("utf-16-le"), source="list.ftm.json")

    assert str(eu.value) == "eu.csv: not UTF-8 text (byte 10, line 2)."
    assert str(ftm.value) == "list.ftm.json: UTF-16 text, not UTF-8."
