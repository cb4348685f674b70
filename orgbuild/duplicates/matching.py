"""Finding likely duplicates with rapidfuzz on normalised names (reconcile.columns.name_key:
深圳市 / 罗湖区 and bracketed place names dropped, 有限责任公司 ≈ 有限公司, full-width ≈ half-width).

:class:`NameIndex` holds the organisations already known (id, credit code, name), blocked by the
first two characters of the normalised name and its numerals (names with other numerals are never
duplicates: 1号 / 2号), so that a check compares with a few names, not all — also in a file whose
names share their first characters (测试1号…, 测试2号…), which would otherwise be quadratic.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz

from ..domain.rules import Message
from ..domain.rules import name_key

#: a name this similar (0–100, rapidfuzz ratio of the normalised names) is a likely duplicate
SIMILAR = 88
#: a credit code whose name changed to something less similar than this looks like another firm
RENAMED_BELOW = 50
#: organisations kept per normalised name (enough to name the likely duplicates)
PER_NAME = 5


_DIGITS = re.compile(r"[0-9一二三四五六七八九十]+")  # data: numerals
_COMPANY_FORM = re.compile(r"(股份有限公司|有限公司|集团|公司)$")  # data: company forms


def name_core(name: str) -> str:
    """The normalised name without its company form: what a renamed firm changes."""
    return _COMPANY_FORM.sub("", name_key(name))


@dataclass(frozen=True)
class Candidate:
    """An organisation that may be the same as the one being checked."""

    credit_code: str
    name: str
    score: float  # 100: the same normalised name
    org_id: int | None = None


class NameIndex:
    """Known organisations by the block of their normalised name."""

    def __init__(self) -> None:
        """An empty index."""
        self._blocks: dict[tuple, dict[str, list[tuple[str, str, int | None]]]] = defaultdict(dict)

    def add(self, credit_code: str, name: str, org_id: int | None = None) -> None:
        """Know one more organisation. A normalised name keeps at most PER_NAME organisations: a check
        compares each distinct name once, so a file repeating one name stays linear, not quadratic."""
        key = name_key(name)
        entries = self._blocks[_block(key)].setdefault(key, [])
        if len(entries) < PER_NAME:
            entries.append((credit_code, name, org_id))

    def candidates(self, credit_code: str, name: str) -> list[Candidate]:
        """Known organisations under another credit code whose name is the same or similar, best first."""
        key = name_key(name)
        found = []
        # one block holds the names with the same first characters and the same numerals: 第一分店 /
        # 第二分店, 1号 / 2号 are numbered siblings, not the same firm, and are never compared
        for other_key, entries in self._blocks.get(_block(key), {}).items():
            if other_key == key:
                score = 100.0
            else:
                score = fuzz.ratio(key, other_key, score_cutoff=SIMILAR)
            if score:
                found.extend(Candidate(other_code, other_name, round(score, 1), org_id)
                             for other_code, other_name, org_id in entries if other_code != credit_code)
        return sorted(found, key=lambda c: (-c.score, c.credit_code))


def _block(key: str) -> tuple:
    """The block of a normalised name: its first two characters and its numerals."""
    return (key[:2], *_DIGITS.findall(key))


def duplicate_message(candidate: Candidate) -> Message:
    """The warning shown for a likely duplicate (Chinese, translatable)."""
    if candidate.score >= 100:
        return Message("疑似重复：与已有的“%(name)s”（%(code)s）名称相同，但统一社会信用代码不同",
                       name=candidate.name, code=candidate.credit_code)
    return Message("疑似重复：与已有的“%(name)s”（%(code)s）名称相似（相似度 %(score)s）",
                   name=candidate.name, code=candidate.credit_code, score=candidate.score)


def renamed_message(old_name: str, new_name: str) -> Message | None:
    """A warning when a credit code's name changes beyond the threshold (a renamed firm, or a wrong code)."""
    if fuzz.ratio(name_core(old_name), name_core(new_name)) >= RENAMED_BELOW:
        return None
    return Message("名称变化较大：该信用代码原登记为“%(old)s”，请确认是更名还是信用代码填错", old=old_name)
