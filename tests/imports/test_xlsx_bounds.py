"""XLSX bounds checked in the zip directory before parsing: unpacked size, shared strings, rows and
columns. The web upload and the CLI (exit 2) both refuse with a clear message; nothing is written."""
from __future__ import annotations

import zipfile

import pytest

from orgbuild.imports import reader
from tests.conftest import credit_code, login
from tests.imports.conftest import HEADER, row
from tests.imports.test_cli import invoke, orgs
from tests.imports.test_views import upload


def padded(path: str, size: int) -> str:
    """The workbook with an extra part of `size` zero bytes (compresses to almost nothing)."""
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * size)
    return path


def test_a_zip_bomb_is_refused_by_the_cli_with_exit_2(app, runner, write_xlsx):
    app.config["XLSX_MAX_UNPACKED"] = 1 << 20  # ORGBUILD_XLSX_MAX_UNPACKED_MB=1
    path = padded(write_xlsx({"摸排": [HEADER, row(credit_code())]}), 2 << 20)
    code, out = invoke(runner, path)
    assert code == 2 and "Excel 文件解压后过大" in out
    assert orgs() == 0


def with_shared_strings(path: str, unique: int, size: int = 0) -> str:
    """The workbook with a shared-strings part declaring `unique` strings (padded to `size` bytes)."""
    head = f'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' \
           f'count="{unique}" uniqueCount="{unique}">'.encode()
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", head + b"<si><t>a</t></si>" * max(1, size // 17) + b"</sst>")
    return path


def test_too_many_shared_strings_are_refused_before_parsing(runner, write_xlsx):
    path = with_shared_strings(write_xlsx({"摸排": [HEADER, row(credit_code())]}), unique=5_000_000)
    code, out = invoke(runner, path)
    assert code == 2 and "不同文字过多" in out
    path = with_shared_strings(write_xlsx({"摸排": [HEADER, row(credit_code())]}, name="b.xlsx"), unique=10,
                               size=reader.XLSX_MAX_SHARED_STRINGS_BYTES + 100)
    code, out = invoke(runner, path)
    assert code == 2 and "共享字符串" in out
    assert orgs() == 0


def test_a_zip_bomb_upload_gets_the_message_not_a_500(app, tmp_path, client, make_user, write_xlsx, monkeypatch):
    app.instance_path = str(tmp_path / "instance")
    app.config["XLSX_MAX_UNPACKED"] = 1 << 20
    make_user("sup", role="supervisor")
    login(client, "sup")
    path = padded(write_xlsx({"摸排": [HEADER, row(credit_code())]}), 2 << 20)
    with open(path, "rb") as handle:
        response = upload(client, handle.read(), name="摸底.xlsx")
    assert response.status_code == 200 and "Excel 文件解压后过大" in response.get_data(as_text=True)


def test_declared_dimensions_beyond_excel_are_refused(tmp_path, write_xlsx):
    path = write_xlsx({"摸排": [HEADER, row(credit_code())]})
    source = tmp_path / "big.xlsx"
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(source, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = data.replace(b'<dimension ref="A1:J2"/>', b'<dimension ref="A1:ZZZ2"/>')
            new.writestr(info, data)
    with pytest.raises(reader.FileRefused) as refused:
        reader.open_survey(str(source))
    assert "工作表过大" in refused.value.message


def test_the_bounds_are_settings(monkeypatch, tmp_path):
    """ORGBUILD_XLSX_* name the bounds; the reader applies what the configuration says."""
    from orgbuild.config import from_environment

    for name, value in (("UNPACKED_MB", "2"), ("SHARED_STRINGS_MB", "3"), ("SHARED_STRINGS", "1000"),
                        ("ROWS", "5000"), ("COLUMNS", "50")):
        monkeypatch.setenv("ORGBUILD_XLSX_MAX_" + name, value)
    limits = reader.XlsxLimits.from_config(from_environment(str(tmp_path)))
    assert limits == reader.XlsxLimits(unpacked=2 << 20, shared_strings_bytes=3 << 20, shared_strings=1000, rows=5000,
                                       columns=50)


def test_rows_and_columns_beyond_the_limits_are_refused_while_reading(tmp_path):
    """A sheet without a dimension (or a false one) is bounded as it is read: a cell in column 51 or a
    row numbered 5001 refuses the file."""
    from tests.imports import bombs

    limits = reader.XlsxLimits(rows=5000, columns=50)
    wide = bombs.sheet_xml(bombs.valid_rows(), extra='<row r="3"><c r="AY3" t="inlineStr"><is><t>x</t></is></c></row>')
    long = bombs.sheet_xml(bombs.valid_rows(), extra='<row r="5001"><c r="A5001" t="inlineStr"><is><t>x</t></is></c></row>')
    for name, sheet in (("wide", wide), ("long", long)):
        path = bombs.write_zip(str(tmp_path / f"{name}.xlsx"), bombs.parts(sheet))
        source = reader.open_survey(path, xlsx_limits=limits)
        with pytest.raises(reader.FileRefused) as refused:
            list(source.rows)
        source.close()
        assert "工作表过大" in refused.value.message, name
    fine = bombs.write_zip(str(tmp_path / "fine.xlsx"), bombs.parts(bombs.sheet_xml(bombs.valid_rows())))
    source = reader.open_survey(fine, xlsx_limits=limits)
    assert [cells[0] for _n, cells in source.rows] == ["炸弹测试有限公司"]
    source.close()
