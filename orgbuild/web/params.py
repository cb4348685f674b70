"""Whole numbers and dates read from a request (URL, query string, hidden field): ASCII digits within
what the database can hold, dates within bounds. Anything else does not match (a URL: 404), is ignored
(a list filter, as before), or is refused (the API: 400; a hidden field: 400), never a 500.
"""
from __future__ import annotations

import re
from datetime import date

from werkzeug.routing import IntegerConverter

#: The largest value of a 32-bit INTEGER column (PostgreSQL's ``integer``); ids and counts fit in it.
MAX_INT = 2**31 - 1
#: Dates a query string may filter on; outside them date arithmetic (a day later) would overflow.
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2999, 12, 31)

_DIGITS = re.compile(r"[0-9]{1,10}")


def parse_int(text: object, low: int = 0, high: int = MAX_INT) -> int | None:
    """`text` as an int when it is 1–10 ASCII digits within [low, high]; None otherwise
    (``"²".isdigit()`` is True, and ``int`` accepts Arabic-Indic digits: neither is taken)."""
    text = str(text if text is not None else "").strip()
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_date(text: object, low: date = MIN_DATE, high: date = MAX_DATE) -> date | None:
    """`text` as a YYYY-MM-DD date within [low, high]; None otherwise."""
    text = str(text if text is not None else "").strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None
    return value if low <= value <= high else None


#: Query-string arguments that are whole numbers (ids, a year, a page) or dates on every page.
INT_ARGS = frozenset({"street", "officer", "district", "page", "per_page", "year", "org", "user", "with", "batch",
                      "snapshot", "offset"})
DATE_ARGS = frozenset({"from", "to", "as_of", "day"})


def unreadable_arg(args) -> str | None:
    """The first query-string argument of INT_ARGS written as a number that cannot be read: digits that
    are not ASCII (``²``, ``١٢``) or a value out of range (20 digits, -1). An empty value, or one without
    any digit (a name), is left to the page, which ignores it. One check for every page: web/setup.py
    answers 400. Dates (DATE_ARGS) are each page's: an unreadable one is ignored with a message that
    says so (views/helpers.py ``requested_date``), as the issue's out-of-range dates must be.

    >>> [unreadable_arg({"street": v}) for v in ("12", "", "翠竹", "²", "١٢", "9" * 20, "-1")]
    [None, None, None, 'street', 'street', 'street', 'street']
    """
    for name in args:
        for value in args.getlist(name) if hasattr(args, "getlist") else [args[name]]:
            text = (value or "").strip()
            if not text:
                continue
            if not any(ch.isdigit() for ch in text):
                continue
            if name in INT_ARGS and parse_int(text) is None:
                return name
    return None


class BoundedIntConverter(IntegerConverter):
    """The ``<int:…>`` URL converter: ASCII digits only, at most MAX_INT (else the route does not match: 404)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=0 if min is None else min,
                         max=MAX_INT if max is None else max, signed=signed)
