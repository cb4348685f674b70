"""Every piece of text a user sees in a template goes through a translation call.

A small extractor: strip Jinja expressions, statements and comments, then HTML tags; whatever
letters remain (Chinese or Latin) are untranslated text. User-facing attributes (placeholder,
title, aria-label, alt) are checked the same way.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
TAG = re.compile(r"<[^>]*>", re.S)
SCRIPT_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
ATTR = re.compile(r'\b(placeholder|title|aria-label|alt)="([^"]*)"', re.I)
#: Chinese words, full-width punctuation (：（），、。) and Latin words.
WORDS = re.compile(r"[\u4e00-\u9fff\u3001-\u303f\uff01-\uff5e]+|[A-Za-z]{2,}")
#: Text that is the same in every language (entities, brand-free symbols).
ALLOWED = {"nbsp", "times", "middot", "mdash", "rarr", "larr"}


def untranslated(source: str) -> list[str]:
    """The untranslated words of a template's source."""
    found = []
    for _name, value in ATTR.findall(source):
        found += [w for w in WORDS.findall(JINJA.sub(" ", value)) if w not in ALLOWED]
    text = JINJA.sub(" ", source)
    text = SCRIPT_STYLE.sub(" ", text)
    text = TAG.sub(" ", text)
    found += [w for w in WORDS.findall(text) if w not in ALLOWED]
    return found


def test_extractor_catches_raw_text():
    assert untranslated("<p>{{ _('走访') }}</p>") == []
    assert untranslated("<p>走访 {{ x }}</p>") == ["走访"]
    assert untranslated('<input placeholder="Search">') == ["Search"]
    assert untranslated("<p>{% if a %}Save{% endif %}</p>") == ["Save"]
    assert untranslated("<p>{{ _('原因') }}：{{ reason }}</p>") == ["："]


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_has_no_untranslated_text(path):
    assert untranslated(path.read_text(encoding="utf-8")) == []
