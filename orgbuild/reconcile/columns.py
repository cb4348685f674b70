"""The columns of an organisation list exported from 智慧团建 (组织管理 → 组织列表), their aliases,
and the name normalisation used to match platform rows against organisations here (DOMAIN.md,
"The 智慧团建 side").

Pure: no Flask, no SQLAlchemy. ``map_header`` and ``recognised_count`` make this module a header
scheme for :func:`orgbuild.imports.reader.open_survey`.
"""
from __future__ import annotations

import re

from ..domain.rules import N_, Message, name_key, to_halfwidth
from ..imports.columns import HeaderMap, header_key, map_header_to

#: field → (the platform's header, aliases seen in other exports)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": (N_("组织全称"), ("团组织名称", "团组织全称", "组织名称")),  # data: platform aliases
    "short_name": (N_("组织简称"), ("简称",)),  # data: platform aliases
    "category": (N_("组织类别"), ("组织类型", "团组织类别")),  # data: platform aliases
    "parent": (N_("上级组织"), ("上级团组织", "上级组织名称")),  # data: platform aliases
    "secretary": (N_("书记姓名"), ("书记", "团组织书记", "团支部书记")),  # data: platform aliases
    "member_count": (N_("团员数"), ("团员人数", "团员数量")),  # data: platform aliases
    "founded_on": (N_("成立时间"), ("成立日期", "建立时间", "组建时间")),  # data: platform aliases
    "credit_code": (N_("统一社会信用代码"), ("信用代码", "单位统一社会信用代码", "社会信用代码")),  # data: platform aliases
    "platform_code": (N_("组织编码"), ("组织代码", "入驻编码", "团组织编码")),  # data: platform aliases
}

#: without a name and a category the file is not the platform's organisation list
REQUIRED_FIELDS = ("name", "category")

ALIASES: dict[str, str] = {
    header_key(text): field for field, (header, aliases) in COLUMNS.items() for text in (header, *aliases)
}

#: the platform's 组织类别 → orgbuild's branch types (domain.rules.BRANCH_TYPES)
CATEGORIES = {"团支部": "branch", "团总支": "general_branch", "团委": "committee", "基层团委": "committee",  # data: categories
              "联合团支部": "joint_branch"}  # data: categories


def map_header(cells: list[object]) -> HeaderMap:
    """Map header cells to fields; name missing required columns and columns meaning the same field."""
    header = map_header_to(cells, ALIASES, {f: c[0] for f, c in COLUMNS.items()})
    missing = [Message(COLUMNS[f][0]) for f in REQUIRED_FIELDS if f not in header.fields]
    if missing:
        header.problems.insert(0, Message("这不是智慧团建导出的组织列表：缺少列 %(columns)s", columns="、".join(missing)))
    return header


def recognised_count(cells: list[object]) -> int:
    """How many cells of a row are known platform headers (to find the header below a title row)."""
    return sum(1 for cell in cells if cell is not None and ALIASES.get(header_key(cell)) is not None)


_SPACES = re.compile(r"[\s·・.,，、\-—_]+")  # data: separators


def category_code(raw: str | None) -> str | None:
    """orgbuild's branch type for the platform's 组织类别 (None when it is not one of them)."""
    text = _SPACES.sub("", to_halfwidth(raw or ""))
    return CATEGORIES.get(text)


_LEAGUE_BODY = re.compile(r"\s*(联合团支部|团支部|团总支|基层团委|团委)$")  # data: league body suffixes


def unit_name(platform_name: str) -> str:
    """The unit's name in a platform organisation's full name (its league body's suffix dropped).

    >>> unit_name("深圳市戊科技有限公司团委")
    '深圳市戊科技有限公司'
    """
    return _LEAGUE_BODY.sub("", (platform_name or "").strip()) or (platform_name or "").strip()
