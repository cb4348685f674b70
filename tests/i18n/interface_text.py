"""Collect the interface text of a rendered page: the words of its headings, labels, buttons, table
headers, navigation links, badges, alerts, form errors, option lists and title, plus the
user-facing attributes (placeholder, aria-label, title). Data shown in the page (organisation
names, streets …) is removed by the caller; what remains must be in the page's language.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

#: Chinese characters and full-width punctuation (：（），、。).
CJK = re.compile(r"[\u3001-\u303f\u3400-\u9fff\uf900-\ufaff\uff01-\uff5e]")
#: Elements whose whole text is interface text.
TAGS = {"h1", "h2", "h3", "h4", "h5", "label", "button", "th", "title", "option", "dt", "legend"}
#: Classes whose element's whole text is interface text.
CLASSES = {"btn", "card-header", "badge", "alert", "invalid-feedback", "navbar-brand", "nav-link"}
ATTRIBUTES = ("placeholder", "aria-label", "title")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class InterfaceText(HTMLParser):
    """An HTML parser gathering (element description, text) pairs of interface elements."""

    def __init__(self) -> None:
        """Start with an empty element stack."""
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict, bool, bool]] = []  # tag, attrs, collects, skipped
        self.found: list[tuple[str, str]] = []
        self.buffers: list[list[str]] = []

    def _skipped(self) -> bool:
        return any(skipped for _t, _a, _c, skipped in self.stack)

    def handle_starttag(self, tag: str, attrs_list) -> None:
        """Open an element; note whether its text is interface text."""
        attrs = {k: v or "" for k, v in attrs_list}
        classes = set(attrs.get("class", "").split())
        # The language switch names each language in that language (中文 / English) on purpose.
        skipped = tag == "form" and "/language/" in attrs.get("action", "")
        in_nav = any(t == "nav" for t, *_ in self.stack)
        if not self._skipped() and not skipped:
            for name in ATTRIBUTES:
                if attrs.get(name):
                    self.found.append((f"{tag}[{name}]", attrs[name]))
        collects = tag in TAGS or bool(classes & CLASSES) or (tag == "a" and in_nav)
        if tag in VOID:
            return
        self.stack.append((tag, attrs, collects, skipped))
        if collects:
            self.buffers.append([])

    def handle_endtag(self, tag: str) -> None:
        """Close the element (and any left open inside it)."""
        if not any(t == tag for t, *_ in self.stack):
            return
        while self.stack:
            open_tag, attrs, collects, _skipped = self.stack.pop()
            if collects:
                text = " ".join("".join(self.buffers.pop()).split())
                if text and not self._skipped() and not _skipped:
                    self.found.append((f"{open_tag}.{attrs.get('class', '')}".rstrip("."), text))
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        """Text goes to every open interface element."""
        for buffer in self.buffers:
            buffer.append(data)


def interface_text(html: str) -> list[tuple[str, str]]:
    """(element, text) of every interface element of `html`."""
    parser = InterfaceText()
    parser.feed(html)
    parser.close()
    return parser.found


def chinese_interface_text(html: str, data: list[str], allowed: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Interface elements still holding Chinese once the `data` strings and `allowed` terms are removed."""
    leftovers = []
    for element, text in interface_text(html):
        stripped = text
        for value in sorted({*data, *allowed}, key=len, reverse=True):
            if value:
                stripped = stripped.replace(value, " ")
        if CJK.search(stripped):
            leftovers.append((element, text))
    return leftovers
