"""Service: the progress figures written as a paragraph of the annual work summary (工作总结).

Each clause is a translatable :class:`rules.Message`; the web layer translates and joins them.
Percentages read like the report: 100% rather than 100.0%, 107.1% stays 107.1%.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from ..domain.rules import Message


def format_pct(value: float | None) -> str:
    """A percentage as the report writes it.

    >>> format_pct(100.0), format_pct(107.1), format_pct(None)
    ('100%', '107.1%', '')
    """
    if value is None:
        return ""
    return f"{value:.1f}".removesuffix(".0") + "%"


def report_clauses(p: dict[str, Any]) -> list[Message]:
    """The clauses of the paragraph for a progress object (a clause without target leaves out its %),
    led by the date the figures stand at."""
    clauses = []
    if p.get("as_of"):
        day = date.fromisoformat(p["as_of"])
        clauses.append(Message("截至%(y)d年%(m)d月%(d)d日，", y=day.year, m=day.month, d=day.day))
    clauses += [
        Message(
            "共摸底排查企业%(surveyed)d家、已建党“两新”组织%(party_orgs)d家；",
            surveyed=p["surveyed"],
            party_orgs=p["party_orgs"],
        )
    ]
    if p["party_no_league"]:
        clauses.append(
            Message(
                "逐一走访已建党未建团“两新”组织%(visited)d家，走访覆盖率%(pct)s；",
                visited=p["visited"],
                pct=format_pct(p["visit_coverage_pct"]),
            )
        )
    if p["onboarding_pct"] is not None:
        clauses.append(
            Message(
                "完成已建党已建团“两新”组织进驻“智慧团建”%(onboarded)d家，%(pct)s完成入驻；",
                onboarded=p["onboarded"],
                pct=format_pct(p["onboarding_pct"]),
            )
        )
    else:
        clauses.append(Message("完成已建党已建团“两新”组织进驻“智慧团建”%(onboarded)d家；", onboarded=p["onboarded"]))
    if p["new_branch_pct"] is not None:
        clauses.append(
            Message(
                "已建党未建团“两新”组织新建团%(established)d家，%(pct)s完成建团。",
                established=p["established"],
                pct=format_pct(p["new_branch_pct"]),
            )
        )
    else:
        clauses.append(Message("已建党未建团“两新”组织新建团%(established)d家。", established=p["established"]))
    return clauses


def report_text(p: dict[str, Any]) -> str:
    """The paragraph in Chinese (the messages' own text, untranslated)."""
    return "".join(report_clauses(p))
