"""Hostile workbooks built in a blink: a zip bomb (a part that unpacks to 1 GiB from about 1 MB) and
shared-string bombs (millions of strings in a few hundred KB), as real, well-formed .xlsx archives.

The bomb part is deflated once per MiB and the block repeated (a full flush makes each block stand
alone), so building a 1 GiB bomb costs a CRC, not a gigabyte of compression."""
from __future__ import annotations

import struct
import zlib

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

HEADER = ["单位名称", "统一社会信用代码", "所属街道"]


def _cell_xml(ref: str, value: str) -> str:
    escaped = value.replace("&", "&amp;").replace("<", "&lt;")
    return f'<c r="{ref}" t="inlineStr"><is><t>{escaped}</t></is></c>'


def sheet_xml(rows: list[list[str]], extra: str = "") -> bytes:
    """A worksheet of inline strings (row 1, 2, … in columns A, B, C, …)."""
    body = "".join(
        f'<row r="{n}">' + "".join(_cell_xml(f"{chr(65 + i)}{n}", v) for i, v in enumerate(cells)) + "</row>"
        for n, cells in enumerate(rows, start=1)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>{body}{extra}</sheetData></worksheet>'.encode()


def parts(sheet: bytes, shared_strings: bytes | None = None) -> dict[str, bytes]:
    """The parts of a one-sheet workbook (with a shared-strings part when given)."""
    sst_type = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                'spreadsheetml.sharedStrings+xml"/>') if shared_strings is not None else ""
    sst_rel = (f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
               if shared_strings is not None else "")
    found = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            f'{sst_type}</Types>').encode(),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>').encode(),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
            '<sheets><sheet name="摸排" sheetId="1" r:id="rId1"/></sheets></workbook>').encode(),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>{sst_rel}</Relationships>').encode(),
        "xl/worksheets/sheet1.xml": sheet,
    }
    if shared_strings is not None:
        found["xl/sharedStrings.xml"] = shared_strings
    return found


def _deflated(data: bytes) -> tuple[bytes, int, int]:
    """(raw deflate stream, CRC-32, size) of `data`."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data)


def deflated_repeat(head: bytes, unit: bytes, times: int, tail: bytes) -> tuple[bytes, int, int]:
    """(raw deflate stream, CRC-32, size) of ``head + unit * times + tail``, compressing `unit` once:
    after a full flush a block depends on nothing before it, so it can be repeated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(unit) + compressor.flush(zlib.Z_FULL_FLUSH)
    ending = compressor.compress(tail) + compressor.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(unit, crc)
    return start + block * times + ending, zlib.crc32(tail, crc), len(head) + len(unit) * times + len(tail)


def write_zip(path: str, members: dict[str, bytes], raw: dict[str, tuple[bytes, int, int]] | None = None) -> str:
    """A zip archive of `members` (deflated here) and of `raw` members (already deflated: stream, CRC,
    size); returns `path`."""
    items = [(name, *_deflated(data)) for name, data in members.items() if name not in (raw or {})]
    items += [(name, *value) for name, value in (raw or {}).items()]
    entries = []
    with open(path, "wb") as out:
        for name, data, crc, size in items:
            encoded = name.encode()
            offset = out.tell()
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, 8, 0, 0x21, crc, len(data), size, len(encoded), 0))
            out.write(encoded)
            out.write(data)
            entries.append((encoded, crc, len(data), size, offset))
        directory = out.tell()
        for encoded, crc, compressed, size, offset in entries:
            out.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x800, 8, 0, 0x21, crc, compressed, size,
                                  len(encoded), 0, 0, 0, 0, 0, offset))
            out.write(encoded)
        end = out.tell()
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), end - directory, directory, 0))
    return path


def valid_rows() -> list[list[str]]:
    """A header and one valid row of street 翠竹."""
    from tests.conftest import credit_code

    return [HEADER, ["炸弹测试有限公司", credit_code(), "翠竹"]]


def zip_bomb(path: str, gib: int = 1) -> str:
    """A workbook whose sheet unpacks to `gib` GiB (its rows, then spaces) from about a megabyte."""
    sheet = sheet_xml(valid_rows())
    cut = sheet.rindex(b"</worksheet>")
    bomb = deflated_repeat(sheet[:cut], b" " * (1 << 20), 1024 * gib, sheet[cut:])
    return write_zip(path, parts(sheet), {"xl/worksheets/sheet1.xml": bomb})


def shared_string_bomb(path: str, strings: int = 5_000_000, item: bytes = b"<si><t>a</t></si>",
                       declared: bool = True) -> str:
    """A workbook whose shared-strings part holds `strings` items (declared in uniqueCount, or not)."""
    count = f' count="{strings}" uniqueCount="{strings}"' if declared else ""
    head = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}"{count}>'.encode()
    bomb = deflated_repeat(head, item * 1000, strings // 1000, b"</sst>")
    return write_zip(path, parts(sheet_xml(valid_rows()), shared_strings=b""), {"xl/sharedStrings.xml": bomb})


def many_strings(path: str, strings: int) -> str:
    """A workbook of `strings` distinct shared strings (a file just under a limit: it must be read)."""
    head = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="{strings}" uniqueCount="{strings}">'
    body = "".join(f"<si><t>深圳市测试{n:07d}号有限公司</t></si>" for n in range(strings))
    return write_zip(path, parts(sheet_xml(valid_rows()), shared_strings=(head + body + "</sst>").encode()))


def comma_bomb(path: str, commas: int = 40_000_000) -> str:
    """A CSV whose second line is `commas` commas (40 MB): split whole, it would be 40 million cells."""
    with open(path, "wb") as handle:
        handle.write((",".join(HEADER) + "\n").encode())
        block = b"," * (1 << 20)
        for _ in range(commas >> 20):
            handle.write(block)
        handle.write(b"," * (commas & ((1 << 20) - 1)) + b"\n")
    return path
