"""Writes the spreadsheet fixtures of tests/volunteers/test_spreadsheet_upload.py into this folder.

    .venv/bin/python tests/volunteers/files/make_files.py                 # everything but the LibreOffice file
    .venv/bin/python tests/volunteers/files/make_files.py --libreoffice   # also roster_libreoffice.xlsx

roster_libreoffice.xlsx is saved by LibreOffice Calc (`soffice --headless --convert-to xlsx`, every
column imported as text) and kept in the repository; the rest is made here with the standard library
and openpyxl. The test module imports ROSTER_HEADERS / ROSTER_ROWS / EXPECTED_* from here.
"""

import csv
import io
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))

ROSTER_HEADERS = ("姓名", "类别", "执业证号", "所属机构执业证号", "手机", "电子邮箱", "区划代码")
# As typed in the file: spaces (full-width too) around some values, a blank row, a short row and a row
# with empty cells beyond the header; one licence number in full-width digits with spaces inside.
ROSTER_ROWS = (
    ("张三", "律师", "14104201910123456", "31410000123456789", "13800000001", "zhangsan@example.com", "410402"),
    ("李四", "律师", "１４１０４　２０１９ １０１２３４５７", "31410000123456789", "13800000002", "", "410402"),
    ("", "", "", "", "", "", ""),
    ("王五", "基层法律服务工作者", "24104201910000001", "", "13800000003", "wangwu@example.com", "410403"),
    ("  赵六　", " 公证员 ", "41000012", "", "", "", "410402"),
    ("钱七", "司法鉴定人", "4100001234"),
    ("孙八", "律师", "14104201910123458", "31410000123456789", "13800000008", "sunba@example.com", "410402", "", ""),
)
# What sheet_read gives for them: (row number in the file, cells padded to the header).
EXPECTED_HEADERS = ROSTER_HEADERS
EXPECTED_ROWS = [
    (2, ("张三", "律师", "14104201910123456", "31410000123456789", "13800000001", "zhangsan@example.com", "410402")),
    (3, ("李四", "律师", "１４１０４　２０１９ １０１２３４５７", "31410000123456789", "13800000002", None, "410402")),
    (5, ("王五", "基层法律服务工作者", "24104201910000001", None, "13800000003", "wangwu@example.com", "410403")),
    (6, ("赵六", "公证员", "41000012", None, None, None, "410402")),
    (7, ("钱七", "司法鉴定人", "4100001234", None, None, None, None)),
    (8, ("孙八", "律师", "14104201910123458", "31410000123456789", "13800000008", "sunba@example.com", "410402")),
]
# roster_gb18030.csv has one more row, with characters GBK lacks (䶮 U+4DAE, 𠀀 U+20000).
GB18030_ROW = ("刘䶮", "律师", "14104201910123459", "", "13800000009", "", "410402")
EXPECTED_GB18030_ROW = (9, ("刘䶮", "律师", "14104201910123459", None, "13800000009", None, "410402"))
GB18030_ROW_2 = ("𠀀某", "律师", "14104201910123460", "", "", "", "410402")
EXPECTED_GB18030_ROW_2 = (10, ("𠀀某", "律师", "14104201910123460", None, None, None, "410402"))

BILLION_LAUGHS = """<?xml version="1.0" encoding="{encoding}" standalone="yes"?>
<!DOCTYPE sst [
<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>
"""


def csv_text(rows, headers=ROSTER_HEADERS):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue()


def xlsx_bytes(rows, headers=ROSTER_HEADERS):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "名册"
    sheet.append(list(headers))
    for row in rows:
        sheet.append([value if value != "" else None for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rezip(data, replace=None, compresslevel=6):
    """The zip `data` with some parts replaced ({name: bytes}); the others copied as they are."""
    replace = replace or {}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
    return out.getvalue()


def with_shared_strings(xlsx, shared_strings):
    """The openpyxl-written `xlsx` (inline strings only) with a shared-strings part, cell A2 pointing at
    its first string, as Excel and LibreOffice write strings."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source:
        types = source.read("[Content_Types].xml")
        rels = source.read("xl/_rels/workbook.xml.rels")
        sheet = source.read("xl/worksheets/sheet1.xml")
    types = types.replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    rels = rels.replace(
        b"</Relationships>",
        b'<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        b"</Relationships>",
    )
    start = sheet.index(b'<c r="A2"')
    end = sheet.index(b"</c>", start) + len(b"</c>")
    sheet = sheet[:start] + b'<c r="A2" t="s"><v>0</v></c>' + sheet[end:]
    out = io.BytesIO(
        rezip(
            xlsx, {"[Content_Types].xml": types, "xl/_rels/workbook.xml.rels": rels, "xl/worksheets/sheet1.xml": sheet}
        )
    )
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as target:
        target.writestr("xl/sharedStrings.xml", shared_strings)
    return out.getvalue()


def png_bytes():
    """A real 1×1 PNG."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def zip_bomb_bytes(roster_xlsx, unpacked_mb=20):
    """roster.xlsx whose sheet XML carries `unpacked_mb` MiB of blanks between rows (valid XML, packs ~1000:1)."""
    with zipfile.ZipFile(io.BytesIO(roster_xlsx)) as source:
        sheet = source.read("xl/worksheets/sheet1.xml")
    padded = sheet.replace(b"<sheetData>", b"<sheetData>" + b" " * (unpacked_mb * 1024 * 1024), 1)
    return rezip(roster_xlsx, {"xl/worksheets/sheet1.xml": padded}, compresslevel=9)


def write(name, data):
    mode = "w" if isinstance(data, str) else "wb"
    kwargs = {"encoding": "utf-8", "newline": ""} if mode == "w" else {}
    with open(os.path.join(HERE, name), mode, **kwargs) as file:
        file.write(data)


def make_all():
    text = csv_text(ROSTER_ROWS)
    write("roster_utf8.csv", text.encode("utf-8"))
    write("roster_utf8_bom.csv", text.encode("utf-8-sig"))
    write("roster_gbk.csv", text.encode("gbk"))
    write("roster_gb18030.csv", csv_text(ROSTER_ROWS + (GB18030_ROW, GB18030_ROW_2)).encode("gb18030"))
    roster = xlsx_bytes(ROSTER_ROWS)
    write("roster.xlsx", roster)

    write("renamed_png.xlsx", png_bytes())
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("roster.csv", text)
    write("renamed_zip.csv", zipped.getvalue())
    write("binary.csv", bytes(range(256)) * 8)
    write("truncated.xlsx", roster[: len(roster) // 2])
    write("bomb_entities.xlsx", with_shared_strings(roster, BILLION_LAUGHS.format(encoding="UTF-8").encode()))
    # The same in UTF-16, which a byte search for "<!DOCTYPE" does not see: defusedxml must refuse it.
    write(
        "bomb_entities_utf16.xlsx",
        with_shared_strings(roster, BILLION_LAUGHS.format(encoding="UTF-16").encode("utf-16")),
    )
    write("zip_bomb.xlsx", zip_bomb_bytes(roster))
    write("empty.csv", b"")
    write("header_only.csv", csv_text(()).encode("utf-8"))
    write("blank_headers.csv", csv_text(ROSTER_ROWS[:2], headers=("",) * 7).encode("utf-8"))
    # Writers that leave <dimension ref="A1"/> (or none) while the sheet has more: the kept LibreOffice file
    # with its dimension so rewritten.
    libreoffice = os.path.join(HERE, "roster_libreoffice.xlsx")
    if os.path.exists(libreoffice):
        with open(libreoffice, "rb") as file:
            data = file.read()
        with zipfile.ZipFile(io.BytesIO(data)) as source:
            sheet = source.read("xl/worksheets/sheet1.xml")
        assert b'<dimension ref="A1:G8"/>' in sheet
        write(
            "roster_wrong_dimension.xlsx",
            rezip(
                data, {"xl/worksheets/sheet1.xml": sheet.replace(b'<dimension ref="A1:G8"/>', b'<dimension ref="A1"/>')}
            ),
        )
    # An OLE2 compound document header (what .xls and password-protected .xlsx files start with).
    write("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff" + b"\x00" * 482)


def make_libreoffice():
    """roster_libreoffice.xlsx: roster_utf8.csv opened in LibreOffice Calc (all columns as text) and saved."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        sys.exit("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    with tempfile.TemporaryDirectory() as folder:
        source = os.path.join(folder, "roster_libreoffice.csv")
        shutil.copy(os.path.join(HERE, "roster_utf8.csv"), source)
        # separator 44 (,), text delimiter 34 ("), charset 76 (UTF-8), from line 1, columns 1–9 as text (2)
        columns = "/".join(f"{c}/2" for c in range(1, 10))
        subprocess.run(
            [
                soffice,
                "--headless",
                f"-env:UserInstallation=file://{folder}/profile",
                f"--infilter=CSV:44,34,76,1,{columns}",
                "--convert-to",
                "xlsx:Calc MS Excel 2007 XML",
                "--outdir",
                folder,
                source,
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        shutil.copy(os.path.join(folder, "roster_libreoffice.xlsx"), os.path.join(HERE, "roster_libreoffice.xlsx"))


if __name__ == "__main__":
    if "--libreoffice" in sys.argv[1:]:
        make_all()
        make_libreoffice()
    make_all()
