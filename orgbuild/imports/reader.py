"""Reading a survey file as a stream of rows: refuse what is not a survey (PDF, binary, empty, too
large, undecodable, missing columns), decode CSV (strict UTF-8, then strict GB18030), sniff its
delimiter, read XLSX in read-only mode, and find the header row.

Pure: no Flask, no SQLAlchemy. Rows are yielded one at a time so memory stays bounded.
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from typing import Callable, Iterator

from ..domain.rules import Message
from . import columns as survey_columns
from .columns import HeaderMap

ENCODINGS = ("auto", "utf-8", "gb18030")
DELIMITERS = (",", "\t", ";")
HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common in street offices' sheets
#: A CSV line longer than this (characters), or a row with more cells than this, is not a survey: a
#: line of millions of commas would otherwise be held whole and split into millions of cells.
CSV_MAX_LINE_CHARS = 1 << 20
CSV_MAX_COLUMNS = 16_384  # as many as Excel has
_CHUNK = 1 << 20


class FileRefused(Exception):
    """The file as a whole is not a readable survey; ``message`` says why (Chinese, translatable)."""

    def __init__(self, message: Message):
        """Keep the translatable message."""
        super().__init__(str(message))
        self.message = message


@dataclass
class SurveySource:
    """An opened survey file: its header mapping and an iterator of (row number, cells)."""

    kind: str  # csv / xlsx
    header: HeaderMap
    header_cells: list[str]
    rows: Iterator[tuple[int, list[object]]]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    total: int = 0  # progress units: bytes for CSV, rows for XLSX
    position: Callable[[], int] = lambda: 0
    close: Callable[[], None] = lambda: None
    notes: list[str] = field(default_factory=list)


def sha256_of(path: str) -> str:
    """The SHA-256 of a file, read in chunks."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def open_survey(path: str, *, encoding: str = "auto", sheet: str | None = None, max_bytes: int | None = None,
                scheme=survey_columns, xlsx_limits: XlsxLimits | None = None) -> SurveySource:
    """Open `path` as a survey, or raise :class:`FileRefused` before any data row is read.

    `scheme` maps the header: any object with ``map_header(cells)`` and ``recognised_count(cells)``
    (the survey columns by default; the 智慧团建 export's columns for a reconciliation)."""
    if encoding not in ENCODINGS:
        raise FileRefused(Message("不支持的编码：%(enc)s（可选 auto、utf-8、gb18030）", enc=encoding))
    size = os.path.getsize(path)
    if max_bytes is not None and size > max_bytes:
        raise FileRefused(
            Message("文件过大（%(size)s MB），上限为 %(limit)s MB", size=round(size / 1048576, 1), limit=round(max_bytes / 1048576, 1))
        )
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise FileRefused(Message("文件是空的"))
    if head.startswith(b"%PDF"):
        raise FileRefused(Message("这是 PDF 文件，不是 CSV 或 Excel 表格，请上传 .csv 或 .xlsx 文件"))
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(Message("这是旧版 Excel（.xls）或其他 Office 文件，请在 Excel 中另存为 .xlsx 或 CSV 后再上传"))
    if head.startswith(b"PK\x03\x04"):
        return _open_xlsx(path, sheet, scheme, xlsx_limits)
    unicode_bom = _unicode_bom(head)
    if unicode_bom:  # UTF-16 / UTF-32 text (Excel's "Unicode text", some exports): the BOM tells
        return _open_csv(path, unicode_bom, size, scheme)
    if b"\x00" in head:
        if _looks_like_utf16(head):
            raise FileRefused(Message("文件像是没有 BOM 标记的 UTF-16 文本，无法确定字节顺序；请在 Excel 中另存为“CSV UTF-8”后再上传"))
        raise FileRefused(Message("这是二进制文件，不是 CSV 或 Excel 表格"))
    return _open_csv(path, encoding, size, scheme)


def _unicode_bom(head: bytes) -> str | None:
    """The codec a UTF-16 or UTF-32 byte-order mark names (None without one)."""
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            return codec
    return None


def _looks_like_utf16(head: bytes) -> bool:
    """Whether the first bytes read as UTF-16 text in either byte order: printable characters, tabs and
    line breaks only (binary data holds NUL characters or control codes once decoded)."""
    head = head[: len(head) - len(head) % 2]
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = head.decode(codec)
        except UnicodeDecodeError:
            try:
                text = head[:-2].decode(codec)  # a character cut at the end of the first bytes
            except UnicodeDecodeError:
                continue
        if len(text) >= 4 and all(c.isprintable() or c in "\t\r\n" for c in text):
            return True
    return False


#: Header problems named in the refusal (thousands of duplicate columns would overflow the flash cookie).
HEADER_PROBLEMS_SHOWN = 3


# --- CSV --------------------------------------------------------------------------------------

def _decodes_as(path: str, encoding: str) -> bool:
    """Whether the whole file decodes strictly in `encoding` (incrementally, in chunks)."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _guess_name(path: str) -> str:
    """A detector's name for an encoding that is neither UTF-8 nor GB18030 (only to explain the refusal)."""
    from charset_normalizer import from_bytes

    with open(path, "rb") as handle:
        best = from_bytes(handle.read(65536)).best()
    return best.encoding if best is not None else Message("未知")


def detect_encoding(path: str, encoding: str = "auto") -> str:
    """The Python codec to read the CSV with: strict UTF-8 (BOM or not), then strict GB18030."""
    if encoding in ("utf-16", "utf-32"):  # named by the file's byte-order mark (open_survey)
        if _decodes_as(path, encoding):
            return encoding
        raise FileRefused(Message("文件以 %(enc)s 标记开头，但内容不是有效的 %(enc)s 文本", enc=encoding.upper()))
    candidates = {"auto": ("utf-8", "gb18030"), "utf-8": ("utf-8",), "gb18030": ("gb18030",)}[encoding]
    for candidate in candidates:
        if _decodes_as(path, candidate):
            if candidate == "utf-8":
                with open(path, "rb") as handle:
                    return "utf-8-sig" if handle.read(3) == codecs.BOM_UTF8 else "utf-8"
            return candidate
    if encoding != "auto":
        raise FileRefused(Message("文件不是有效的 %(enc)s 编码，请检查编码或改用自动识别", enc=encoding.upper()))
    raise FileRefused(
        Message(
            "无法识别文件编码（既不是 UTF-8 也不是 GB18030/GBK，检测结果像是 %(guess)s），请在 Excel 中另存为“CSV UTF-8”后再上传",
            guess=_guess_name(path),
        )
    )


def sniff_delimiter(text: str) -> str:
    """The delimiter of the first lines: whichever of comma, tab and semicolon occurs most on one line
    (the header, even below a title line); comma on a tie or when none occurs."""
    lines = text.splitlines()[:HEADER_SEARCH_ROWS] or [""]
    counts = {d: max(line.count(d) for line in lines) for d in DELIMITERS}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _open_csv(path: str, encoding: str, size: int, scheme=survey_columns) -> SurveySource:
    """Open a CSV: decode strictly, sniff the delimiter, find the header; rows stream from the file."""
    codec = detect_encoding(path, encoding)
    raw = open(path, "rb")  # noqa: SIM115 - closed by SurveySource.close
    text = io.TextIOWrapper(raw, encoding=codec, newline="")
    try:
        first = "".join(_bounded_lines(text, HEADER_SEARCH_ROWS))
        text.seek(0)
        delimiter = sniff_delimiter(first)
        reader = csv.reader(_bounded_lines(text), delimiter=delimiter)
        header, header_cells, last_read, held = _find_header(_bounded_rows(reader), scheme)
    except csv.Error as error:
        text.close()
        raise FileRefused(Message("CSV 格式错误：%(error)s", error=str(error))) from None
    except FileRefused:
        text.close()
        raise

    def rows() -> Iterator[tuple[int, list[object]]]:
        """The rows after the header, numbered as a spreadsheet shows them."""
        yield from held
        try:
            yield from _bounded_rows(reader, start=last_read + 1)
        except csv.Error as error:
            raise FileRefused(Message("CSV 格式错误：%(error)s", error=str(error))) from None

    return SurveySource(
        kind="csv",
        header=header,
        header_cells=header_cells,
        rows=rows(),
        encoding={"utf-8-sig": "utf-8 (BOM)"}.get(codec, codec),
        delimiter=delimiter,
        total=size,
        position=raw.tell,
        close=text.close,
    )


def _bounded_lines(text: io.TextIOBase, count: int | None = None) -> Iterator[str]:
    """The lines of `text` (the first `count` of them), refusing one longer than CSV_MAX_LINE_CHARS
    before it is read whole."""
    number = 0
    while count is None or number < count:
        line = text.readline(CSV_MAX_LINE_CHARS + 1)
        if not line:
            return
        number += 1
        if len(line) > CSV_MAX_LINE_CHARS:
            raise FileRefused(Message("文件第 %(line)d 行超过 %(limit)d 个字符，不像调查表：请检查文件内容后重新保存为 CSV",
                                      line=number, limit=CSV_MAX_LINE_CHARS))
        yield line


def _bounded_rows(reader, start: int = 1) -> Iterator[tuple[int, list[object]]]:
    """The rows of a CSV reader, numbered from `start`, refusing one with more than CSV_MAX_COLUMNS cells."""
    for index, cells in enumerate(reader, start=start):
        if len(cells) > CSV_MAX_COLUMNS:
            raise FileRefused(Message("第 %(row)d 行有 %(cols)d 列，超过 %(limit)d 列的上限：请检查分隔符或文件内容",
                                      row=index, cols=len(cells), limit=CSV_MAX_COLUMNS))
        yield index, cells


def _find_header(numbered: Iterator[tuple[int, list[object]]], scheme=survey_columns) -> tuple[HeaderMap, list[str], int, list]:
    """Find the header among the first rows (a title row may precede it); refuse when it lacks required columns.

    Returns the mapping, the header cells, the number of the last row read, and the rows read past the header.
    """
    seen: list[tuple[int, list[object]]] = []
    for number, cells in numbered:
        seen.append((number, cells))
        if scheme.recognised_count(cells) >= 2 or len(seen) >= HEADER_SEARCH_ROWS:
            break
    if not seen:
        raise FileRefused(Message("文件是空的"))
    best_number, best_cells = max(seen, key=lambda item: (scheme.recognised_count(item[1]), -item[0]))
    if scheme.recognised_count(best_cells) == 0:
        best_number, best_cells = seen[0]
    header = scheme.map_header(best_cells)
    if header.problems:
        shown = "；".join(problem[:200] for problem in header.problems[:HEADER_PROBLEMS_SHOWN])
        if len(header.problems) > HEADER_PROBLEMS_SHOWN:  # a flashed message must fit in a cookie
            raise FileRefused(Message("表头有误（共%(n)d处，以下是前%(shown)d处）：%(problems)s",
                                      n=len(header.problems), shown=HEADER_PROBLEMS_SHOWN, problems=shown))
        raise FileRefused(Message("表头有误：%(problems)s", problems=shown))
    held = [item for item in seen if item[0] > best_number]
    cells = ["" if c is None else str(c).replace("\ufeff", "").strip() for c in best_cells]
    return header, cells, seen[-1][0], held


# --- XLSX -------------------------------------------------------------------------------------

#: Bounds checked before openpyxl parses anything (a zip bomb, or millions of shared strings, would
#: otherwise exhaust a worker's memory or time); the rows and columns are checked again while the
#: sheet is read (its declared dimension may be absent or false). Settings: config.py (ORGBUILD_XLSX_*).
XLSX_MAX_UNPACKED = 512 << 20  # bytes, all parts together
XLSX_MAX_SHARED_STRINGS_BYTES = 64 << 20  # openpyxl keeps every shared string in memory
XLSX_MAX_SHARED_STRINGS = 500_000  # a 100,000-row survey holds about 300,000; 500,000 stay under 250 MB
XLSX_MAX_ROWS = 1_048_576  # Excel's own limit
XLSX_MAX_COLUMNS = 16_384  # Excel's own limit (XFD)


@dataclass(frozen=True)
class XlsxLimits:
    """How much of a workbook the reader agrees to unpack and parse."""

    unpacked: int = XLSX_MAX_UNPACKED
    shared_strings_bytes: int = XLSX_MAX_SHARED_STRINGS_BYTES
    shared_strings: int = XLSX_MAX_SHARED_STRINGS
    rows: int = XLSX_MAX_ROWS
    columns: int = XLSX_MAX_COLUMNS

    @classmethod
    def from_config(cls, config) -> "XlsxLimits":
        """The limits the settings name (config.py), the defaults for any not set."""
        defaults = cls()
        return cls(**{name: int(config.get("XLSX_MAX_" + name.upper(), getattr(defaults, name)))
                      for name in ("unpacked", "shared_strings_bytes", "shared_strings", "rows", "columns")})


_SST_COUNT = re.compile(rb'<(?:\w+:)?sst\b[^>]*?\buniqueCount="(\d+)"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="[A-Z]+\d+:([A-Z]+)(\d+)"')


def _megabytes(size: int) -> float:
    return round(size / 1048576, 1)


def _too_many_strings(count: int, limits: XlsxLimits) -> FileRefused:
    return FileRefused(Message("Excel 文件中的不同文字过多（%(n)d 个，上限为 %(limit)d 个），请另存为 CSV 后再上传",
                               n=count, limit=limits.shared_strings))


_SST_ROOT = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?sst\b")


def _count_shared_strings(part, limits: XlsxLimits) -> None:
    """Count the shared strings by streaming the part (the declared count may be absent or false);
    stop as soon as there are more than the limit. An item opens as <si>, <si/> or <si attr…>, with
    the root element's namespace prefix if it has one."""
    head = part.read(4096)
    root = _SST_ROOT.search(head)
    prefix = root.group(1) + b":" if root and root.group(1) else b""
    openings = tuple(b"<" + prefix + b"si" + end for end in (b">", b"/>", b" "))
    margin = max(len(opening) for opening in openings)
    count, tail = 0, head
    for chunk in iter(lambda: part.read(_CHUNK), b""):
        data = tail + chunk
        if len(data) <= margin:
            tail = data
            continue
        keep = len(data) - margin  # an opening cut by the chunk boundary is counted with the next chunk
        count += sum(data.count(opening, 0, keep + len(opening) - 1) for opening in openings)
        tail = data[keep:]
        if count > limits.shared_strings:
            raise _too_many_strings(count, limits)
    count += sum(tail.count(opening) for opening in openings)
    if count > limits.shared_strings:
        raise _too_many_strings(count, limits)


def _too_large(rows: int, columns: int, limits: XlsxLimits) -> FileRefused:
    return FileRefused(Message("工作表过大（%(rows)d 行、%(cols)d 列），上限为 %(max_rows)d 行、%(max_cols)d 列",
                               rows=rows, cols=columns, max_rows=limits.rows, max_cols=limits.columns))


def check_xlsx_bounds(archive: zipfile.ZipFile, limits: XlsxLimits | None = None) -> None:
    """Refuse a workbook whose directory declares more than the bounds (sizes, shared strings, rows,
    columns); only the directory, the first bytes of the sheets and the shared strings (streamed,
    never held) are read."""
    limits = limits or XlsxLimits()
    infos = archive.infolist()
    unpacked = sum(info.file_size for info in infos)
    if unpacked > limits.unpacked:
        raise FileRefused(Message("Excel 文件解压后过大（%(size)s MB），上限为 %(limit)s MB；请删除多余的工作表或另存为 CSV",
                                  size=_megabytes(unpacked), limit=_megabytes(limits.unpacked)))
    for info in infos:
        name = info.filename.lower()
        if name.endswith("sharedstrings.xml"):
            if info.file_size > limits.shared_strings_bytes:
                raise FileRefused(Message("Excel 文件中的文字过多（共享字符串 %(size)s MB，上限为 %(limit)s MB），请另存为 CSV 后再上传",
                                          size=_megabytes(info.file_size), limit=_megabytes(limits.shared_strings_bytes)))
            with archive.open(info) as part:
                found = _SST_COUNT.search(part.read(4096))
            if found and int(found.group(1)) > limits.shared_strings:
                raise _too_many_strings(int(found.group(1)), limits)
            with archive.open(info) as part:
                _count_shared_strings(part, limits)
        elif name.startswith("xl/worksheets/") and name.endswith(".xml"):
            with archive.open(info) as part:
                found = _DIMENSION.search(part.read(4096))
            if found:
                columns = 0
                for letter in found.group(1).decode():
                    columns = columns * 26 + ord(letter) - 64
                if int(found.group(2)) > limits.rows or columns > limits.columns:
                    raise _too_large(int(found.group(2)), columns, limits)


class _FormulaWithoutValue:
    """A formula cell saved without its result (written by a program, never calculated by Excel)."""

    def __str__(self) -> str:
        return ""

    def __repr__(self) -> str:
        return "<formula without value>"


#: The value the reader gives such a cell; the row checker names it (imports/rows.py).
FORMULA_WITHOUT_VALUE = _FormulaWithoutValue()


def _sheet_rows(workbook, worksheet, limits: XlsxLimits) -> Iterator[tuple[int, list[object]]]:
    """(row number, values) of every row the sheet holds, parsed as a stream; a formula without a
    cached value reads as FORMULA_WITHOUT_VALUE, and a row or column beyond the limits refuses the file."""
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        """openpyxl's own sheet parser, telling a formula without a value from an empty cell."""

        def parse_cell(self, element):
            cell = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                cell["value"] = FORMULA_WITHOUT_VALUE
            return cell

    with worksheet._get_source() as source:  # noqa: SLF001 - the read-only sheet's own XML stream
        parser = Parser(source, worksheet._shared_strings, data_only=True, epoch=workbook.epoch,  # noqa: SLF001
                        date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats)  # noqa: SLF001
        for number, cells in parser.parse():
            width = max((cell["column"] for cell in cells), default=0)
            if number > limits.rows or width > limits.columns:
                raise _too_large(number, width, limits)
            values: list[object] = [None] * width
            for cell in cells:
                values[cell["column"] - 1] = cell["value"]
            yield number, values


def _open_xlsx(path: str, sheet_name: str | None, scheme=survey_columns, limits: XlsxLimits | None = None) -> SurveySource:
    """Open an XLSX in read-only mode (first sheet, or the named one) and find the header."""
    from openpyxl import load_workbook

    limits = limits or XlsxLimits()
    try:
        with zipfile.ZipFile(path) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise FileRefused(Message("这是 ZIP 压缩文件或其他 Office 文件，不是 Excel 工作簿（.xlsx）"))
            check_xlsx_bounds(archive, limits)
        handle = open(path, "rb")  # noqa: SIM115 - a file object: openpyxl would insist on an .xlsx file name
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
        except Exception:
            handle.close()
            raise
    except FileRefused:
        raise
    except Exception:  # noqa: BLE001 - any failure to open is a refusal, never a 500
        raise FileRefused(Message("无法读取该 Excel 文件，文件可能已损坏")) from None

    def close() -> None:
        """Close the workbook and its file."""
        workbook.close()
        handle.close()

    names = workbook.sheetnames
    if sheet_name is not None and sheet_name not in names:
        close()
        raise FileRefused(Message("找不到工作表“%(sheet)s”，工作簿中的工作表有：%(names)s", sheet=sheet_name, names="、".join(names)))
    worksheet = workbook[sheet_name] if sheet_name is not None else workbook.worksheets[0]
    counter = [0]

    def numbered() -> Iterator[tuple[int, list[object]]]:
        """Every row of the sheet with its row number (kept for the progress bar)."""
        try:
            for number, values in _sheet_rows(workbook, worksheet, limits):
                counter[0] = number
                yield number, values
        except FileRefused:
            raise
        except Exception:  # noqa: BLE001 - a sheet that does not parse is a refusal, never a 500
            raise FileRefused(Message("无法读取该 Excel 文件，文件可能已损坏")) from None

    stream = numbered()
    try:
        header, cells, _last_read, held = _find_header(stream, scheme)
    except FileRefused:
        close()
        raise

    def rows() -> Iterator[tuple[int, list[object]]]:
        """The rows after the header."""
        yield from held
        yield from stream

    return SurveySource(
        kind="xlsx",
        header=header,
        header_cells=cells,
        rows=rows(),
        sheet=worksheet.title,
        total=worksheet.max_row or 0,
        position=lambda: counter[0],
        close=close,
    )
