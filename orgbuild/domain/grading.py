"""The status machine of one branch's annual grading (对标定级), pure (no Flask, no SQLAlchemy):
draft → self-assessed (自评) → confirmed (复核认定), or returned for correction and self-assessed
again. Every guard explains a refusal in words a person can act on; :func:`check` gathers all
the reasons, :func:`fire` answers the next state or raises :class:`Refused`.

>>> facts = GradingFacts(scores=Scores(20, 18, 18, 17, 17), eligible_refusal=None, actor_role="supervisor")
>>> fire("draft", "self_assess", facts), fire("self_assessed", "confirm", facts)
('self_assessed', 'confirmed')
>>> check("confirmed", "return_for_correction", facts)
['已复核认定的定级不能退回修改']
>>> check("draft", "self_assess", GradingFacts(Scores(20, 18, 18, 17, 17), round_closed="本轮定级已结束"))
['本轮定级已结束']
"""
from __future__ import annotations

from dataclasses import dataclass

from .quality import Scores, score_errors
from .rules import N_, Message
from .workflow import SUPERVISOR_ROLES, Refused

STATES = {
    "draft": N_("草稿"),
    "self_assessed": N_("已自评"),
    "confirmed": N_("已复核认定"),
    "returned": N_("退回修改"),
}

EVENTS = {
    "self_assess": N_("提交自评"),
    "confirm": N_("复核认定"),
    "return_for_correction": N_("退回修改"),
}

#: event → (states it leaves, state it reaches)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "self_assess": (("draft", "returned"), "self_assessed"),
    "confirm": (("self_assessed",), "confirmed"),
    "return_for_correction": (("self_assessed",), "returned"),
}

#: why an event cannot leave a state, where the transition table has no arrow
_WRONG_STATE = {
    "self_assess": {
        "self_assessed": Message("已提交自评，等待复核认定"),
        "confirmed": Message("已复核认定的定级不能再自评"),
    },
    "confirm": {
        "draft": Message("尚未提交自评，不能复核认定"),
        "returned": Message("已退回修改，须重新提交自评后才能复核认定"),
        "confirmed": Message("该定级已复核认定"),
    },
    "return_for_correction": {
        "draft": Message("尚未提交自评，无需退回"),
        "returned": Message("已退回修改，等待重新自评"),
        "confirmed": Message("已复核认定的定级不能退回修改"),
    },
}


@dataclass
class GradingFacts:
    """What the guards need: the scores of the request, whether the branch is eligible this year
    (None, or the refusal), who asks, and the reason of a return."""

    scores: Scores
    eligible_refusal: str | None = None
    actor_role: str = "officer"
    reason: str = ""
    #: why the year's round takes no step any more (it was closed), or None while it is open
    round_closed: str | None = None


def check(state: str, event: str, facts: GradingFacts) -> list[str]:
    """Every reason why `event` may not happen in `state` (empty: it may)."""
    if event not in TRANSITIONS:
        return [Message("未知的定级操作")]
    if facts.round_closed:
        return [facts.round_closed]
    sources, _ = TRANSITIONS[event]
    if state not in sources:
        return [_WRONG_STATE[event].get(state, Message("当前状态不能进行该操作"))]
    reasons: list[str] = []
    if facts.eligible_refusal:
        reasons.append(facts.eligible_refusal)
    if event in ("confirm", "return_for_correction") and facts.actor_role not in SUPERVISOR_ROLES:
        reasons.append(Message("复核认定和退回修改须由上级团组织（团区委）进行"))
    if event in ("self_assess", "confirm"):
        reasons += [m for _, m in score_errors(facts.scores)]
    if event == "return_for_correction" and not facts.reason.strip():
        reasons.append(Message("请填写退回原因"))
    return reasons


def fire(state: str, event: str, facts: GradingFacts) -> str:
    """The state `event` leads to from `state`; raises :class:`Refused` with all the reasons."""
    reasons = check(state, event, facts)
    if reasons:
        raise Refused(reasons)
    return TRANSITIONS[event][1]


def available_events(state: str) -> list[str]:
    """The events the transition table allows from `state` (the guards still decide)."""
    return [event for event, (sources, _) in TRANSITIONS.items() if state in sources]
