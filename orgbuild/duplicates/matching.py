"""Finding likely duplicates with rapidfuzz on normalised names (reconcile.columns.name_key:
深圳市 / 罗湖区 and bracketed place names dropped, 有限责任公司 ≈ 有限公司, full-width ≈ half-width).

:class:`NameIndex` holds the organisations already known (id, credit code, name), blocked by the
first two characters of the normalised name (and, within a block, by the numerals of the name: numbered
siblings are never duplicates) so that a check compares with a few names, not all. A check scores the
whole block at once with rapidfuzz's ``process.cdist`` (vectorised in C), not one name at a time in a
Python loop; ``benchmarks/bench_duplicates.py`` measures the difference.
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Iterable

from rapidfuzz import fuzz, process

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


class _Block:
    """The normalised names of one block that carry the same numerals, in the order first added."""

    __slots__ = ("entries", "keys")

    def __init__(self) -> None:
        self.entries: dict[str, list[tuple[str, str, int | None]]] = {}
        self.keys: list[str] = []  # the keys of ``entries``, as a list cdist takes


class NameIndex:
    """Known organisations by the block of their normalised name."""

    def __init__(self) -> None:
        """An empty index."""
        self._blocks: dict[tuple[str, tuple[str, ...]], _Block] = {}

    def add(self, credit_code: str, name: str, org_id: int | None = None) -> None:
        """Know one more organisation. A normalised name keeps at most PER_NAME organisations: a check
        compares each distinct name once, so a file repeating one name stays linear, not quadratic."""
        key = name_key(name)
        block = self._blocks.get(_block_of(key))
        if block is None:
            block = self._blocks[_block_of(key)] = _Block()
        entries = block.entries.get(key)
        if entries is None:
            entries = block.entries[key] = []
            block.keys.append(key)
        if len(entries) < PER_NAME:
            entries.append((credit_code, name, org_id))

    def candidates(self, credit_code: str, name: str) -> list[Candidate]:
        """Known organisations under another credit code whose name is the same or similar, best first.

        Only names with the same numerals are compared (第一分店 / 第二分店, 1号 / 2号: numbered
        siblings, not the same firm); the block is scored in one ``process.cdist`` call."""
        key = name_key(name)
        block = self._blocks.get(_block_of(key))
        if block is None:
            return []
        scores = process.cdist([key], block.keys, scorer=fuzz.ratio, score_cutoff=SIMILAR, dtype="float64")[0]
        found = []
        for position in scores.nonzero()[0]:
            other_key = block.keys[position]
            score = 100.0 if other_key == key else float(scores[position])
            found.extend(Candidate(other_code, other_name, round(score, 1), org_id)
                         for other_code, other_name, org_id in block.entries[other_key] if other_code != credit_code)
        return sorted(found, key=lambda c: (-c.score, c.credit_code))


class SpilledNameIndex:
    """A :class:`NameIndex` too large to hold (a file of a million new organisations): its entries wait
    in a private temporary SQLite database on disk (deleted when closed; its page cache is the only
    memory it takes), and each chunk of rows to check gets a small in-memory :class:`NameIndex` of the
    blocks its names fall in (:meth:`window`). Within a block, entries come back in the order added,
    so that a window answers exactly as one index holding everything would."""

    FLUSH_EVERY = 5000
    BLOCKS_PER_QUERY = 500

    def __init__(self, cache_kib: int = 8192) -> None:
        """An empty index (the temporary database is created on first use)."""
        self._db = sqlite3.connect("", isolation_level=None)
        for pragma in (f"cache_size=-{int(cache_kib)}", "journal_mode=OFF", "synchronous=OFF", "temp_store=FILE"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute("CREATE TABLE names (seq INTEGER PRIMARY KEY, block TEXT NOT NULL, code TEXT NOT NULL,"
                         " name TEXT NOT NULL, org_id INTEGER)")
        self._db.execute("CREATE INDEX names_block ON names (block, seq)")
        self._pending: list[tuple[str, str, str, int | None]] = []
        self.count = 0

    def add(self, credit_code: str, name: str, org_id: int | None = None) -> None:
        """Know one more organisation (written to disk in batches)."""
        self._pending.append((_block_text(name_key(name)), credit_code, name, org_id))
        self.count += 1
        if len(self._pending) >= self.FLUSH_EVERY:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT INTO names (block, code, name, org_id) VALUES (?, ?, ?, ?)", self._pending)
            self._db.execute("COMMIT")
            self._pending = []

    def window(self, names: Iterable[str]) -> NameIndex:
        """An in-memory index of every known organisation in the blocks of these names (in the order added)."""
        self._flush()
        blocks = sorted({_block_text(name_key(name)) for name in names})
        index = NameIndex()
        found: list[tuple[int, str, str, int | None]] = []
        for start in range(0, len(blocks), self.BLOCKS_PER_QUERY):
            part = blocks[start:start + self.BLOCKS_PER_QUERY]
            found.extend(self._db.execute(
                f"SELECT seq, code, name, org_id FROM names WHERE block IN ({', '.join('?' * len(part))})", part))
        found.sort()
        for _seq, code, name, org_id in found:
            index.add(code, name, org_id)
        return index

    def close(self) -> None:
        """Drop the temporary database."""
        self._pending = []
        self._db.close()


def _block_text(key: str) -> str:
    """A block (:func:`_block_of`) as one string: the temporary database's key."""
    first, numerals = _block_of(key)
    return "\x1f".join((first, *numerals))


def _block_of(key: str) -> tuple[str, tuple[str, ...]]:
    """The block of a normalised name: its first two characters and its numerals."""
    return key[:2], tuple(_DIGITS.findall(key))


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
