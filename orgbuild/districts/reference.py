"""Reference data of the configured district: its streets and communities (Luohu by default).

:func:`load_reference` is idempotent: it adds what is missing and never deletes (an admin edits
streets and communities later).
"""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import Community, Street

#: Luohu District (罗湖区, 440303): code, short name, pinyin (for demo accounts), communities.
#: Only the communities DOMAIN.md names are loaded; admins add the others on the streets page.
LUOHU_STREETS: list[tuple[str, str, str, list[str]]] = [
    ("440303001", "桂园", "guiyuan", []),
    ("440303002", "黄贝", "huangbei", []),
    ("440303003", "东门", "dongmen", []),
    ("440303004", "翠竹", "cuizhu", ["翠达", "木头龙", "新村", "水贝", "翠岭", "翠平", "愉天", "翠竹", "民新", "翠宁"]),
    ("440303005", "南湖", "nanhu", []),
    ("440303006", "笋岗", "sungang", ["田贝", "北站", "洪湖", "笋岗", "田心", "梨园", "笋西", "湖景"]),
    ("440303007", "东湖", "donghu", []),
    ("440303008", "莲塘", "liantang", []),
    ("440303009", "东晓", "dongxiao", []),
    ("440303010", "清水河", "qingshuihe", []),
]

DISTRICTS = {"luohu": LUOHU_STREETS}


def load_reference(district: str = "luohu") -> int:
    """Add the district's streets and communities that are missing; return how many rows were added."""
    added = 0
    existing = {s.code: s for s in db.session.scalars(select(Street))}
    for code, short, _pinyin, communities in DISTRICTS[district]:
        street = existing.get(code)
        if street is None:
            street = Street(code=code, name=short + "街道", short_name=short)
            db.session.add(street)
            added += 1
        have = {c.name for c in street.communities}
        for name in communities:
            if name not in have:
                street.communities.append(Community(name=name))
                added += 1
    db.session.commit()
    return added


def street_pinyin(district: str = "luohu") -> dict[str, str]:
    """Street code → pinyin, used for the demo accounts' user names."""
    return {code: pinyin for code, _s, pinyin, _c in DISTRICTS[district]}
