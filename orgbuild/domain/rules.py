"""Pure domain rules: the credit-code check, branch-type thresholds and value normalisation.

No Flask, no SQLAlchemy: everything here is a plain function over plain values, so the import
service, the forms and the status machine share one definition of each rule.
"""
from __future__ import annotations

import operator
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The 31 characters of GB 32100-2015, in value order (I, O, S, V, Z never occur).
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_VALUES = {ch: i for i, ch in enumerate(CREDIT_CODE_CHARS)}
CREDIT_CODE_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_CREDIT_CODE_SET = frozenset(CREDIT_CODE_CHARS)
_CREDIT_CODE_STRIP = str.maketrans("", "", " \t\r\n-\u3000")


def N_(message: str) -> str:
    """Mark a message for translation without translating it (the web layer translates)."""
    return message


class Message(str):
    """A user-facing message: reads as the Chinese text, and keeps its template and parameters
    so that the web layer can translate it into another language (``gettext(m.template) % m.params``).
    """

    template: str
    params: dict

    def __new__(cls, template: str, **params: object) -> "Message":
        obj = super().__new__(cls, template % params if params else template)
        obj.template = template
        obj.params = params
        return obj


#: Control characters and NUL that no text field may hold (tab, line feed and carriage return are text).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_CHARS_MESSAGE = N_("含有控制字符（不可见的特殊字符），请删除后重新填写")


def has_control_chars(text: object) -> bool:
    """Whether `text` holds a control character or NUL (tab and line breaks are allowed)."""
    return isinstance(text, str) and CONTROL_CHARS.search(text) is not None


def strip_control_chars(text: str) -> str:
    """`text` without control characters or NUL (for writing what is already stored, e.g. an export)."""
    return CONTROL_CHARS.sub("", text)


#: A cell beginning with one of these is read as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> object:
    """A cell fit for a CSV or XLSX download: control characters dropped (openpyxl refuses them) and a
    text that a spreadsheet would run as a formula prefixed with ' — also when it only becomes one
    once full-width characters are normalised (＝, ＋, －, ＠) or leading spaces are trimmed.

    >>> escape_cell("=1+1"), escape_cell("-5"), escape_cell("＝HYPERLINK(1)"), escape_cell(-5), escape_cell("正常")
    ("'=1+1", "'-5", "'＝HYPERLINK(1)", -5, '正常')
    """
    if not isinstance(value, str):
        return value
    if CONTROL_CHARS.search(value):
        value = strip_control_chars(value)
    first = value.lstrip(" \u3000")[:1] or value[:1]
    if first in FORMULA_PREFIXES or not first.isascii() and to_halfwidth(first).startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_halfwidth(text: str) -> str:
    """Turn full-width digits, letters and punctuation (１２, ＡＢ) into ASCII; NFKC does exactly this."""
    return unicodedata.normalize("NFKC", text)


def normalize_credit_code(raw: str | None) -> str:
    """Strip spaces and hyphens, turn full-width into ASCII and upper-case a credit code."""
    if raw is None:
        return ""
    return to_halfwidth(str(raw)).translate(_CREDIT_CODE_STRIP).upper()


def credit_code_check_char(first17: str) -> str:
    """Return the GB 32100-2015 check character for the first 17 characters of a code.

    >>> credit_code_check_char("91110000600037341")
    'L'
    """
    total = sum(map(operator.mul, map(CREDIT_CODE_VALUES.__getitem__, first17), CREDIT_CODE_WEIGHTS))
    c = 31 - total % 31
    return CREDIT_CODE_CHARS[0 if c == 31 else c]


def credit_code_error(code: str) -> str | None:
    """Explain why a normalised credit code is invalid, or return None when it is valid.

    >>> credit_code_error("91110000600037341L") is None
    True
    >>> credit_code_error("91110000600037341N")
    '校验位错误：应为 L'
    """
    if not code:
        return Message("统一社会信用代码不能为空")
    if len(code) != 18:
        return Message("统一社会信用代码应为18位，实为%(n)d位", n=len(code))
    bad = sorted(set(code) - _CREDIT_CODE_SET)
    if bad:
        return Message("含有不允许的字符：%(chars)s", chars="".join(bad))
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        return Message("校验位错误：应为 %(char)s", char=expected)
    return None


def is_valid_credit_code(raw: str | None) -> bool:
    """True when `raw`, once normalised, is a valid unified social credit code."""
    return credit_code_error(normalize_credit_code(raw)) is None


# --- yes / no -------------------------------------------------------------------------------

YES_WORDS = {"是", "有", "y", "yes", "√", "✓", "✔", "1", "true", "t", "已建", "已建立"}  # data: cell vocabulary
NO_WORDS = {"否", "无", "没有", "n", "no", "×", "✗", "✘", "x", "0", "false", "f", "未建", "未建立"}  # data: cell vocabulary


def parse_yes_no(raw: object) -> bool | None:
    """Read a yes/no cell (是/否, 有/无, Y/N, √/×, 1/0, true/false); None when blank.

    Raises ValueError for anything else.
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        return raw
    text = to_halfwidth(str(raw)).strip().lower()
    if text == "":
        return None
    if text in YES_WORDS:
        return True
    if text in NO_WORDS:
        return False
    raise ValueError(Message("应填“是”或“否”（也可写 有/无、Y/N、√/×、1/0）"))


#: The largest count accepted anywhere (people in one unit); larger values are typing slips and would
#: overflow the database's integer columns.
MAX_COUNT = 1_000_000


def count_too_large(value: int) -> str | None:
    """The message for a count above :data:`MAX_COUNT`, or None."""
    return Message("数值过大：不能超过%(max)d", max=MAX_COUNT) if value > MAX_COUNT else None


def parse_count(raw: object) -> int | None:
    """Read a non-negative whole number (full-width digits accepted, "12.0" from Excel too); None when blank.

    Raises ValueError with a message a person can act on.
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(Message("应为不小于0的整数"))
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float):
        if not raw.is_integer():
            raise ValueError(Message("应为不小于0的整数"))
        value = int(raw)
    elif isinstance(raw, str) and raw.isascii() and raw.isdigit():
        value = int(raw)  # the common case, fast
    else:
        text = to_halfwidth(str(raw)).strip().replace(",", "")
        if text == "":
            return None
        if text.endswith(".0"):
            text = text[:-2]
        if text.startswith("+"):
            text = text[1:]
        if not text.lstrip("-").isdigit():
            raise ValueError(Message("应为不小于0的整数"))
        value = int(text)
    if value < 0:
        raise ValueError(Message("不能为负数"))
    if count_too_large(value):
        raise ValueError(count_too_large(value))
    return value


def today_in(tz_name: str) -> date:
    """Today's date where the users are (e.g. Asia/Shanghai), not where the server's clock is set.

    >>> isinstance(today_in("Asia/Shanghai"), date)
    True
    """
    try:
        return datetime.now(ZoneInfo(tz_name)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return date.today()


def street_key(name: str) -> str:
    """The comparable form of a street name: trimmed, ASCII, without the trailing 街道 / 街道办."""
    text = to_halfwidth(name or "").strip().replace(" ", "")
    for suffix in ("街道办事处", "街道办", "街道"):  # data: suffixes of street names
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


# --- streets and communities (reference data an admin edits) ------------------------------

STREET_CODE_DIGITS = 9  # GB/T 10114 township-level code: the district's 6 digits + 3
PLACE_NAME_MAX = 40  # characters of a street's short name or a community's name


def community_key(name: str) -> str:
    """The comparable form of a community name: trimmed, ASCII, without a trailing 社区.

    >>> community_key(" 翠达社区 "), community_key("社区")
    ('翠达', '社区')
    """
    text = to_halfwidth(name or "").strip().replace(" ", "")
    return text[:-2] if text.endswith("社区") and len(text) > 2 else text  # data: the suffix a name may carry


def place_name_error(name: str) -> Message | None:
    """Why a street or community name (already in its comparable form) cannot be stored, or None.

    >>> place_name_error("翠达") is None, place_name_error(""), place_name_error("翠\\x00达")
    (True, '请填写名称', '名称不能包含控制字符')
    """
    if not name:
        return Message("请填写名称")
    if len(name) > PLACE_NAME_MAX:
        return Message("名称不能超过%(n)d个字", n=PLACE_NAME_MAX)
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        return Message("名称不能包含控制字符")
    return None


def normalize_street_code(raw: str | None) -> str | None:
    """A street code as stored: ASCII digits without spaces; None when blank.

    >>> normalize_street_code(" ４４０３０３００１ "), normalize_street_code("")
    ('440303001', None)
    """
    text = to_halfwidth(raw or "").strip().replace(" ", "")
    return text or None


def street_code_error(code: str, area_code: str | None) -> Message | None:
    """Why a (normalised) street code is wrong, or None: 9 digits, beginning with the district's
    6-digit area code when that is known.

    >>> street_code_error("440303001", "440303") is None
    True
    >>> street_code_error("4403030", "440303"), street_code_error("440304001", "440303")
    ('街道代码应为9位数字', '街道代码应以本区代码440303开头')
    """
    if len(code) != STREET_CODE_DIGITS or not code.isascii() or not code.isdigit():
        return Message("街道代码应为%(n)d位数字", n=STREET_CODE_DIGITS)
    if area_code and not code.startswith(area_code):
        return Message("街道代码应以本区代码%(area)s开头", area=area_code)
    return None


# --- classifications ---------------------------------------------------------------------

#: GB/T 4754-2017 industry sections: (letter, name).
INDUSTRIES = [
    ("A", N_("农、林、牧、渔业")), ("B", N_("采矿业")), ("C", N_("制造业")), ("D", N_("电力、热力、燃气及水生产和供应业")),
    ("E", N_("建筑业")), ("F", N_("批发和零售业")), ("G", N_("交通运输、仓储和邮政业")), ("H", N_("住宿和餐饮业")),
    ("I", N_("信息传输、软件和信息技术服务业")), ("J", N_("金融业")), ("K", N_("房地产业")), ("L", N_("租赁和商务服务业")),
    ("M", N_("科学研究和技术服务业")), ("N", N_("水利、环境和公共设施管理业")), ("O", N_("居民服务、修理和其他服务业")),
    ("P", N_("教育")), ("Q", N_("卫生和社会工作")), ("R", N_("文化、体育和娱乐业")), ("S", N_("公共管理、社会保障和社会组织")),
    ("T", N_("国际组织")),
]
#: Organisation types of non-state enterprises and social organisations.
ORG_TYPES = [N_("私营/民营企业"), N_("外商投资企业"), N_("港澳台商投资企业"), N_("个体工商户"), N_("农民专业合作社"), N_("社会团体"), N_("基金会"), N_("民办非企业单位/社会服务机构")]
INDUSTRY_NAMES = dict(INDUSTRIES)


def industry_label(code: str | None, translate=lambda text: text) -> str:
    """"I 信息传输、软件和信息技术服务业" for "I" (the name through `translate`), as the form shows it;
    "" for none, the stored value itself for a letter that names no section.

    >>> industry_label("C"), industry_label(None), industry_label("Z")
    ('C 制造业', '', 'Z')
    """
    if not code:
        return ""
    name = INDUSTRY_NAMES.get(code)
    return f"{code} {translate(name)}" if name else code


def industry_code(raw: str | None) -> str | None:
    """The section letter for a letter ("C", "c") or a section name ("制造业"); None when blank.

    Raises ValueError when the value names no section.
    """
    text = to_halfwidth(raw or "").strip()
    if not text:
        return None
    if len(text) == 1 and text.upper() in INDUSTRY_NAMES:
        return text.upper()
    if len(text) > 1 and text[0].upper() in INDUSTRY_NAMES and text[1] in " .、:：":
        text = text[0].upper()
        return text
    for code, name in INDUSTRIES:
        if text == name:
            return code
    raise ValueError(Message("未知的行业类别（应为 GB/T 4754 门类字母 A–T 或门类名称）"))


# --- league organisations -------------------------------------------------------------------

BRANCH_TYPES = {
    "branch": N_("团支部"),
    "general_branch": N_("团总支"),
    "committee": N_("团委"),
    "joint_branch": N_("联合团支部"),
    # founded like a 团支部 (the same member threshold), but never graded (DOMAIN.md "After founding")
    "mobile_branch": N_("流动团支部"),
    "temporary_branch": N_("临时团支部"),
}
#: Types whose member threshold is another type's (mobile and temporary branches count as 团支部).
THRESHOLD_OF = {"mobile_branch": "branch", "temporary_branch": "branch"}


@dataclass(frozen=True)
class BranchThresholds:
    """League-member counts from which each kind of league organisation may be founded (DOMAIN.md)."""

    branch: int = 3
    general_branch: int = 30
    committee: int = 100


def branch_type_error(branch_type: str, members: int | None, thresholds: BranchThresholds = BranchThresholds()) -> str | None:
    """Explain why a unit with `members` league members may not found `branch_type`, or return None.

    >>> branch_type_error("branch", 2) is not None
    True
    >>> branch_type_error("joint_branch", 1) is None
    True
    """
    if branch_type not in BRANCH_TYPES:
        return Message("未知的团组织类型")
    if members is None or members < 0:
        return Message("请填写团员人数")
    if count_too_large(members):
        return count_too_large(members)
    if branch_type == "joint_branch":
        return None
    needed = getattr(thresholds, THRESHOLD_OF.get(branch_type, branch_type))
    if members < needed:
        if branch_type == "branch":
            return Message("团员不足%(n)d人（现有%(m)d人），不能单独建立团支部，请建立联合团支部", n=needed, m=members)
        return Message("团员不足%(n)d人（现有%(m)d人），不能建立%(kind)s", n=needed, m=members, kind=Message(BRANCH_TYPES[branch_type]))
    return None


def suggested_branch_type(members: int, thresholds: BranchThresholds = BranchThresholds()) -> str:
    """The largest kind of league organisation a unit with `members` league members may found."""
    if members >= thresholds.committee:
        return "committee"
    if members >= thresholds.general_branch:
        return "general_branch"
    if members >= thresholds.branch:
        return "branch"
    return "joint_branch"


# --- campaign years and reporting (DOMAIN.md "Campaign years and reporting") ----------------------

#: Completion this many points or fewer behind the year's pace is yellow; further behind, red.
PACE_YELLOW_POINTS = 10
#: The earliest date a record of the campaign may carry (survey, as-of dates).
EARLIEST_DATE = date(2000, 1, 1)


def pct(count: int, target: int | None) -> float | None:
    """count / target as a percentage with one decimal (half up); None without a (non-zero) target.

    >>> pct(60, 56), pct(36, 36), pct(1, 0), pct(3, None), pct(307, 240)
    (107.1, 100.0, None, None, 127.9)
    """
    if not target:
        return None
    return float((Decimal(count) * 100 / Decimal(target)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def default_as_of(year: int, today: date) -> date:
    """The as-of date of a year's figures when none is given: the earlier of today and 31 December.

    >>> default_as_of(2022, date(2026, 12, 2)), default_as_of(2026, date(2026, 12, 2))
    (datetime.date(2022, 12, 31), datetime.date(2026, 12, 2))
    """
    return min(today, date(year, 12, 31))


def as_of_error(year: int, as_of: date) -> Message | None:
    """Why `as_of` cannot date the figures of `year` (it must fall within that year), or None.

    >>> as_of_error(2022, date(2023, 1, 1))
    '截至日期应在2022年内（2022-01-01至2022-12-31）'
    """
    if date(year, 1, 1) <= as_of <= date(year, 12, 31):
        return None
    return Message("截至日期应在%(year)d年内（%(year)d-01-01至%(year)d-12-31）", year=year)


def pace_pct(as_of: date) -> float:
    """时序进度: the share of the year elapsed at the end of `as_of`, in percent (one decimal).

    >>> pace_pct(date(2022, 12, 31)), pace_pct(date(2022, 6, 30)), pace_pct(date(2024, 1, 1))
    (100.0, 49.6, 0.3)
    """
    days = (date(as_of.year + 1, 1, 1) - date(as_of.year, 1, 1)).days
    return pct(as_of.timetuple().tm_yday, days)


def traffic_light(completion_pct: float | None, pace: float) -> str | None:
    """green at or ahead of the year's pace, yellow up to PACE_YELLOW_POINTS behind, red further
    behind; None without a completion percentage (no target).

    >>> traffic_light(50.0, 49.6), traffic_light(40.0, 49.6), traffic_light(39.5, 49.6), traffic_light(None, 50)
    ('green', 'yellow', 'red', None)
    """
    if completion_pct is None:
        return None
    behind = Decimal(str(pace)) - Decimal(str(completion_pct))
    if behind <= 0:
        return "green"
    return "yellow" if behind <= PACE_YELLOW_POINTS else "red"


def split_target(total: int, weights: dict) -> dict:
    """任务分解: `total` split in proportion to `weights` (e.g. each street's 已建党未建团 count) into
    whole numbers that add up to `total` (largest remainder; ties go to the larger weight, then to the
    earlier key). Equal shares when every weight is zero.

    >>> split_target(56, {"a": 100, "b": 50, "c": 50})
    {'a': 28, 'b': 14, 'c': 14}
    >>> split_target(10, {"a": 1, "b": 1, "c": 1})
    {'a': 4, 'b': 3, 'c': 3}
    >>> split_target(5, {"a": 0, "b": 0})
    {'a': 3, 'b': 2}
    """
    if not weights:
        return {}
    if not any(weights.values()):
        weights = dict.fromkeys(weights, 1)
    whole = sum(weights.values())
    shares = {key: Decimal(total) * weight / whole for key, weight in weights.items()}
    result = {key: int(share) for key, share in shares.items()}
    order = sorted(enumerate(weights), key=lambda item: (-(shares[item[1]] - result[item[1]]), -weights[item[1]], item[0]))
    for _, key in order[: total - sum(result.values())]:
        result[key] += 1
    return result


_DATE_SEPARATORS = str.maketrans({"/": "-", ".": "-", "年": "-", "月": "-", "日": None})  # data: date separators


def parse_date(raw: object, today: date | None = None) -> date | None:
    """Read a date cell (2022-03-15, 2022/3/15, 2022.3.15, 2022年3月15日, 20220315, an Excel date);
    None when blank. Raises ValueError with a message a person can act on, also for a date after
    `today` or before 2000.

    >>> parse_date("2022年3月5日"), parse_date(" 2022/03/05 "), parse_date("20220305"), parse_date("")
    (datetime.date(2022, 3, 5), datetime.date(2022, 3, 5), datetime.date(2022, 3, 5), None)
    """
    if raw is None:
        return None
    if isinstance(raw, datetime):
        value = raw.date()
    elif isinstance(raw, date):
        value = raw
    else:
        text = to_halfwidth(str(raw)).strip()
        if not text:
            return None
        text = text.split(" ")[0].split("T")[0].translate(_DATE_SEPARATORS).strip("-")
        if text.isdigit() and len(text) == 8:
            text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
        parts = text.split("-")
        try:
            if len(parts) != 3 or not all(p.isdigit() for p in parts):
                raise ValueError
            value = date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            raise ValueError(Message("日期无法识别，应写成 2022-03-15 或 2022年3月15日")) from None
    if value < EARLIEST_DATE:
        raise ValueError(Message("日期不能早于%(day)s", day=EARLIEST_DATE.isoformat()))
    if today is not None and value > today:
        raise ValueError(Message("日期不能晚于今天"))
    return value


# --- 智慧团建 organisation code -----------------------------------------------------------------


@dataclass(frozen=True)
class PlatformCodeRule:
    """What can be checked of a 智慧团建 organisation code, whose format is not public (DOMAIN.md):
    a length range and a character set (a regular-expression class), both settings that a district
    can tighten once it knows its codes."""

    min_length: int = 6
    max_length: int = 40
    chars: str = "0-9A-Za-z-"


def normalize_platform_code(raw: str | None) -> str:
    """Full-width characters to ASCII and the surrounding spaces trimmed ("　４４０３ " → "4403")."""
    return to_halfwidth(raw or "").strip()


def platform_code_error(code: str, rule: PlatformCodeRule = PlatformCodeRule()) -> Message | None:
    """Why a (normalised) 智慧团建 organisation code cannot be right, or None.

    >>> platform_code_error("4403030000123") is None, platform_code_error("abc")
    (True, '智慧团建组织编码应为6至40位，实为3位')
    >>> platform_code_error("440303 0001")
    '智慧团建组织编码中不能有空格'
    """
    if not code:
        return Message("请填写智慧团建组织编码")
    if any(ch.isspace() for ch in code):
        return Message("智慧团建组织编码中不能有空格")
    if not rule.min_length <= len(code) <= rule.max_length:
        return Message("智慧团建组织编码应为%(min)d至%(max)d位，实为%(n)d位",
                       min=rule.min_length, max=rule.max_length, n=len(code))
    if not re.fullmatch(f"[{rule.chars}]+", code):
        return Message("智慧团建组织编码含有不允许的字符（允许：%(chars)s）", chars=rule.chars)
    return None


# --- organisation names (duplicates, reconciliation with 智慧团建) ----------------------------------

_PLACE_PREFIX = re.compile(r"^(广东省)?(深圳市)?(罗湖区|福田区|南山区|宝安区|龙岗区|盐田区|龙华区|坪山区|光明区|大鹏新区)?")  # data: Shenzhen districts
_BRACKETS = re.compile(r"[(（【\[][^)）】\]]*[)）】\]]")  # data: brackets
_LEAGUE_SUFFIX = re.compile(r"(联合团支部|团支部|团总支|基层团委|团委)$")  # data: league body suffixes
_SPACES = re.compile(r"[\s·・.,，、\-—_]+")  # data: separators


def name_key(name: str | None) -> str:
    """The comparable form of an organisation's (or its league body's) name: half-width, no spaces,
    no 深圳市 / 罗湖区 prefix, no bracketed place names, 有限责任公司 ≈ 有限公司, no league suffix.

    >>> name_key("深圳市甲科技有限责任公司团支部") == name_key("甲科技（罗湖）有限公司")
    True
    """
    text = to_halfwidth(name or "").strip()
    text = _BRACKETS.sub("", _SPACES.sub("", text))
    text = _PLACE_PREFIX.sub("", text, count=1)
    text = _LEAGUE_SUFFIX.sub("", text)
    return text.replace("有限责任公司", "有限公司").replace("股份有限公司", "有限公司").lower()  # data: company forms
