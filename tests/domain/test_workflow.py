"""The status machine without an app: every (state, transition) pair, allowed and refused, with messages."""
from __future__ import annotations

from datetime import date

import pytest

from orgbuild.domain import workflow
from orgbuild.domain.workflow import EVENTS, STATUSES, Facts, Refused, available_events, check, fire

DAY = date(2022, 6, 1)
TODAY = date(2022, 12, 31)

#: The status each state returns to on revert, in the facts below.
PREVIOUS = {"visited": "surveyed", "established": "visited", "onboarded": "established", "ineligible": "visited", "closed": "onboarded"}

#: Every allowed (state, event) pair and where it leads, when all its guards are satisfied.
ALLOWED = {
    ("surveyed", "record_visit"): "visited",
    ("visited", "record_visit"): "visited",
    ("established", "record_visit"): "established",
    ("onboarded", "record_visit"): "onboarded",
    ("visited", "establish"): "established",
    ("established", "onboard"): "onboarded",
    ("surveyed", "onboard"): "onboarded",
    ("visited", "onboard"): "onboarded",
    ("surveyed", "mark_ineligible"): "ineligible",
    ("visited", "mark_ineligible"): "ineligible",
    ("ineligible", "reopen"): "visited",
    ("surveyed", "close"): "closed",
    ("visited", "close"): "closed",
    ("established", "close"): "closed",
    ("onboarded", "close"): "closed",
    ("ineligible", "close"): "closed",
    ("visited", "revert"): "surveyed",
    ("established", "revert"): "visited",
    ("onboarded", "revert"): "established",
    ("ineligible", "revert"): "visited",
    ("closed", "revert"): "onboarded",
}


def full_facts(state: str, **overrides) -> Facts:
    """Facts that satisfy every guard: a supervisor with a reason and a complete form."""
    values = dict(
        has_party_org=True,
        has_league_org=True,
        visit_outcomes=["willing"],
        actor_role="supervisor",
        previous_status=PREVIOUS.get(state),
        reason="核实有误",
        visit_date=DAY,
        visit_outcome="willing",
        branch_type="branch",
        branch_name="某公司团支部",
        founded_on=DAY,
        league_members=5,
        covered_orgs=0,
        onboarded_on=DAY,
        platform_code="44030300001",
        today=TODAY,
    )
    values.update(overrides)
    return Facts(**values)


PAIRS = [(state, event) for state in STATUSES for event in EVENTS]


@pytest.mark.parametrize("state,event", PAIRS)
def test_every_pair_allowed_or_refused_with_message(state, event):
    facts = full_facts(state)
    if (state, event) in ALLOWED:
        assert fire(state, event, facts) == ALLOWED[(state, event)]
        assert check(state, event, facts) == []
        assert event in available_events(state, facts)
    else:
        expected = f"当前状态为“{STATUSES[state]}”，不能{EVENTS[event]}"
        with pytest.raises(Refused) as refused:
            fire(state, event, facts)
        assert refused.value.reasons == [expected]
        assert check(state, event, facts) == [expected]
        assert event not in available_events(state, facts)


def test_every_state_and_event_is_covered():
    assert len(PAIRS) == len(STATUSES) * len(EVENTS) == 42
    assert {s for s, _ in ALLOWED} <= set(STATUSES) and {e for _, e in ALLOWED} <= set(EVENTS)


def reasons(state: str, event: str, **overrides) -> list[str]:
    """The refusal reasons for `event` with the full facts changed by `overrides`."""
    return check(state, event, full_facts(state, **overrides))


def test_visit_needs_a_party_organisation():
    assert reasons("surveyed", "record_visit", has_party_org=False) == ["该组织未建立党组织：本次走访针对已建党组织"]


def test_visit_needs_date_and_outcome_and_no_future_date():
    assert reasons("surveyed", "record_visit", visit_date=None, visit_outcome=None) == ["请填写走访日期", "请选择走访结果"]
    assert reasons("visited", "record_visit", visit_date=date(2023, 1, 1)) == ["走访日期不能晚于今天"]


def test_establish_needs_a_visit_that_was_not_declined():
    message = "尚无有效走访记录（须至少一次结果不是“拒绝”的走访）"
    assert reasons("visited", "establish", visit_outcomes=["declined"]) == [message]
    assert reasons("visited", "establish", visit_outcomes=[]) == [message]
    assert reasons("visited", "establish", visit_outcomes=["declined", "considering"]) == []


def test_establish_branch_with_two_members_is_refused():
    assert reasons("visited", "establish", league_members=2) == [
        "团员不足3人（现有2人），不能单独建立团支部，请建立联合团支部"
    ]


@pytest.mark.parametrize(
    "kind,members,ok",
    [("branch", 3, True), ("general_branch", 29, False), ("general_branch", 30, True), ("committee", 99, False), ("committee", 100, True)],
)
def test_branch_type_thresholds(kind, members, ok):
    got = reasons("visited", "establish", branch_type=kind, league_members=members)
    assert (got == []) is ok


def test_joint_branch_needs_covered_units():
    assert reasons("visited", "establish", branch_type="joint_branch", league_members=1) == ["联合团支部须写明联建的其他单位"]
    assert reasons("visited", "establish", branch_type="joint_branch", league_members=1, covered_orgs=1) == []


def test_establish_needs_name_date_and_type():
    got = reasons("visited", "establish", branch_name=" ", founded_on=None, branch_type=None)
    assert got == ["请填写团组织全称", "请填写成立日期", "请选择团组织类型"]


def test_onboard_needs_platform_code_and_date():
    assert reasons("established", "onboard", platform_code=" ") == ["请填写智慧团建组织编码"]
    assert reasons("established", "onboard", onboarded_on=None) == ["请填写入驻日期"]
    assert reasons("established", "onboard", onboarded_on=date(2023, 1, 1)) == ["入驻日期不能晚于今天"]
    assert reasons("established", "onboard", onboarded_on=date(1900, 1, 1), campaign_start=date(2000, 1, 1)) == [
        "入驻日期不能早于2000-01-01"]


@pytest.mark.parametrize("state", ["surveyed", "visited"])
def test_direct_onboarding_only_when_the_survey_found_a_league_organisation(state):
    assert reasons(state, "onboard", has_league_org=False) == ["摸排时该组织尚未建团：须先建立团组织再入驻"]


@pytest.mark.parametrize("state,event", [("surveyed", "mark_ineligible"), ("visited", "close"), ("ineligible", "close")])
def test_reason_required(state, event):
    assert reasons(state, event, reason="  ") == ["请填写原因"]


def test_reopen_goes_back_to_visited_or_surveyed():
    assert fire("ineligible", "reopen", full_facts("ineligible", reason="")) == "visited"
    assert fire("ineligible", "reopen", full_facts("ineligible", visit_outcomes=[])) == "surveyed"


def test_revert_supervisors_only_with_reason():
    assert reasons("visited", "revert", actor_role="officer") == ["只有督导人员可以撤回"]
    assert reasons("visited", "revert", reason="") == ["撤回须填写原因"]
    assert reasons("visited", "revert", actor_role="admin") == []


@pytest.mark.parametrize("previous", ["surveyed", "visited", "established"])
def test_revert_from_onboarded_goes_back_one_step(previous):
    assert fire("onboarded", "revert", full_facts("onboarded", previous_status=previous)) == previous


@pytest.mark.parametrize("previous", ["surveyed", "visited", "established", "onboarded", "ineligible"])
def test_revert_from_closed_goes_back_one_step(previous):
    assert fire("closed", "revert", full_facts("closed", previous_status=previous)) == previous


def test_available_events_ignore_the_form_but_not_the_facts():
    facts = Facts(has_party_org=True, has_league_org=False, visit_outcomes=[], actor_role="officer")
    assert available_events("surveyed", facts) == ["record_visit", "mark_ineligible", "close"]
    assert available_events("visited", Facts(has_party_org=True, visit_outcomes=["willing"])) == [
        "record_visit", "establish", "mark_ineligible", "close"
    ]


def test_unknown_status_and_event():
    with pytest.raises(Refused) as refused:
        fire("surveyed", "explode", full_facts("surveyed"))
    assert refused.value.reasons == ["未知操作：explode"]
    with pytest.raises(Refused) as refused:
        fire("limbo", "record_visit", full_facts("surveyed"))
    assert refused.value.reasons == ["未知状态：limbo"]


def test_messages_keep_their_template_for_translation():
    message = check("ineligible", "record_visit", full_facts("ineligible"))[0]
    assert message.template == "当前状态为“%(status)s”，不能%(event)s"
    assert workflow.STATUSES["ineligible"] in message
