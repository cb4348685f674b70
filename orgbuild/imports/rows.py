"""Normalising and validating one survey row: cells → :class:`actions.SurveyData`, with every
problem as a :class:`RowError` (row, column as written, value, Chinese message).

The consistency rules are those of the web form (``actions.survey_errors``); this module adds only
what a file needs: reading cells, unknown streets and communities, industries, text lengths and
the same credit code twice in one file.
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass

from ..campaign.actions import SurveyData, local_today, survey_errors
from ..domain import rules
from ..domain.rules import Message
from .columns import BY_FIELD, HeaderMap, industry_letter
from .reader import FORMULA_WITHOUT_VALUE

#: Fields an import writes: every survey field. The officer (负责团干) is written only from a cell that
#: names an active officer of the row's street (``officer_id`` then joins the row's supplied fields).
IMPORT_FIELDS = ("credit_code", "name", "street_id", "community_id", "industry", "org_type", "employees",
                 "youth_count", "league_members", "party_members", "has_party_org", "party_secretary",
                 "has_league_org", "league_contact", "contact_person", "contact_phone", "address", "surveyed_on")


@dataclass
class RowError:
    """One problem in one cell (or a whole row when ``column`` is empty)."""

    row: int
    column: str
    value: str
    message: Message

    def as_dict(self) -> dict:
        """The JSON form the CLI prints: row, column, value, message."""
        return {"row": self.row, "column": self.column, "value": self.value, "message": str(self.message)}


@dataclass
class SurveyRow:
    """A row that passed its checks: the values and which fields the file supplied."""

    number: int
    data: SurveyData
    supplied: tuple[str, ...]
    cells: list[object]
    values: dict[str, object]  # the supplied values (credit code normalised)


def officer_key(name: str) -> str:
    """The comparable form of an officer's display name or username: ASCII-normalised, no spaces, lower case.

    >>> officer_key(" Ｗang　Fang ")
    'wangfang'
    """
    return "".join(rules.to_halfwidth(name or "").split()).lower()


def cell_text(raw: object) -> str:
    """A cell as trimmed ASCII-normalised text ("" when blank); Excel numbers without a trailing ".0"."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        text = raw.strip()
        return text if text.isascii() else rules.to_halfwidth(text).strip()
    if isinstance(raw, bool):
        return "1" if raw else "0"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def written(raw: object) -> str:
    """A cell's value as the person wrote it (for error messages and the rejected-rows file)."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def column_letter(position: int) -> str:
    """The spreadsheet's name of a column: 1 → A, 27 → AA."""
    letters = ""
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def is_blank(cells: list[object]) -> bool:
    """Whether every cell of a row is empty (blank rows are skipped, not counted)."""
    for cell in cells:
        if cell is not None and (not isinstance(cell, str) or cell.strip()):
            return False
    return True


_BASE32 = str.maketrans(rules.CREDIT_CODE_CHARS, "0123456789abcdefghijklmnopqrstu")
_LOW64 = (1 << 64) - 1


class SeenCodes:
    """Valid credit code → the row it first appeared on, in flat arrays (16 bytes a slot, no object
    per code), so that duplicate detection stays small on a file of a million rows.

    A valid code is exactly its first 17 characters (the 18th is their check character): read in
    base 31 they make an 85-bit number, kept as a 64-bit low part and a 21-bit high part.
    """

    def __init__(self, expected: int = 0):
        """`expected`: an estimate of the number of rows (the table grows when it is exceeded)."""
        size = 1024
        while size < expected * 2:
            size *= 2
        self._allocate(size)

    def _allocate(self, size: int) -> None:
        """Empty arrays of `size` slots (a power of two)."""
        self.mask = size - 1
        self.low = array("Q", bytes(8 * size))
        self.high = array("I", bytes(4 * size))
        self.rows = array("I", bytes(4 * size))  # 0 = empty slot (row numbers start at 1)
        self.count = 0

    def first_row(self, code: str, number: int) -> int:
        """Register `code` seen on row `number`; return the row it first appeared on (`number` when new)."""
        value = int(code[:17].translate(_BASE32), 32)
        low, high = value & _LOW64, value >> 64
        rows, mask = self.rows, self.mask
        slot = hash(value) & mask
        while True:
            found = rows[slot]
            if not found:
                break
            if self.low[slot] == low and self.high[slot] == high:
                return found
            slot = (slot + 1) & mask
        rows[slot], self.low[slot], self.high[slot] = number, low, high
        self.count += 1
        if self.count * 2 > mask:
            self._grow()
        return number

    def _grow(self) -> None:
        """Double the table and re-insert every code (rare: the table is sized from the file)."""
        old = [(self.low[i], self.high[i], self.rows[i]) for i in range(self.mask + 1) if self.rows[i]]
        self._allocate((self.mask + 1) * 2)
        rows, mask = self.rows, self.mask
        for low, high, number in old:
            slot = hash((high << 64) | low) & mask
            while rows[slot]:
                slot = (slot + 1) & mask
            rows[slot], self.low[slot], self.high[slot] = number, low, high
        self.count = len(old)


class RowChecker:
    """Turns the cells of each row into a :class:`SurveyRow` or a list of :class:`RowError`."""

    def __init__(self, header: HeaderMap, streets: dict[str, int], communities: dict[tuple[int, str], int],
                 allowed_streets: set[int] | None, text_rows: bool = False, expected_rows: int = 0,
                 officers: dict[tuple[int, str], int | None] | None = None):
        """`streets`: street_key → id; `communities`: (street id, name) → id; `allowed_streets`: None = all;
        `text_rows`: every cell is a str (CSV), which allows a faster path; `expected_rows`: an estimate;
        `officers`: (street id, officer_key of a display name or username) → the active officer's id
        (None: two officers of the street answer to it)."""
        self.header = header
        self.officers = officers or {}
        self.officer_index = header.fields.get("officer_id")
        self.positions = {header.labels[f]: i for f, i in header.fields.items() if f in header.labels}
        self.text_rows = text_rows
        # text → parsed value, per kind: a file holds few distinct yes/no, street and industry spellings
        self.yes_no_memo: dict[str, bool] = {}
        self.street_memo: dict[str, int] = {}
        self.industry_memo: dict[str, str] = {}
        self.streets = streets
        self.communities = {(sid, rules.community_key(name)): cid for (sid, name), cid in communities.items()}
        self.allowed_streets = allowed_streets
        plan = [(f, header.fields[f], BY_FIELD[f].kind, BY_FIELD[f].max_length, header.labels[f]) for f in header.fields]
        self.text_plan = [(f, i, limit, label) for f, i, kind, limit, label in plan if kind == "text"]
        self.count_plan = [(f, i, label) for f, i, kind, _l, label in plan if kind == "count"]
        self.yes_no_plan = [(f, i, label) for f, i, kind, _l, label in plan if kind == "yes_no"]
        self.date_plan = [(f, i, label) for f, i, kind, _l, label in plan if kind == "date"]
        self.today = local_today()
        self.code_index = header.fields["credit_code"]
        self.street_index = header.fields["street_id"]
        self.industry_index = header.fields.get("industry")
        self.community_index = header.fields.get("community_id")
        self.width = max(header.fields.values()) + 1
        self.code_label = self.label("credit_code")
        self.supplied = tuple(f for f in IMPORT_FIELDS if f in header.fields)
        self.seen = SeenCodes(expected_rows)  # credit code → first row number (duplicates within the file)

    @staticmethod
    def remember(memo: dict, text: str, value: object) -> None:
        """Memoise a parsed value (bounded: only the first thousand distinct values are kept)."""
        if value is not None and len(memo) < 1000:
            memo[text] = value

    def column_position(self, error: RowError) -> int:
        """Where the error's column stands in the file (unknown columns last)."""
        return self.positions.get(error.column, len(self.positions))

    def label(self, field: str) -> str:
        """The column of `field` as written in the file."""
        return self.header.labels.get(field) or BY_FIELD[field].header

    def formula_errors(self, number: int, cells: list[object]) -> list[RowError]:
        """One error per cell of a read column holding a formula saved without its value (XLSX)."""
        names = {i: label for label, i in self.positions.items()}
        return [
            RowError(number, names[i], "", Message(
                "单元格 %(cell)s 是公式，但文件中没有保存它的计算结果：请用 Excel 打开该文件后保存，或把公式复制后“选择性粘贴为数值”，再重新上传",
                cell=f"{column_letter(i + 1)}{number}"))
            for i, c in enumerate(cells) if c is FORMULA_WITHOUT_VALUE and i in names
        ]

    def street_of(self, cells: list[object]) -> int | None:
        """The street a (rejected) row names, when it is one of the district's (None otherwise)."""
        if len(cells) <= self.street_index:
            return None
        text = rules.strip_control_chars(cell_text(cells[self.street_index])).strip()
        return self.streets.get(rules.street_key(text)) if text else None

    def control_errors(self, number: int, cells: list[object]) -> list[RowError]:
        """One error per cell holding a control character or NUL (the row is refused, never shifted)."""
        if self.text_rows:
            if not rules.CONTROL_CHARS.search("".join(cells)):
                return []
        elif not any(rules.has_control_chars(c) for c in cells):
            return []
        names = {i: label for label, i in self.positions.items()}
        return [
            RowError(number, names.get(i) or Message("第%(n)d列", n=i + 1), written(c).encode("unicode_escape").decode("ascii")
                     if c.isascii() else rules.strip_control_chars(c), Message(rules.CONTROL_CHARS_MESSAGE))
            for i, c in enumerate(cells) if rules.has_control_chars(c)
        ]

    def texts(self, cells: list[object]) -> list[str]:
        """Every cell as trimmed, ASCII-normalised text (one NFKC call per CSV row, for speed)."""
        if self.text_rows:
            joined = "\x1f".join(cells)  # cells hold no \x1f: check() refused such rows first
            if not joined.isascii():
                joined = rules.to_halfwidth(joined)
            return [t.strip() for t in joined.split("\x1f")]
        return [cell_text(c) for c in cells]

    def check(self, number: int, cells: list[object]) -> tuple[SurveyRow | None, list[RowError], list[RowError]]:
        """Check one row; returns (the row or None when rejected, its errors, its warnings)."""
        values: dict[str, object] = {}
        errors: list[RowError] = []
        warnings: list[RowError] = []
        supplied = self.supplied
        if len(cells) < self.width:
            cells = list(cells) + [""] * (self.width - len(cells))
        control = self.control_errors(number, cells)
        if control:
            return None, control, []
        if not self.text_rows:
            formulas = self.formula_errors(number, cells)
            if formulas:
                return None, formulas, []
        texts = self.texts(cells)
        for field, index, limit, label in self.text_plan:
            text = texts[index]
            if limit is not None and len(text) > limit:
                errors.append(RowError(number, label, written(cells[index]), Message("不能超过%(n)d个字符（现有%(m)d个）", n=limit, m=len(text))))
            values[field] = text or None
        for field, index, label in self.count_plan:
            text = texts[index]
            if text.isdigit() and text.isascii():
                values[field] = int(text)
                continue
            try:
                values[field] = rules.parse_count(text)
            except ValueError as problem:
                errors.append(RowError(number, label, written(cells[index]), problem.args[0]))
        memo = self.yes_no_memo
        for field, index, label in self.yes_no_plan:
            text = texts[index]
            value = memo.get(text)
            if value is None:
                try:
                    value = bool(rules.parse_yes_no(text))
                except ValueError as problem:
                    errors.append(RowError(number, label, written(cells[index]), problem.args[0]))
                    continue
                self.remember(memo, text, value)
            values[field] = value
        for field, index, label in self.date_plan:
            raw = texts[index] if self.text_rows or isinstance(cells[index], str) else cells[index]
            try:
                values[field] = rules.parse_date(raw, today=self.today)
            except ValueError as problem:
                errors.append(RowError(number, label, written(cells[index]), problem.args[0]))
            if values.get(field) is None:  # a blank survey date leaves the one on record (new: the import's day)
                supplied = tuple(f for f in supplied if f != field)
        values["credit_code"] = texts[self.code_index]
        text = texts[self.street_index]
        street_id = self.street_memo.get(text)
        if street_id is None and text:
            street_id = self.streets.get(rules.street_key(text))
            self.remember(self.street_memo, text, street_id)
        if text and street_id is None:
            errors.append(RowError(number, self.label("street_id"), written(cells[self.street_index]),
                                   Message("未知的街道“%(name)s”，应为本区的街道（写“桂园”或“桂园街道”均可）", name=text)))
        elif street_id is not None and self.allowed_streets is not None and street_id not in self.allowed_streets:
            errors.append(RowError(number, self.label("street_id"), written(cells[self.street_index]), Message("您不负责该街道")))
        values["street_id"] = street_id
        if self.industry_index is not None:
            text = texts[self.industry_index]
            letter = self.industry_memo.get(text)
            if letter is None and text:
                letter = industry_letter(text)
                self.remember(self.industry_memo, text, letter)
            if text and letter is None:
                errors.append(RowError(number, self.label("industry"), written(cells[self.industry_index]),
                                       Message("未知的行业类别，应为 GB/T 4754 门类字母（A–T）或门类名称")))
            values["industry"] = letter
        community_text = texts[self.community_index] if self.community_index is not None else ""
        if "community_id" in supplied:
            supplied = self._community(number, community_text, cells, values, warnings, supplied)
        data = SurveyData(**values)
        problems = survey_errors(data)
        if problems:
            reported = {e.column for e in errors}
            for field, message in problems:
                label = self.label(field)
                if label not in reported:
                    errors.append(RowError(number, label, self._value_of(field, cells), message))
        code_label = self.code_label
        if not errors or all(e.column != code_label for e in errors):
            first = self.seen.first_row(data.credit_code, number)
            if first != number:
                errors.append(RowError(number, code_label, self._value_of("credit_code", cells),
                                       Message("与第%(row)d行的统一社会信用代码重复", row=first)))
        if errors:
            errors.sort(key=self.column_position)  # left to right, as the person reads the row
            return None, errors, warnings
        values["credit_code"] = data.credit_code
        if self.officer_index is not None and texts[self.officer_index]:
            supplied = self._officer(number, texts[self.officer_index], values, warnings, supplied)
        return SurveyRow(number, data, supplied, cells, values), errors, warnings

    def _officer(self, number, text, values, warnings, supplied) -> tuple[str, ...]:
        """Resolve the 负责团干 cell to an active officer of the row's street; none (or two) answering to
        it is a warning: the row is imported and its officer left as it was."""
        found = self.officers.get((values["street_id"], officer_key(text)), 0)
        if found:
            values["officer_id"] = found
            return supplied + ("officer_id",)
        message = (Message("该街道有多名团干叫“%(name)s”，请写用户名；负责团干未修改", name=text) if found is None
                   else Message("“%(name)s”不是该街道启用的团干（按姓名或用户名查找），负责团干未修改", name=text))
        warnings.append(RowError(number, self.label("officer_id"), text, message))
        return supplied

    def _community(self, number, text, cells, values, warnings, supplied) -> tuple[str, ...]:
        """Resolve the community; an unknown one is ignored with a warning (communities change, admins add them)."""
        if not text:
            values["community_id"] = None
            return supplied
        street_id = values.get("street_id")
        community_id = self.communities.get((street_id, rules.community_key(text))) if street_id else None
        if community_id is None:
            warnings.append(RowError(number, self.label("community_id"), text,
                                     Message("社区“%(name)s”未在该街道登记，已忽略（不修改原有社区）", name=text)))
            return tuple(f for f in supplied if f != "community_id")
        values["community_id"] = community_id
        return supplied

    def _value_of(self, field: str, cells: list[object]) -> str:
        """The cell of `field` as written in the file."""
        index = self.header.fields.get(field)
        return written(cells[index]) if index is not None and index < len(cells) else ""
