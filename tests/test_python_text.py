"""Chinese text in the Python sources is either a translatable message or data.

Every string constant containing Chinese must be the first argument of a translation marker
(``_``, ``_l``, ``gettext``, ``lazy_gettext``, ``ngettext``, ``N_``, ``Message``), a docstring, or live
in a module that holds reference or demo *data* (street names, sample company names, header aliases),
or sit on a line marked ``# data`` (vocabulary the parser reads, never shown as interface text).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "orgbuild"
CJK = re.compile(r"[\u4e00-\u9fff]")
MARKERS = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "N_", "Message", "pgettext"}
#: Modules whose Chinese strings are data, not interface text.
DATA_MODULES = {"districts/reference.py", "demo/service.py", "demo/builder.py", "demo/names.py"}


def raw_chinese_strings(source: str) -> list[tuple[int, str]]:
    """(line, text) of Chinese string constants that are not marked for translation."""
    tree = ast.parse(source)
    lines = source.splitlines()
    marked: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name in MARKERS and node.args:
                marked.update(id(n) for n in ast.walk(node.args[0]))
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                marked.add(id(body[0].value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and CJK.search(node.value)
        and id(node) not in marked
        and "# data" not in lines[node.lineno - 1]
    ]


def test_checker_finds_raw_text():
    assert raw_chinese_strings("x = '走访'") == [(1, "走访")]
    assert raw_chinese_strings("x = _('走访')") == []
    assert raw_chinese_strings("x = Message('%(n)s 家', n=1)") == []
    assert raw_chinese_strings("x = {'是', '否'}  # data: yes/no words") == []


@pytest.mark.parametrize(
    "path",
    sorted(p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).as_posix() not in DATA_MODULES),
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_module_marks_its_chinese_text(path):
    assert raw_chinese_strings(path.read_text(encoding="utf-8")) == []
