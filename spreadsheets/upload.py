"""An uploaded spreadsheet (CSV or XLSX) as a header and rows of cells, read safely.

`sheet_read(upload)` gives a `Sheet` or raises `SheetError` with a message for the person who uploaded
the file; it never lets a parser's own exception through, whatever the bytes. The type is checked from
the content as well as the name; the size, the unpacked size of an XLSX, the number of rows and the
time spent are bounded before and while reading:

- CSV is decoded as UTF-8 (with or without BOM) or else GB18030 (a superset of GBK, what Excel on a
  Chinese Windows saves); the delimiter is a comma, or a tab when the header line has tabs and no commas.
- XLSX is checked as a zip first (damaged or truncated, zip bomb, not a workbook), then read with
  openpyxl in read-only mode through defusedxml, so an XML entity attack is refused, never expanded.

Cells: text is stripped (full-width space too) and loses the quote that our exports put before text a
spreadsheet would take for a formula (pointbook.spreadsheets.safe_cell), so export→import round-trips;
empty cells are None. XLSX also gives int (integral numbers), float, bool, datetime.date (a date-time at
midnight) and datetime.datetime / datetime.time. Rows whose cells are all empty are left out, and each
row keeps the number a person sees in the file (the header is row 1).
"""

import codecs
import csv
import datetime
import io
import logging
import os
import warnings
import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

EXTENSIONS = (".csv", ".xlsx")
MIB = 1024 * 1024

# Blank rows read beyond max_rows before giving up: a sheet with a million formatted empty rows
# (LibreOffice, copied formats) ends quickly instead of being walked to its end.
BLANK_ROW_ALLOWANCE = 10_000
# A header wider than this is not a roster; data cells further right of the last header than
# EXTRA_COLUMNS are not read from an XLSX (bounds the work a crafted cell at column XFD can cause).
MAX_COLUMNS = 200
EXTRA_COLUMNS = 20
# An XLSX part that unpacks to more than this ratio of its packed size (and is over 1 MiB) is a zip bomb:
# real sheets pack 5–100 times, deflate's own ceiling is about 1032.
MAX_RATIO = 250
MAX_PARTS = 10_000

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and Office files saved with a password
# Content that is certainly not text: archives, images, PDF, executables.
BINARY_MAGICS = (
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"PK\x07\x08",
    OLE2_MAGIC,
    b"\x89PNG",
    b"%PDF-",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"\x1f\x8b",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!",
    b"\x7fELF",
)
# "\n" too: XML turns a carriage return into a line feed, so an XLSX gives back CR-started text that way.
UNQUOTE_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# C0 control characters that never occur in a text CSV (tab, LF, VT, FF, CR and ^Z excepted).
_CONTROL = frozenset(chr(c) for c in range(32) if c not in (9, 10, 11, 12, 13, 26))


@dataclass(frozen=True)
class Sheet:
    headers: tuple  # tuple[str, ...]: the header row, each stripped; blank headers kept as ""
    rows: list  # list[tuple[int, tuple]]: (row number in the file, header = 1; cells)
    format: str  # "csv" or "xlsx"
    encoding: str | None  # "utf-8", "utf-8-sig" or "gb18030" for CSV; None for XLSX


class SheetError(Exception):
    """A file we cannot read; str(error) / error.message is a message in the active language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return str(self.message)


def sheet_read(upload, *, max_bytes=None, max_rows=None, max_unzipped_bytes=None):
    """The first sheet of an uploaded .csv or .xlsx file as a Sheet, or SheetError naming the file.

    Limits default to settings.PB_IMPORT_MAX_MB (file size, MiB), PB_IMPORT_MAX_ROWS (data rows) and
    PB_IMPORT_MAX_UNZIPPED_MB (an XLSX's parts once unpacked, MiB)."""
    if max_bytes is None:
        max_bytes = settings.PB_IMPORT_MAX_MB * MIB
    if max_rows is None:
        max_rows = settings.PB_IMPORT_MAX_ROWS
    if max_unzipped_bytes is None:
        max_unzipped_bytes = settings.PB_IMPORT_MAX_UNZIPPED_MB * MIB
    name, ext = _name_checked(upload)
    data = _data_read(upload, name, max_bytes)
    if data.startswith(OLE2_MAGIC):
        raise SheetError(_xls_message(name))
    reader = _read_csv if ext == ".csv" else _read_xlsx
    try:
        return reader(data, name, max_rows=max_rows, max_unzipped_bytes=max_unzipped_bytes)
    except SheetError:
        raise
    except Exception:  # whatever a parser raises for bytes it chokes on means the same to the user
        logger.warning("Could not read the uploaded spreadsheet %r", name, exc_info=True)
        raise SheetError(_unreadable(name)) from None


def _name_checked(upload):
    """The upload's file name (without the client's folders) and its extension, refusing by the name
    alone what is not a CSV or XLSX file, before a byte is read."""
    name = os.path.basename(str(getattr(upload, "name", "") or "").replace("\\", "/")) or _("The file")
    ext = os.path.splitext(name)[1].lower()
    if ext == ".xls":
        raise SheetError(_xls_message(name))
    if ext not in EXTENSIONS:
        raise SheetError(
            _("%(name)s is not a CSV or XLSX file. Upload a file ending in .csv or .xlsx.") % {"name": name}
        )
    return name, ext


def _data_read(upload, name, max_bytes):
    """The upload's bytes, refusing an empty file or one over `max_bytes`: by its declared size when it
    has one, and by what is read (at most one byte past the limit), as the declared size may be missing."""
    size = getattr(upload, "size", None)
    if size == 0:
        raise SheetError(_("%(name)s is empty.") % {"name": name})
    if size is not None and size > max_bytes:
        raise SheetError(_too_big(name, max_bytes))
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    upload.seek(0)
    if not data:
        raise SheetError(_("%(name)s is empty.") % {"name": name})
    if len(data) > max_bytes:
        raise SheetError(_too_big(name, max_bytes))
    return data


# --- Messages


def _xls_message(name):
    return _(
        "%(name)s is an Excel 97–2003 workbook (.xls) or a workbook with a password. Open it in Excel "
        "or WPS, save it as an Excel workbook (.xlsx) without a password or as CSV, and upload that."
    ) % {"name": name}


def _too_big(name, limit):
    return _("%(name)s is larger than %(mb)s MB.") % {"name": name, "mb": _mb(limit)}


def _mb(limit):
    if limit % MIB == 0:
        return str(limit // MIB)
    return formats.number_format(max(limit / MIB, 0.01), decimal_pos=2)


def _unreadable(name):
    return _("%(name)s could not be read. Save it again as .xlsx or as CSV (UTF-8) and upload it once more.") % {
        "name": name
    }


def _damaged(name):
    return _(
        "%(name)s is damaged or incomplete (perhaps the upload was cut off). Save it again and upload it once more."
    ) % {"name": name}


def _unsafe(name):
    return _(
        "%(name)s could not be read safely: it holds content that spreadsheets do not normally "
        "contain. Save it again from Excel, WPS or LibreOffice and upload it once more."
    ) % {"name": name}


def _too_many_rows(name, max_rows):
    return _("%(name)s has more than %(limit)s rows of data. Split it into smaller files.") % {
        "name": name,
        "limit": formats.number_format(max_rows, force_grouping=True),
    }


def _too_many_blank_rows(name, max_rows):
    return _(
        "%(name)s has more than %(limit)s rows, counting empty ones. Delete the empty rows below the "
        "data (or copy the data into a new sheet) and upload it again."
    ) % {"name": name, "limit": formats.number_format(max_rows + BLANK_ROW_ALLOWANCE, force_grouping=True)}


def _no_header(name):
    return _("The first row of %(name)s must hold the column names, but it is empty.") % {"name": name}


def _too_many_columns(name):
    return _("The first row of %(name)s has more than %(limit)s columns; it should hold only the column names.") % {
        "name": name,
        "limit": MAX_COLUMNS,
    }


# --- Cells and rows


def _unquote(text):
    """Text without the quote our exports put before a would-be formula ("'=1" → "=1")."""
    if len(text) > 1 and text[1] in UNQUOTE_STARTS:
        return text[1:].strip() or None
    return text


def _text_cells(row):
    """Strings stripped, the export's quote removed, empty → None (CSV: every cell is text)."""
    return tuple((s if s[0] != "'" else _unquote(s)) if (s := c.strip()) else None for c in row)


def _xlsx_cell(value):
    if value is None:
        return None
    if value.__class__ is str:
        value = value.strip()
        if not value:
            return None
        return _unquote(value) if value[0] == "'" else value
    if value is True or value is False:
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, datetime.datetime):
        return value.date() if value.time() == datetime.time() and value.tzinfo is None else value
    return value  # int, time, timedelta


def _header_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


class _Rows:
    """Collects data rows: blank ones skipped, each padded or trimmed to the header, the limits enforced
    as the rows come (raw rows count too, so a run of blank rows cannot keep the reader going)."""

    def __init__(self, name, width, max_rows):
        self.name, self.width, self.max_rows = name, width, max_rows
        self.raw_cap = max_rows + BLANK_ROW_ALLOWANCE
        self.raw = 0
        self.rows = []
        self._pad = (None,) * width

    def add(self, number, cells):
        self.raw += 1
        if self.raw > self.raw_cap:
            raise SheetError(_too_many_blank_rows(self.name, self.max_rows))
        n = len(cells)
        if cells.count(None) == n:
            return
        width = self.width
        if n > width:
            while n > width and cells[n - 1] is None:
                n -= 1
            cells = cells[:n]
        elif n < width:
            cells = cells + self._pad[n:]
        if len(self.rows) >= self.max_rows:
            raise SheetError(_too_many_rows(self.name, self.max_rows))
        self.rows.append((number, cells))

    def sheet(self, headers, format, encoding):
        if not self.rows:
            raise SheetError(_("%(name)s has no rows of data below the column names.") % {"name": self.name})
        return Sheet(headers=headers, rows=self.rows, format=format, encoding=encoding)


def _headers(name, cells):
    """The header row as stripped text, trailing blank cells dropped; SheetError if there is none."""
    headers = [_header_text(c) for c in cells]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise SheetError(_no_header(name))
    if len(headers) > MAX_COLUMNS:
        raise SheetError(_too_many_columns(name))
    return tuple(headers)


# --- CSV


def _decode(data, name):
    """(text, encoding) of a CSV's bytes, or SheetError when they are not text."""
    not_text = _(
        "%(name)s is not a CSV text file. Save the spreadsheet as CSV (UTF-8) or as .xlsx and upload that."
    ) % {"name": name}
    if data.startswith(BINARY_MAGICS) or b"\x00" in data:
        raise SheetError(not_text)
    if data.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)
    else:
        candidates = ("utf-8", "gb18030")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:65536]
        if sum(1 for ch in sample if ch in _CONTROL) > len(sample) // 100:
            raise SheetError(not_text)
        return text, encoding
    raise SheetError(not_text)


def _read_csv(data, name, *, max_rows, **_limits):
    text, encoding = _decode(data, name)
    ends = [i for i in (text.find("\n"), text.find("\r")) if i >= 0]
    first_line = text[: min(ends)] if ends else text
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise SheetError(_no_header(name))
    headers = _headers(name, _text_cells(header))
    rows = _Rows(name, len(headers), max_rows)
    add = rows.add
    number = 1
    for row in reader:
        # counted in records, not lines (a quoted cell may span lines): the row number a spreadsheet
        # program shows for the file
        number += 1
        add(number, _text_cells(row) if row else ())
    return rows.sheet(headers, "csv", encoding)


# --- XLSX


def _check_zip(data, name, max_unzipped_bytes):
    """SheetError unless the XLSX's zip is whole, a workbook and not a bomb."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError, NotImplementedError):
        raise SheetError(_damaged(name)) from None
    with archive:
        _check_parts(archive, archive.infolist(), data, name, max_unzipped_bytes)


def _check_parts(archive, infos, data, name, max_unzipped_bytes):
    if len(infos) > MAX_PARTS:
        raise SheetError(_unsafe(name))
    # The sizes in the zip's directory bound what comes out: zipfile stops at the stated size and a part
    # that would unpack to more fails its CRC (BadZipFile, "damaged").
    if sum(info.file_size for info in infos) > max_unzipped_bytes:
        raise SheetError(
            _("%(name)s is too large once unpacked (over %(mb)s MB). Split it into smaller files.")
            % {"name": name, "mb": _mb(max_unzipped_bytes)}
        )
    for info in infos:
        if info.flag_bits & 0x1:  # encrypted
            raise SheetError(_xls_message(name))
        if info.header_offset + info.compress_size > len(data):
            raise SheetError(_damaged(name))
        if info.file_size > MIB and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise SheetError(_unsafe(name))
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise SheetError(_not_xlsx(name))
    # No spreadsheet program writes a DTD; refuse one before any parser sees it (openpyxl reads through
    # defusedxml as well, which refuses entity declarations wherever they are).
    for info in infos:
        if info.is_dir():
            continue
        try:
            with archive.open(info) as part:
                head = part.read(4096)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError):
            raise SheetError(_damaged(name)) from None
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            raise SheetError(_unsafe(name))


def _not_xlsx(name):
    return _(
        "%(name)s is not an XLSX file. Save the spreadsheet as an Excel workbook (.xlsx) or as CSV and upload that."
    ) % {"name": name}


def _read_xlsx(data, name, *, max_rows, max_unzipped_bytes):
    import openpyxl.xml
    from defusedxml import DefusedXmlException
    from openpyxl import load_workbook

    if not data.startswith(ZIP_MAGIC):
        raise SheetError(_not_xlsx(name))
    _check_zip(data, name, max_unzipped_bytes)
    if not openpyxl.xml.DEFUSEDXML:  # defusedxml missing or OPENPYXL_DEFUSEDXML=False: never parse unsafely
        logger.error("openpyxl does not use defusedxml; refusing to read %r", name)
        raise SheetError(_unsafe(name))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                return _xlsx_sheet(workbook, name, max_rows)
            finally:
                workbook.close()
    except SheetError:
        raise
    except Exception as error:
        # openpyxl wraps what went wrong in a ValueError ("Unable to read workbook"): look at the causes
        causes = _causes(error)
        if any(isinstance(cause, DefusedXmlException) for cause in causes):
            logger.warning("Refused an XML attack in the uploaded spreadsheet %r: %r", name, causes[-1])
            raise SheetError(_unsafe(name)) from None
        if any(isinstance(cause, (zipfile.BadZipFile, zlib.error, EOFError)) for cause in causes):
            raise SheetError(_damaged(name)) from None
        raise


def _causes(error):
    """`error` and the exceptions it was raised from, innermost last."""
    chain = []
    while error is not None and error not in chain and len(chain) < 20:
        chain.append(error)
        error = error.__cause__ or error.__context__
    return chain


def _xlsx_sheet(workbook, name, max_rows):
    if not workbook.worksheets:
        raise SheetError(_no_header(name))
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()  # LibreOffice and others write a wrong <dimension>; read what is there
    header = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
    headers = _headers(name, [_xlsx_cell(c) for c in header])
    rows = _Rows(name, len(headers), max_rows)
    add = rows.add
    number = 1
    width = len(headers)
    for row in sheet.iter_rows(min_row=2, max_col=min(width + EXTRA_COLUMNS, 16384), values_only=True):
        number += 1
        tail = row[width:]  # openpyxl pads every row to max_col: drop an empty tail before converting
        if tail.count(None) == len(tail):
            row = row[:width]
        add(number, tuple(map(_xlsx_cell, row)))
    return rows.sheet(headers, "xlsx", None)
