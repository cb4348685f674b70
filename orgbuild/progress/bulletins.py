"""Service: the progress bulletin (进度通报) — the streets ranked by completion of their new-branch
targets, each with a traffic light against the year's pace (时序进度), the change since the previous
snapshot (环比) and against the same day last year (同比), the district's paragraph, the
corrections of the previous bulletin's figures and the notes (DOMAIN.md "Campaign years").

A bulletin built from a snapshot reads only the snapshot's frozen text (and its previous
snapshot's), so that it is the same, byte for byte, every time it is built. A bulletin built for a
date without a snapshot is computed now (a preview, not a record).

The bulletin's text is Chinese, the language offices exchange it in: messages are marked for
extraction but not translated here (the web page around it is).
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app

from ..domain import rules
from ..domain.rules import N_, Message
from ..models import Snapshot, User
from .figures import resolve_year
from .report import format_pct, report_text
from .snapshots import default_title, figures_of, find, freeze, issuer_of, scope_of

#: The figures a correction names, as a bulletin writes them.
FIGURE_NAMES = {
    "surveyed": N_("摸底排查组织数"),
    "party_orgs": N_("已建党组织数"),
    "party_and_league": N_("已建党已建团组织数"),
    "party_no_league": N_("已建党未建团组织数"),
    "visited": N_("已走访组织数"),
    "established": N_("新建团组织数"),
    "onboarded": N_("入驻智慧团建组织数"),
    "ineligible": N_("不符合条件组织数"),
}
LIGHT_NAMES = {"green": N_("绿灯"), "yellow": N_("黄灯"), "red": N_("红灯")}
def local_date(moment: datetime) -> date:
    """The district's date of a stored timestamp (SQLite hands back UTC without a zone)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))).date()


def chinese_date(day: date) -> str:
    """2022年6月30日."""
    return str(Message("%(y)d年%(m)d月%(d)d日", y=day.year, m=day.month, d=day.day))


def ranking(progress: dict[str, Any], previous: dict[str, Any] | None, last_year: dict[str, Any],
            pace: float) -> list[dict[str, Any]]:
    """The streets by new-branch completion, highest first (equal percentages share a rank; streets
    without a target come last, unranked), with light, 环比 and 同比."""
    before = {row["street"]: row for row in (previous or {}).get("by_street", [])}
    then = {row["street"]: row for row in last_year.get("by_street", [])}
    rows = []
    for position, row in enumerate(progress["by_street"]):
        street, pct = row["street"], row["new_branch_pct"]
        earlier = before.get(street)
        rows.append({
            "rank": None,
            "street": street,
            "established": row["established"],
            "target": row["new_branch_target"],
            "pct": pct,
            "pace_pct": pace,
            "light": rules.traffic_light(pct, pace),
            "change_since_previous": row["established"] - earlier["established"] if earlier else None,
            "pct_since_previous": _points(pct, earlier["new_branch_pct"]) if earlier else None,
            "same_date_last_year": then[street]["established"] if street in then else None,
            "change_since_last_year": row["established"] - then[street]["established"] if street in then else None,
            "_order": position,
        })
    rows.sort(key=lambda r: (r["pct"] is None, -(r["pct"] or 0), -r["established"], r["_order"]))
    previous_pct, previous_rank = None, 0
    for index, row in enumerate(rows, start=1):
        if row["pct"] is not None:
            row["rank"] = previous_rank if row["pct"] == previous_pct else index
            previous_pct, previous_rank = row["pct"], row["rank"]
        del row["_order"]
    return rows


def _points(now: float | None, before: float | None) -> float | None:
    """The change of a percentage in points (one decimal), None when either is missing."""
    if now is None or before is None:
        return None
    return round(now - before, 1)


def notes(b: dict[str, Any]) -> list[str]:
    """The notes under the table: what the figures count, the lights, 环比, 同比, corrections."""
    p, as_of = b["district"], date.fromisoformat(b["as_of"])
    found = [
        Message("新建团组织数为本年数（%(year)d年1月1日至%(day)s）；摸底排查、走访、入驻为截至%(day)s的累计数。",
                year=b["year"], day=chinese_date(as_of)),
        Message("时序进度为截至日期已过天数占全年天数的比例（%(pace)s）；完成率不低于时序进度为绿灯，落后不超过%(n)d个百分点为黄灯，落后更多为红灯；未设目标的街道不参与排名。",
                pace=format_pct(b["pace_pct"]), n=rules.PACE_YELLOW_POINTS),
    ]
    if b["previous"] is not None:
        found.append(Message("环比：与截至%(day)s的上期通报相比。", day=chinese_date(date.fromisoformat(b["previous_as_of"]))))
    else:
        found.append(Message("本年度尚无上期通报，不作环比。"))
    last = b["same_date_last_year"]
    found.append(Message("同比：上年同期（截至%(day)s）全区新建团组织%(then)d家，本期%(now)d家。",
                         day=chinese_date(date.fromisoformat(last["as_of"])), then=last["established"], now=p["established"]))
    for c in b["corrections"]:
        found.append(Message("更正：上期通报%(where)s%(figure)s为%(old)d，根据其后补录（或撤回）的截至同日数据应为%(new)d。",
                             where=c["street"] or Message("全区"), figure=Message(FIGURE_NAMES[c["figure"]]),
                             old=c["reported"], new=c["now"]))
    total, parts = p.get("new_branch_target"), p.get("new_branch_street_targets")
    if total is not None and parts is not None and total != parts:
        found.append(Message("各街道新建团目标合计%(parts)d，与全区目标%(total)d不一致。", parts=parts, total=total))
    return [str(n) for n in found]


def build(payload: dict[str, Any], *, title: str, snapshot: Snapshot | None, issued_on: date,
          previous: dict[str, Any] | None, previous_as_of: str | None) -> dict[str, Any]:
    """The bulletin (DESIGN.md's keys first) from a frozen payload and the previous snapshot's progress."""
    p = payload["progress"]
    as_of = date.fromisoformat(p["as_of"])
    pace = rules.pace_pct(as_of)
    b = {
        "title": title,
        "year": p["year"],
        "as_of": p["as_of"],
        "snapshot": snapshot.id if snapshot is not None else None,
        "previous": payload["previous"],
        "district": p,
        "ranking": ranking(p, previous, payload["same_date_last_year"], pace),
        "issuer": payload.get("issuer") or issuer_of(p),
        "issued_on": issued_on.isoformat(),
        "pace_pct": pace,
        "previous_as_of": previous_as_of,
        "same_date_last_year": {k: v for k, v in payload["same_date_last_year"].items() if k != "by_street"},
        "corrections": payload["corrections"],
        "summary": report_text(p),
        "digest": snapshot.digest if snapshot is not None else None,
    }
    b["notes"] = notes(b)
    return b


def for_snapshot(snapshot: Snapshot) -> dict[str, Any]:
    """The bulletin of a snapshot: only frozen text is read, so it never changes."""
    previous = snapshot.previous
    return build(figures_of(snapshot), title=snapshot.title, snapshot=snapshot, issued_on=local_date(snapshot.created_at),
                 previous=figures_of(previous)["progress"] if previous is not None else None,
                 previous_as_of=previous.as_of.isoformat() if previous is not None else None)


def for_date(user: User | None, year: int | None, as_of: date | None, today: date,
             street_id: int | None = None) -> dict[str, Any]:
    """A bulletin computed now for `user`'s scope (None: the district) as of `as_of` (a preview)."""
    year, as_of = resolve_year(year, as_of, today)
    payload = freeze(scope_of(user, street_id), year, as_of)
    previous = find(user, payload["previous"]) if payload["previous"] is not None else None
    return build(payload, title=default_title(year, as_of), snapshot=None, issued_on=today,
                 previous=figures_of(previous)["progress"] if previous is not None else None,
                 previous_as_of=previous.as_of.isoformat() if previous is not None else None)
