"""Reference data of the districts: one data file per district in ``districts/data/<code>.json``
(code, name, area code, city, and the streets with their codes, pinyin and communities).

:func:`load_districts` is what ``init-db`` runs (on every upgrade too). It is idempotent: it adds
what is missing — a district, a street, a street code the data knows and the database does not,
the communities of a street that has none — and never deletes or renames. Once a street has
communities they are the admins' (renamed or removed ones do not come back). A street code the
data does not know stays empty (None) until an admin fills it in.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterable

from sqlalchemy import select

from ..domain import rules
from ..domain.rules import Message
from ..extensions import db
from ..models import Community, District, Setting, Street

#: The setting that names the city the deployment serves (the first district loaded sets it).
CITY_SETTING = "city_name"


class UnknownDistrict(ValueError):
    """No data file for that district; the message names the districts that have one."""


class ReferenceConflict(ValueError):
    """The reference data clashes with what the database holds (another city, a street name taken)."""


@dataclass(frozen=True)
class StreetData:
    """One street of a data file."""

    code: str | None
    short_name: str
    pinyin: str
    communities: tuple[str, ...]

    @property
    def name(self) -> str:
        """The full name, e.g. 桂园街道."""
        return self.short_name + "街道"  # data: the suffix of every street's full name


@dataclass(frozen=True)
class DistrictData:
    """One district's data file."""

    code: str
    name: str
    area_code: str | None
    city: str
    streets: tuple[StreetData, ...]


def _data_folder():
    """The package folder holding the data files (works from a source tree and an installed wheel)."""
    return resources.files(__package__) / "data"


@lru_cache(maxsize=None)
def available() -> dict[str, DistrictData]:
    """Every district that has a data file, by code, in area-code order."""
    found = {}
    for entry in _data_folder().iterdir():
        if entry.name.endswith(".json"):
            raw = json.loads(entry.read_text(encoding="utf-8"))
            streets = tuple(
                StreetData(s.get("code") or None, s["name"], s.get("pinyin", ""), tuple(s.get("communities", ())))
                for s in raw["streets"]
            )
            found[raw["code"]] = DistrictData(raw["code"], raw["name"], raw.get("area_code"),
                                              raw.get("city", {}).get("name", ""), streets)
    return dict(sorted(found.items(), key=lambda item: (item[1].area_code or "", item[0])))


def known_names() -> str:
    """The known districts as a person reads them: ``luohu（罗湖区）、futian（福田区）``."""
    return "、".join(f"{d.code}（{d.name}）" for d in available().values())


def names_district(text: str | None, code: str, area_code: str | None, name: str) -> bool:
    """Whether `text` names the district: its code (luohu), area code (440303) or name (罗湖区, 罗湖)."""
    key = rules.to_halfwidth(text or "").strip().lower()
    return bool(key) and key in (code, area_code, name, name.removesuffix("区"))


def unknown_district(text: str | None, known: str) -> Message:
    """The refusal of a district name that matches none of the `known` ones."""
    return Message("未知的区：%(name)s。可选的区：%(known)s", name=text, known=known)


def district_data(text: str) -> DistrictData:
    """The data of a district named by its code (luohu), area code (440303) or name (罗湖区, 罗湖).

    Raises :class:`UnknownDistrict` naming the known districts.
    """
    for data in available().values():
        if names_district(text, data.code, data.area_code, data.name):
            return data
    raise UnknownDistrict(unknown_district(text, known_names()))


@dataclass
class LoadReport:
    """What loading one district added (streets, communities and street codes; the district row
    itself is not counted)."""

    district: str
    name: str
    added: int


def load_districts(codes: Iterable[str]) -> list[LoadReport]:
    """Load the reference data of the named districts (one transaction); return what each added.

    Every name is checked before anything is written: an unknown district raises
    :class:`UnknownDistrict`, a clash with the database :class:`ReferenceConflict`, and nothing is
    written then.
    """
    wanted = list(dict.fromkeys(district_data(code) for code in codes))
    try:
        reports = [_load_one(data) for data in wanted]
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return reports


def _load_one(data: DistrictData) -> LoadReport:
    """Add what is missing of one district (no commit)."""
    city = db.session.get(Setting, CITY_SETTING)
    if city is None:
        db.session.add(Setting(key=CITY_SETTING, value=data.city))
    elif data.city and city.value and city.value != data.city:
        raise ReferenceConflict(Message("%(district)s属于%(city)s，本系统服务%(here)s", district=data.name,
                                        city=data.city, here=city.value))
    added = 0
    district = db.session.scalar(select(District).where(District.code == data.code))
    if district is None:
        district = District(code=data.code, name=data.name, area_code=data.area_code)
        db.session.add(district)
        db.session.flush()
    by_code = {s.code: s for s in db.session.scalars(select(Street).where(Street.code.is_not(None)))}
    by_name = {s.name: s for s in db.session.scalars(select(Street))}
    for item in data.streets:
        street = by_code.get(item.code) if item.code else None
        if street is None:
            street = by_name.get(item.name)
        if street is not None and street.district_id != district.id:
            raise ReferenceConflict(Message("街道“%(street)s”已属于%(other)s，不能再载入到%(district)s",
                                            street=street.name, other=street.district.name, district=data.name))
        if street is None:
            street = Street(code=item.code, name=item.name, short_name=item.short_name, district=district)
            db.session.add(street)
            added += 1
        elif street.code is None and item.code and item.code not in by_code:
            street.code = item.code  # the data now knows the code an admin had not filled in
            added += 1
        if not street.communities:  # once a street has communities, they are the admins' to edit
            for name in item.communities:
                street.communities.append(Community(name=name))
                added += 1
    db.session.flush()
    return LoadReport(data.code, data.name, added)


def load_reference(district: str = "luohu") -> int:
    """Load one district (Luohu by default); return how many rows were added."""
    return load_districts([district])[0].added


def street_pinyin() -> dict[str, str]:
    """Street short name → pinyin over every data file (for the demo accounts' user names)."""
    return {s.short_name: s.pinyin for d in available().values() for s in d.streets}
