"""The status machine of an organisation: survey → visit → establish → onboard.

Pure domain code (python-statemachine, no Flask, no SQLAlchemy). The machine is declared once in
:class:`OrgWorkflow`; every guard is a side-effect-free validator that raises :class:`Refused`
carrying *all* the reasons a transition may not happen, so that the UI and the CLI can explain a
refusal instead of failing. Services (``campaign/actions.py``) gather the :class:`Facts` from the database,
ask :func:`check` / :func:`fire`, and write the records and the StatusEvent in one transaction.

>>> facts = Facts(has_party_org=True, visit_date=date(2022, 3, 1), visit_outcome="willing")
>>> next_status("surveyed", "record_visit", facts)
'visited'
>>> check("visited", "establish", facts)[0]
'尚无有效走访记录（须至少一次结果不是“拒绝”的走访）'
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from statemachine import State, StateMachine
from statemachine.exceptions import TransitionNotAllowed

from .rules import BRANCH_TYPES, N_, BranchThresholds, Message, branch_type_error

STATUSES = {
    "surveyed": N_("已摸排"),
    "visited": N_("已走访"),
    "established": N_("已建团"),
    "onboarded": N_("已入驻"),
    "ineligible": N_("不符合条件"),
    "closed": N_("已关闭"),
}

EVENTS = {
    "record_visit": N_("登记走访"),
    "establish": N_("建立团组织"),
    "onboard": N_("入驻智慧团建"),
    "mark_ineligible": N_("标记为不符合条件"),
    "reopen": N_("重新启用"),
    "close": N_("关闭（注销/迁出）"),
    "revert": N_("撤回一步"),
}

VISIT_OUTCOMES = {
    "willing": N_("愿意建团"),
    "considering": N_("考虑中"),
    "declined": N_("拒绝"),
    "not_eligible": N_("不符合条件"),
    "follow_up": N_("需再次跟进"),
}

#: Roles that may revert a step.
SUPERVISOR_ROLES = frozenset({"supervisor", "admin"})


class Refused(Exception):
    """A transition was refused; ``reasons`` are messages a person can act on."""

    def __init__(self, reasons: list[str]):
        super().__init__("；".join(reasons))
        self.reasons = reasons


@dataclass
class Facts:
    """Everything the guards need to know about one organisation and one request."""

    has_party_org: bool = False
    has_league_org: bool = False
    visit_outcomes: list[str] = field(default_factory=list)
    actor_role: str = "officer"
    previous_status: str | None = None  # the `from` of the last forward step, for revert
    # payload of the request (the form's values)
    reason: str = ""
    visit_date: date | None = None
    visit_outcome: str | None = None
    branch_type: str | None = None
    branch_name: str = ""
    founded_on: date | None = None
    league_members: int | None = None
    covered_orgs: int = 0
    onboarded_on: date | None = None
    platform_code: str = ""
    thresholds: BranchThresholds = field(default_factory=BranchThresholds)
    today: date | None = None
    #: the name of another unit's 联合团支部 that covers this organisation ("" when none): it has its
    #: league organisation, and founds no other while covered
    covered_by: str = ""
    campaign_start: date | None = None  # no step is dated before it (a typo such as 1900)
    branch_dates: dict = field(default_factory=dict)  # application/approval/election date → not after today
    #: the steps that need an evidence file sent with them (setting ORGBUILD_EVIDENCE_REQUIRED), and
    #: how many files came with this request
    evidence_required: frozenset = frozenset()
    evidence_files: int = 0


#: What each step's evidence is, as a refusal names it (ORGBUILD_EVIDENCE_REQUIRED).
EVIDENCE = {
    "record_visit": N_("走访照片"),
    "establish": N_("批复文件"),
    "onboard": N_("入驻截图或证明"),
}


def _evidence_missing(event: str, facts: Facts) -> list[Message]:
    """The refusal of a step that needs an evidence file and came without one.

    >>> _evidence_missing("establish", Facts(evidence_required=frozenset({"establish"})))[0]
    '建立团组织须附上批复文件（照片或 PDF 扫描件）'
    >>> _evidence_missing("establish", Facts(evidence_required=frozenset({"establish"}), evidence_files=1))
    []
    """
    if event in facts.evidence_required and facts.evidence_files < 1:
        return [Message("%(step)s须附上%(what)s（照片或 PDF 扫描件）", step=Message(EVENTS[event]),
                        what=Message(EVIDENCE[event]))]
    return []


def _too_early(day: date, facts: Facts) -> bool:
    """Whether a step's date lies before the campaign's start (when one is set)."""
    return facts.campaign_start is not None and day < facts.campaign_start


class OrgWorkflow(StateMachine):
    """States and transitions of one organisation's campaign record."""

    surveyed = State(N_("已摸排"), initial=True)
    visited = State(N_("已走访"))
    established = State(N_("已建团"))
    onboarded = State(N_("已入驻"))
    ineligible = State(N_("不符合条件"))
    closed = State(N_("已关闭"))

    record_visit = (
        surveyed.to(visited, validators="guard_visit")
        | visited.to.itself(internal=True, validators="guard_visit")
        | established.to.itself(internal=True, validators="guard_visit")
        | onboarded.to.itself(internal=True, validators="guard_visit")
    )
    establish = visited.to(established, validators="guard_establish")
    onboard = (
        established.to(onboarded, validators="guard_onboard")
        | surveyed.to(onboarded, validators=["guard_had_league", "guard_onboard"])
        | visited.to(onboarded, validators=["guard_had_league", "guard_onboard"])
    )
    mark_ineligible = surveyed.to(ineligible, validators="guard_reason") | visited.to(
        ineligible, validators="guard_reason"
    )
    reopen = ineligible.to(visited, cond="has_visits", validators="guard_reason_optional") | ineligible.to(
        surveyed, unless="has_visits", validators="guard_reason_optional"
    )
    close = (
        surveyed.to(closed, validators="guard_reason")
        | visited.to(closed, validators="guard_reason")
        | established.to(closed, validators="guard_reason")
        | onboarded.to(closed, validators="guard_reason")
        | ineligible.to(closed, validators="guard_reason")
    )
    revert = (
        visited.to(surveyed, validators="guard_revert")
        | established.to(visited, validators="guard_revert")
        | onboarded.to(established, cond="prev_established", validators="guard_revert")
        | onboarded.to(visited, cond="prev_visited", validators="guard_revert")
        | onboarded.to(surveyed, cond="prev_surveyed", validators="guard_revert")
        | ineligible.to(visited, cond="prev_visited", validators="guard_revert")
        | ineligible.to(surveyed, cond="prev_surveyed", validators="guard_revert")
        | closed.to(surveyed, cond="prev_surveyed", validators="guard_revert")
        | closed.to(visited, cond="prev_visited", validators="guard_revert")
        | closed.to(established, cond="prev_established", validators="guard_revert")
        | closed.to(onboarded, cond="prev_onboarded", validators="guard_revert")
        | closed.to(ineligible, cond="prev_ineligible", validators="guard_revert")
    )

    # --- conditions (pick the target of a multi-target event) ---------------------------------
    def has_visits(self, facts: Facts) -> bool:
        return bool(facts.visit_outcomes)

    def prev_surveyed(self, facts: Facts) -> bool:
        return (facts.previous_status or "surveyed") == "surveyed"

    def prev_visited(self, facts: Facts) -> bool:
        return facts.previous_status == "visited"

    def prev_established(self, facts: Facts) -> bool:
        return facts.previous_status == "established"

    def prev_onboarded(self, facts: Facts) -> bool:
        return facts.previous_status == "onboarded"

    def prev_ineligible(self, facts: Facts) -> bool:
        return facts.previous_status == "ineligible"

    # --- validators (explain a refusal) -----------------------------------------------------
    def guard_visit(self, facts: Facts, dry_run: bool = False) -> None:
        reasons = []
        if not facts.has_party_org:
            reasons.append(Message("该组织未建立党组织：本次走访针对已建党组织"))
        if not dry_run:
            if facts.visit_date is None:
                reasons.append(Message("请填写走访日期"))
            elif facts.today and facts.visit_date > facts.today:
                reasons.append(Message("走访日期不能晚于今天"))
            elif _too_early(facts.visit_date, facts):
                reasons.append(Message("%(what)s不能早于%(start)s", what=Message("走访日期"), start=facts.campaign_start.isoformat()))
            if facts.visit_outcome not in VISIT_OUTCOMES:
                reasons.append(Message("请选择走访结果"))
            reasons += _evidence_missing("record_visit", facts)
        _raise(reasons)

    def guard_establish(self, facts: Facts, dry_run: bool = False) -> None:
        reasons = []
        if facts.covered_by:
            reasons.append(Message("该组织已纳入联合团支部“%(name)s”，不再单独建立团组织", name=facts.covered_by))
        if not any(o != "declined" for o in facts.visit_outcomes):
            reasons.append(Message("尚无有效走访记录（须至少一次结果不是“拒绝”的走访）"))
        if not dry_run:
            if not facts.branch_name.strip():
                reasons.append(Message("请填写团组织全称"))
            if facts.founded_on is None:
                reasons.append(Message("请填写成立日期"))
            elif facts.today and facts.founded_on > facts.today:
                reasons.append(Message("成立日期不能晚于今天"))
            elif _too_early(facts.founded_on, facts):
                reasons.append(Message("%(what)s不能早于%(start)s", what=Message("成立日期"), start=facts.campaign_start.isoformat()))
            for label, value in facts.branch_dates.items():
                if value is not None and facts.today and value > facts.today:
                    reasons.append(Message("%(what)s不能晚于今天", what=Message(label)))
                elif value is not None and _too_early(value, facts):
                    reasons.append(Message("%(what)s不能早于%(start)s", what=Message(label), start=facts.campaign_start.isoformat()))
            if facts.branch_type not in BRANCH_TYPES:
                reasons.append(Message("请选择团组织类型"))
            else:
                error = branch_type_error(facts.branch_type, facts.league_members, facts.thresholds)
                if error:
                    reasons.append(error)
                if facts.branch_type == "joint_branch" and facts.covered_orgs < 1:
                    reasons.append(Message("联合团支部须写明联建的其他单位"))
            reasons += _evidence_missing("establish", facts)
        _raise(reasons)

    def guard_had_league(self, facts: Facts, dry_run: bool = False) -> None:
        if not facts.has_league_org:
            _raise([Message("摸排时该组织尚未建团：须先建立团组织再入驻")])

    def guard_onboard(self, facts: Facts, dry_run: bool = False) -> None:
        if dry_run:
            return
        reasons = []
        if facts.onboarded_on is None:
            reasons.append(Message("请填写入驻日期"))
        elif facts.today and facts.onboarded_on > facts.today:
            reasons.append(Message("入驻日期不能晚于今天"))
        elif _too_early(facts.onboarded_on, facts):
            reasons.append(Message("%(what)s不能早于%(start)s", what=Message("入驻日期"), start=facts.campaign_start.isoformat()))
        if not facts.platform_code.strip():
            reasons.append(Message("请填写智慧团建组织编码"))
        reasons += _evidence_missing("onboard", facts)
        _raise(reasons)

    def guard_reason(self, facts: Facts, dry_run: bool = False) -> None:
        if not dry_run and not facts.reason.strip():
            _raise([Message("请填写原因")])

    def guard_reason_optional(self, facts: Facts, dry_run: bool = False) -> None:
        return None

    def guard_revert(self, facts: Facts, dry_run: bool = False) -> None:
        reasons = []
        if facts.actor_role not in SUPERVISOR_ROLES:
            reasons.append(Message("只有督导人员可以撤回"))
        if not dry_run and not facts.reason.strip():
            reasons.append(Message("撤回须填写原因"))
        _raise(reasons)


def _raise(reasons: list[str]) -> None:
    if reasons:
        raise Refused(reasons)


class _Record:
    """The smallest model the machine can bind to: just a status."""

    def __init__(self, status: str):
        self.status = status


def _machine(status: str) -> OrgWorkflow:
    if status not in STATUSES:
        raise Refused([Message("未知状态：%(status)s", status=status)])
    return OrgWorkflow(_Record(status), state_field="status")


def fire(status: str, event: str, facts: Facts) -> str:
    """Apply `event` to an organisation in `status`; return the new status or raise :class:`Refused`."""
    if event not in EVENTS:
        raise Refused([Message("未知操作：%(event)s", event=event)])
    machine = _machine(status)
    try:
        machine.send(event, facts=facts, dry_run=False)
    except TransitionNotAllowed:
        raise Refused(
            [Message("当前状态为“%(status)s”，不能%(event)s", status=Message(STATUSES[status]), event=Message(EVENTS[event]))]
        ) from None
    return machine.model.status


def next_status(status: str, event: str, facts: Facts) -> str:
    """The status `event` would lead to (raises :class:`Refused` like :func:`fire`)."""
    return fire(status, event, facts)


def check(status: str, event: str, facts: Facts, dry_run: bool = False) -> list[str]:
    """The reasons `event` may not be applied now; an empty list means it may."""
    try:
        if dry_run:
            machine = _machine(status)
            machine.send(event, facts=facts, dry_run=True)
        else:
            fire(status, event, facts)
    except Refused as refused:
        return refused.reasons
    except TransitionNotAllowed:
        return [Message("当前状态为“%(status)s”，不能%(event)s", status=Message(STATUSES[status]), event=Message(EVENTS[event]))]
    return []


def available_events(status: str, facts: Facts) -> list[str]:
    """Events that the machine allows from `status` for these facts, ignoring the form's values.

    This is what decides which buttons an organisation page shows (the policy filters it further).
    """
    return [event for event in EVENTS if not check(status, event, facts, dry_run=True)]
