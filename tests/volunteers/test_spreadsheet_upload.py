"""Reading uploaded spreadsheets (spreadsheets.upload): every encoding and writer gives the same
header and rows; every bad, damaged or hostile file ends quickly in a SheetError naming it.

Fixtures are in tests/volunteers/files (made by make_files.py there; roster_libreoffice.xlsx was saved by
LibreOffice Calc and is kept as it is)."""

import csv
import datetime
import io
import os
import random
import re
import struct
import sys
import time
import zipfile
from functools import partial

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import override

from pointbook.spreadsheets import safe_cell
from spreadsheets.upload import Sheet, SheetError, sheet_read

FILES = os.path.join(os.path.dirname(__file__), "files")
sys.path.insert(0, FILES)
import make_files  # noqa: E402  (the fixtures' contents)

sys.path.remove(FILES)

MIB = 1024 * 1024


def _upload(name, data=None):
    if data is None:
        with open(os.path.join(FILES, name), "rb") as file:
            data = file.read()
    return SimpleUploadedFile(name, data)


def _read(name, data=None, **limits):
    with override("en"):
        return sheet_read(_upload(name, data), **limits)


def _error(name, data=None, **limits):
    with override("en"):
        with pytest.raises(SheetError) as caught:
            sheet_read(_upload(name, data), **limits)
        return str(caught.value)


def _xlsx(rows):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _replace_part(xlsx, part, change):
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source:
        content = source.read(part)
    return make_files.rezip(xlsx, {part: change(content)})


# --- Good files


def test_openpyxl_parses_through_defusedxml():
    import defusedxml.ElementTree
    import openpyxl.reader.strings
    import openpyxl.worksheet._reader

    assert openpyxl.xml.DEFUSEDXML is True
    assert openpyxl.reader.strings.iterparse is defusedxml.ElementTree.iterparse
    assert openpyxl.worksheet._reader.iterparse is defusedxml.ElementTree.iterparse


@pytest.mark.parametrize(
    ("name", "format", "encoding"),
    [
        ("roster_utf8.csv", "csv", "utf-8"),
        ("roster_utf8_bom.csv", "csv", "utf-8-sig"),
        ("roster_gbk.csv", "csv", "gb18030"),
        ("roster.xlsx", "xlsx", None),
        ("roster_libreoffice.xlsx", "xlsx", None),
        ("roster_wrong_dimension.xlsx", "xlsx", None),
    ],
)
def test_every_encoding_and_writer_gives_the_same_rows(name, format, encoding):
    sheet = _read(name)
    assert isinstance(sheet, Sheet)
    assert (sheet.format, sheet.encoding) == (format, encoding)
    assert sheet.headers == make_files.EXPECTED_HEADERS
    # row 4 is blank and left out; the others keep their numbers; spaces (full-width too) are stripped,
    # full-width digits inside a value are kept; short rows are padded, empty extra cells dropped
    assert sheet.rows == make_files.EXPECTED_ROWS


def test_the_gbk_file_is_really_gbk_and_the_libreoffice_file_really_from_libreoffice():
    with open(os.path.join(FILES, "roster_gbk.csv"), "rb") as file:
        data = file.read()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert data.decode("gbk").startswith("姓名,")
    with zipfile.ZipFile(os.path.join(FILES, "roster_libreoffice.xlsx")) as archive:
        assert b"LibreOffice" in archive.read("docProps/app.xml")
        assert "xl/sharedStrings.xml" in archive.namelist()
    with zipfile.ZipFile(os.path.join(FILES, "roster_wrong_dimension.xlsx")) as archive:
        assert b'<dimension ref="A1"/>' in archive.read("xl/worksheets/sheet1.xml")


def test_gb18030_characters_outside_gbk():
    with open(os.path.join(FILES, "roster_gb18030.csv"), "rb") as file:
        data = file.read()
    with pytest.raises(UnicodeDecodeError):
        data.decode("gbk")
    sheet = _read("roster_gb18030.csv")
    assert sheet.encoding == "gb18030"
    assert sheet.headers == make_files.EXPECTED_HEADERS
    assert sheet.rows == make_files.EXPECTED_ROWS + [make_files.EXPECTED_GB18030_ROW, make_files.EXPECTED_GB18030_ROW_2]


def test_extensions_in_capitals_and_names_with_a_path():
    with open(os.path.join(FILES, "roster.xlsx"), "rb") as file:
        sheet = _read("ROSTER.XLSX", file.read())
    assert sheet.rows == make_files.EXPECTED_ROWS
    with open(os.path.join(FILES, "roster_utf8.csv"), "rb") as file:
        data = file.read()
    assert _read("名册.CSV", data).rows == make_files.EXPECTED_ROWS
    message = _error("C:\\Users\\张三\\名册.csv", data, max_rows=1)
    assert message.startswith("名册.csv has more than 1 rows")


def test_row_numbers_with_blank_rows_between():
    text = "姓名,手机\n\n张三,1\n,\n , \u3000\n\n李四,2\n\n\n"
    sheet = _read("r.csv", text.encode())
    assert sheet.rows == [(3, ("张三", "1")), (7, ("李四", "2"))]
    xlsx = _xlsx([["姓名", "手机"], [None, None], ["张三", 1], [" ", "\u3000"]])
    xlsx = _replace_part(
        xlsx,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(
            b"</sheetData>", '<row r="9"><c r="A9" t="inlineStr"><is><t>李四</t></is></c></row></sheetData>'.encode()
        ),
    )
    assert _read("r.xlsx", xlsx).rows == [(3, ("张三", 1)), (9, ("李四", None))]


def test_quoted_cells_spanning_lines_count_as_one_row():
    text = '姓名,备注\n张三,"第一行\n第二行"\n李四,x\n'
    assert _read("r.csv", text.encode()).rows == [(2, ("张三", "第一行\n第二行")), (3, ("李四", "x"))]


def test_tab_separated_and_commas_inside_tabs():
    assert _read("r.csv", "姓名\t手机\n张三\t1\n".encode()).rows == [(2, ("张三", "1"))]
    assert _read("r.csv", "姓名,手机\r张三,1\r李四,2".encode()).rows == [(2, ("张三", "1")), (3, ("李四", "2"))]
    # a comma in the header line means comma-separated, even with tabs in it
    assert _read("r.csv", "姓名,手机\t号\n张三,1\t2\n".encode()).headers == ("姓名", "手机\t号")


def test_short_rows_extra_cells_and_blank_headers():
    text = "姓名,,手机,,\n张三\n李四,x,1,,,,\n王五,,2,,,多余,\n"
    sheet = _read("r.csv", text.encode())
    assert sheet.headers == ("姓名", "", "手机")  # blank headers between kept, trailing ones dropped
    assert sheet.rows == [
        (2, ("张三", None, None)),
        (3, ("李四", "x", "1")),
        (4, ("王五", None, "2", None, None, "多余")),  # a value beyond the header is kept
    ]
    xlsx = _xlsx([["姓名", None, "手机"], ["张三"], ["王五", None, 2, None, None, "多余", None]])
    assert _read("r.xlsx", xlsx).rows == [(2, ("张三", None, None)), (3, ("王五", None, 2, None, None, "多余"))]


def test_quote_prefixed_formula_cells_round_trip_through_our_exports():
    values = ['=HYPERLINK("http://x")', "+8613800000000", "-5", "@SUM(A1)", "'plain quote", "it's", "'", "普通"]
    exported = [safe_cell(v) for v in values]
    assert exported[:4] == ["'" + v for v in values[:4]]
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([["备注"], *[[v] for v in exported]])
    sheet = _read("export.csv", buffer.getvalue().encode("utf-8-sig"))
    assert [cells[0] for _, cells in sheet.rows] == values
    sheet = _read("export.xlsx", _xlsx([["备注"], *[[v] for v in exported]]))
    assert [cells[0] for _, cells in sheet.rows] == values


def test_xlsx_cell_types():
    when = datetime.datetime(2024, 3, 1, 9, 30)
    xlsx = _xlsx(
        [
            [2024, "  姓名\u3000", True, None, "日期", "时间"],
            [3, 2.0, False, 2.5, datetime.date(2024, 3, 1), when],
            [" ", "\u3000", None, None, None, None],
            [13800000001, "0012", 0, 0.0, datetime.datetime(2024, 3, 2), None],
        ]
    )
    sheet = _read("types.xlsx", xlsx)
    assert sheet.headers == ("2024", "姓名", "True", "", "日期", "时间")
    assert sheet.rows == [
        (2, (3, 2, False, 2.5, datetime.date(2024, 3, 1), when)),
        (4, (13800000001, "0012", 0, 0, datetime.date(2024, 3, 2), None)),
    ]
    first = sheet.rows[0][1]
    assert type(first[1]) is int and type(first[2]) is bool and type(sheet.rows[1][1][3]) is int


# --- Bad files


@pytest.mark.parametrize(
    ("name", "limits", "expected"),
    [
        ("empty.csv", {}, "empty.csv is empty."),
        ("header_only.csv", {}, "has no rows of data below the column names"),
        ("blank_headers.csv", {}, "The first row of blank_headers.csv must hold the column names"),
        ("binary.csv", {}, "binary.csv is not a CSV text file"),
        ("renamed_zip.csv", {}, "renamed_zip.csv is not a CSV text file"),
        ("renamed_png.xlsx", {}, "renamed_png.xlsx is not an XLSX file"),
        ("truncated.xlsx", {}, "truncated.xlsx is damaged or incomplete"),
        ("bomb_entities.xlsx", {}, "bomb_entities.xlsx could not be read safely"),
        ("bomb_entities_utf16.xlsx", {}, "bomb_entities_utf16.xlsx could not be read safely"),
        ("zip_bomb.xlsx", {}, "zip_bomb.xlsx could not be read safely"),
        ("zip_bomb.xlsx", {"max_unzipped_bytes": 5 * MIB}, "zip_bomb.xlsx is too large once unpacked (over 5 MB)"),
        ("roster.xlsx", {"max_unzipped_bytes": 10_000}, "is too large once unpacked"),
        ("old.xls", {}, "old.xls is an Excel 97–2003 workbook (.xls)"),
        ("roster_utf8.csv", {"max_rows": 5}, "roster_utf8.csv has more than 5 rows of data"),
        ("roster.xlsx", {"max_rows": 5}, "roster.xlsx has more than 5 rows of data"),
        ("roster_utf8.csv", {"max_bytes": 100}, "roster_utf8.csv is larger than"),
    ],
)
def test_bad_files_fail_fast_with_a_message_naming_them(name, limits, expected):
    started = time.perf_counter()
    message = _error(name, **limits)
    assert time.perf_counter() - started < 2
    assert expected in message
    assert name in message


def test_renamed_and_unaccepted_files():
    with open(os.path.join(FILES, "old.xls"), "rb") as file:
        ole2 = file.read()
    # a password-protected .xlsx is an OLE2 file too
    assert "save it as an Excel workbook (.xlsx) without a password or as CSV" in _error("locked.xlsx", ole2)
    assert "locked.csv is an Excel 97–2003 workbook" in _error("locked.csv", ole2)
    assert (
        _error("名册.ods", b"PK\x03\x04")
        == "名册.ods is not a CSV or XLSX file. Upload a file ending in .csv or .xlsx."
    )
    assert "Upload a file ending in .csv or .xlsx" in _error("roster", b"a,b\n1,2\n")
    assert "is not an XLSX file" in _error("r.xlsx", "姓名,手机\n张三,1\n".encode())
    assert "is not a CSV text file" in _error("r.csv", b"%PDF-1.7\n1 0 obj\n")
    assert "is not a CSV text file" in _error("r.csv", "姓名\n张三\n".encode("utf-16"))
    assert "is not a CSV text file" in _error("r.csv", b"\xff\xfe\xfd\x80\x80 no encoding has this")
    assert "is not a CSV text file" in _error("r.csv", b"a,b\n" + bytes(range(1, 9)) * 20)
    # a zip that is not a workbook (a .docx, say)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert "is not an XLSX file" in _error("r.xlsx", buffer.getvalue())


def test_over_the_size_limit_says_the_limit_in_mb():
    data = b"a,b\n" + b"1,2\n" * (MIB // 2)
    assert _error("big.csv", data, max_bytes=MIB) == "big.csv is larger than 1 MB."
    assert len(_read("big.csv", data, max_bytes=3 * MIB, max_rows=MIB).rows) == MIB // 2


def test_a_zip_that_lies_about_a_part_size_is_damaged_not_expanded():
    roster = _upload("roster.xlsx").read()
    padded = make_files.zip_bomb_bytes(roster, unpacked_mb=3)
    target = b"xl/worksheets/sheet1.xml"
    data = bytearray(padded)
    # the part's uncompressed size in its local header (offset 22) and in the central directory (24)
    local = data.index(target) - 30
    assert data[local : local + 4] == b"PK\x03\x04"
    struct.pack_into("<I", data, local + 22, 2000)
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(target)] != target:
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, 2000)
    started = time.perf_counter()
    assert "is damaged or incomplete" in _error("lying.xlsx", bytes(data))
    assert time.perf_counter() - started < 2


def test_unexpected_parser_errors_become_could_not_be_read(caplog):
    xlsx = _upload("roster.xlsx").read()
    broken = _replace_part(xlsx, "xl/workbook.xml", lambda xml: xml[: len(xml) // 2])
    with caplog.at_level("WARNING", logger="spreadsheets.upload"):
        message = _error("broken.xlsx", broken)
    assert message == (
        "broken.xlsx could not be read. Save it again as .xlsx or as CSV (UTF-8) and upload it once more."
    )
    assert "broken.xlsx" in caplog.text


def test_a_million_formatted_empty_rows_end_quickly():
    xlsx = _xlsx([["姓名", "手机"], ["张三", 1]])
    xlsx = _replace_part(
        xlsx,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(
            b"</sheetData>", b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
        ),
    )
    started = time.perf_counter()
    message = _error("tall.xlsx", xlsx, max_rows=1000)
    assert time.perf_counter() - started < 2
    assert "tall.xlsx has more than 11,000 rows, counting empty ones" in message
    started = time.perf_counter()
    message = _error("tall.csv", b"a,b\n1,2\n" + b",\n" * 1_000_000, max_rows=1000)
    assert time.perf_counter() - started < 2
    assert "counting empty ones" in message
    # blank rows within the allowance are simply left out
    sheet = _read("gaps.csv", b"a,b\n1,2\n" + b"\n" * 5000 + b"3,4\n", max_rows=10)
    assert sheet.rows == [(2, ("1", "2")), (5003, ("3", "4"))]


def test_a_cell_far_to_the_right_is_not_read_into_every_row():
    xlsx = _xlsx([["姓名", "手机"]] + [["张三", i] for i in range(2000)])

    def far_right(xml):  # every data row gets a value in the last column Excel has (XFD)
        return re.sub(
            rb'(<row r="(\d+)".*?)</row>',
            lambda m: m[1] + (b'<c r="XFD%s"><v>1</v></c>' % m[2] if m[2] != b"1" else b"") + b"</row>",
            xml,
        )

    xlsx = _replace_part(xlsx, "xl/worksheets/sheet1.xml", far_right)
    started = time.perf_counter()
    sheet = _read("wide.xlsx", xlsx)
    assert time.perf_counter() - started < 2
    assert sheet.headers == ("姓名", "手机") and len(sheet.rows) == 2000
    assert sheet.rows[0] == (2, ("张三", 0))  # read up to 20 columns right of the header, not 16,384
    # a header that wide is refused
    xlsx = _replace_part(
        _xlsx([["姓名", "手机"], ["张三", 1]]),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b"</row>", b'<c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>', 1),
    )
    assert "The first row of wide.xlsx has more than 200 columns" in _error("wide.xlsx", xlsx)


def _read_or_refused(name, data):
    """Reading `data` as `name` gives rows at least as wide as the headers, or a SheetError naming the
    file: never any other exception."""
    try:
        sheet = _read(name, data)
    except SheetError as error:
        assert str(error) and name in str(error)
    else:
        assert all(len(cells) >= len(sheet.headers) for _, cells in sheet.rows)


def _damaged(seeds, xml, *, cut):
    """`xml` with a few bytes changed to XML's own characters, or (`cut`) a few short runs removed."""
    xml = bytearray(xml)
    for _ in range(seeds.randint(1, 4)):
        position = seeds.randrange(len(xml))
        if cut:
            del xml[position : position + seeds.randint(1, 40)]
        else:
            xml[position] = seeds.choice(b'<>/="&;0123456789 \x00\xff')
    return bytes(xml)


def test_never_an_unhandled_exception_whatever_the_bytes():
    seeds = random.Random(6)
    originals = {name: _upload(name).read() for name in ("roster.xlsx", "roster_libreoffice.xlsx", "roster_gbk.csv")}
    started = time.perf_counter()
    for attempt in range(300):
        name, data = seeds.choice(sorted(originals.items()))
        data = bytearray(data)
        for _ in range(seeds.randint(1, 8)):
            data[seeds.randrange(len(data))] = seeds.randrange(256)
        if attempt % 5 == 0:
            data = data[: seeds.randrange(1, len(data))]
        for as_name in (name, "as.csv" if name.endswith(".xlsx") else "as.xlsx"):
            _read_or_refused(as_name, bytes(data))
    # whole zips whose XML parts are damaged: openpyxl's own parsing fails in many ways
    parts = (
        "xl/workbook.xml",
        "xl/worksheets/sheet1.xml",
        "xl/sharedStrings.xml",
        "xl/styles.xml",
        "[Content_Types].xml",
        "xl/_rels/workbook.xml.rels",
        "_rels/.rels",
    )
    libreoffice = originals["roster_libreoffice.xlsx"]
    for attempt in range(150):
        part = seeds.choice(parts)
        damage = partial(_damaged, seeds, cut=attempt % 3 == 0)
        _read_or_refused("damaged.xlsx", _replace_part(libreoffice, part, damage))
    assert time.perf_counter() - started < 60


def test_messages_follow_the_active_language():
    with override("zh-hans"), pytest.raises(SheetError) as caught:
        sheet_read(_upload("empty.csv"))
    assert caught.value.message == str(caught.value) == "empty.csv是空文件。"


# --- Speed


def test_a_100k_row_csv_reads_in_well_under_a_second():
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([f"列{c}" for c in range(10)])
    for r in range(100_000):
        writer.writerow(
            [f"张三{r}", "律师", f"141042019{r:08d}", "", "13800000001", "a@example.com", "410402", " x ", "'=1", r]
        )
    data = buffer.getvalue().encode("utf-8")
    started = time.perf_counter()
    sheet = _read("big.csv", data)
    elapsed = time.perf_counter() - started
    assert len(sheet.rows) == 100_000
    assert sheet.rows[-1] == (
        100_001,
        ("张三99999", "律师", "14104201900099999", None, "13800000001", "a@example.com", "410402", "x", "=1", "99999"),
    )
    assert elapsed < 1.5, f"{elapsed:.2f} s"
