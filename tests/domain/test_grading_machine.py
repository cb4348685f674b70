"""Every (state, event) pair of the grading machine, allowed and refused, with its message."""
from __future__ import annotations

import pytest

from orgbuild.domain import grading
from orgbuild.domain.quality import Scores
from orgbuild.domain.workflow import Refused

GOOD = Scores(20, 18, 18, 17, 17)
SUPERVISOR = grading.GradingFacts(scores=GOOD, actor_role="supervisor", reason="材料不全")

#: (state, event) → the next state, or the message of the refusal
EXPECTED = {
    ("draft", "self_assess"): "self_assessed",
    ("draft", "confirm"): "尚未提交自评，不能复核认定",
    ("draft", "return_for_correction"): "尚未提交自评，无需退回",
    ("self_assessed", "self_assess"): "已提交自评，等待复核认定",
    ("self_assessed", "confirm"): "confirmed",
    ("self_assessed", "return_for_correction"): "returned",
    ("confirmed", "self_assess"): "已复核认定的定级不能再自评",
    ("confirmed", "confirm"): "该定级已复核认定",
    ("confirmed", "return_for_correction"): "已复核认定的定级不能退回修改",
    ("returned", "self_assess"): "self_assessed",
    ("returned", "confirm"): "已退回修改，须重新提交自评后才能复核认定",
    ("returned", "return_for_correction"): "已退回修改，等待重新自评",
}


def test_the_table_covers_every_pair():
    assert set(EXPECTED) == {(s, e) for s in grading.STATES for e in grading.EVENTS}


@pytest.mark.parametrize(("state", "event"), sorted(EXPECTED))
def test_each_pair(state, event):
    expected = EXPECTED[(state, event)]
    if expected in grading.STATES:
        assert grading.fire(state, event, SUPERVISOR) == expected
        assert event in grading.available_events(state)
    else:
        with pytest.raises(Refused) as refused:
            grading.fire(state, event, SUPERVISOR)
        assert refused.value.reasons == [expected]
        assert event not in grading.available_events(state)


def test_guards_explain_every_reason_at_once():
    officer = grading.GradingFacts(scores=Scores(50, 50, 10, 0, 0), actor_role="officer",
                                   eligible_refusal="流动团支部和临时团支部不参加定级")
    assert grading.check("self_assessed", "confirm", officer) == [
        "流动团支部和临时团支部不参加定级", "复核认定和退回修改须由上级团组织（团区委）进行", "五项得分合计110分，超过满分100分"]
    assert grading.check("self_assessed", "return_for_correction",
                         grading.GradingFacts(scores=GOOD, actor_role="admin")) == ["请填写退回原因"]


@pytest.mark.parametrize("scores", [Scores(-1, 20, 20, 20, 20), Scores(101, 0, 0, 0, 0), Scores(30, 30, 30, 10, 1)])
def test_scores_outside_0_to_100_or_adding_up_to_more_are_refused(scores):
    with pytest.raises(Refused):
        grading.fire("draft", "self_assess", grading.GradingFacts(scores=scores))
