"""The committed catalogues are up to date and complete.

The interface strings are extracted from the sources exactly as ``make translations`` does (same
``babel.cfg``, same keywords); every one must have a non-fuzzy English translation with the same
placeholders, and each committed ``.mo`` must hold exactly what its ``.po`` compiles to. When this
fails after you added a ``_('新文字')``: run ``make translations``, fill in the English msgstr in
``orgbuild/translations/en/LC_MESSAGES/messages.po``, run ``make translations`` again, commit both.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "orgbuild" / "translations"
#: The keywords the Makefile's ``translations`` target passes to ``pybabel extract`` (-k _l -k N_ -k Message).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "N_": None, "Message": None}
HOW_TO_FIX = (
    "run `make translations`, fill in the English msgstr in "
    "orgbuild/translations/en/LC_MESSAGES/messages.po, then run `make translations` again and commit the .po and .mo"
)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")


def extract_msgids(root: Path = ROOT) -> dict[str, str]:
    """msgid → first source location, of every string ``pybabel extract -F babel.cfg`` finds under `root`."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(root), method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def load_po(locale: str):
    """The committed catalogue of `locale`."""
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=locale)


def missing_translations(msgids: dict[str, str], catalogue) -> list[str]:
    """'location: msgid' of each msgid without a usable (present, non-empty, non-fuzzy) translation."""
    missing = []
    for msgid, where in sorted(msgids.items(), key=lambda item: item[1]):
        entry = catalogue.get(msgid)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(f"{where}: {msgid}")
    return missing


def test_extraction_finds_the_interface_strings():
    msgids = extract_msgids()
    assert "组织列表" in msgids  # template and lazy_gettext
    assert "请先登录" in msgids  # N_()
    assert "请填写原因" in msgids  # rules.Message in domain code
    assert len(msgids) > 150


def test_a_new_untranslated_string_is_caught(tmp_path):
    (tmp_path / "orgbuild").mkdir()
    (tmp_path / "orgbuild" / "new_page.py").write_text("X = _('组织列表')\nY = _('新文字')\n", encoding="utf-8")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "new.html").write_text("<h1>{{ _('另一个新文字') }}</h1>", encoding="utf-8")
    missing = missing_translations(extract_msgids(tmp_path), load_po("en"))
    assert [m.split(": ", 1)[1] for m in missing] == ["新文字", "另一个新文字"]


def test_every_string_has_an_english_translation():
    missing = missing_translations(extract_msgids(), load_po("en"))
    assert not missing, f"{len(missing)} string(s) without English — {HOW_TO_FIX}:\n" + "\n".join(missing)


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_catalogue_has_no_fuzzy_entries_and_consistent_placeholders(locale):
    catalogue = load_po(locale)
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy entries in {locale} — check them and remove the fuzzy flag; {HOW_TO_FIX}: {fuzzy}"
    wrong = [
        (m.id, m.string)
        for m in catalogue
        if m.id and m.string and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))
    ]
    assert not wrong, f"placeholders differ between msgid and msgstr in {locale}: {wrong}"


def test_chinese_catalogue_knows_every_string():
    """zh_CN leaves msgstr empty (the msgid is the Chinese text) but must list every msgid."""
    catalogue = load_po("zh_CN")
    absent = [f"{where}: {msgid}" for msgid, where in extract_msgids().items() if catalogue.get(msgid) is None]
    assert not absent, f"zh_CN catalogue is stale — {HOW_TO_FIX}:\n" + "\n".join(absent)
    assert all(not m.string or m.string == m.id for m in catalogue if m.id), "zh_CN msgstr must be empty or the msgid"


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_committed_mo_matches_po(locale):
    expected = {m.id: m.string for m in load_po(locale) if m.id and m.string and not m.fuzzy}
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo", "rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    assert compiled == expected, f"messages.mo of {locale} is out of date with its .po — {HOW_TO_FIX}"
