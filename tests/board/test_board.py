"""The board by stage: column counts (equal to the progress figures), days in stage, the stale flag,
filters, pagination per column, the step each card opens."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from orgbuild.board import service as board
from orgbuild.extensions import db
from orgbuild.models import local_date
from orgbuild.progress.figures import progress_for
from tests.conftest import login, street


@pytest.fixture
def orgs(make_user, make_org):
    boss = make_user("boss", "supervisor")
    officer = make_user("off_a", "officer", ["翠竹"])
    today = local_date()
    made = {
        "fresh": make_org("翠竹", surveyed_on=today - timedelta(days=2), officer=officer),
        "old": make_org("翠竹", surveyed_on=today - timedelta(days=90)),
        "visited": make_org("翠竹", status="visited", surveyed_on=today - timedelta(days=90), industry="I",
                            stage_since=today - timedelta(days=5)),
        "established": make_org("桂园", status="established", has_league_org=True),
        "onboarded": make_org("桂园", status="onboarded", has_league_org=True),
        "ineligible": make_org("桂园", status="ineligible"),
        "closed": make_org("桂园", status="closed", closed_on=today - timedelta(days=1)),
    }
    return boss, officer, made


def test_column_counts_equal_the_progress_figures(app, orgs):
    boss, _officer, made = orgs
    counts = board.column_counts(boss, board.BoardFilter())
    assert counts == {"surveyed": 2, "visited": 1, "established": 1, "onboarded": 1, "ineligible": 1, "closed": 1}
    p = progress_for(boss, local_date().year)
    # the progress object counts what is not closed: every column but 已关闭
    assert sum(n for s, n in counts.items() if s != "closed") == p["surveyed"]
    street_a = board.column_counts(boss, board.BoardFilter(street_id=street("翠竹").id))
    assert sum(street_a.values()) == progress_for(boss, local_date().year, street="翠竹")["surveyed"]


def test_days_in_stage_and_the_stale_flag(app, orgs):
    boss, _officer, made = orgs
    columns = {c.status: c for c in board.board(boss, board.BoardFilter())}
    surveyed = {card.id: card for card in columns["surveyed"].cards}
    assert surveyed[made["old"].id].days == 90 and surveyed[made["old"].id].stale
    assert surveyed[made["fresh"].id].days == 2 and not surveyed[made["fresh"].id].stale
    assert [c.id for c in columns["surveyed"].cards] == [made["old"].id, made["fresh"].id]  # longest first
    visited = columns["visited"].cards[0]
    assert visited.days == 5 and not visited.stale and visited.step == "establish"
    assert surveyed[made["old"].id].step == "record_visit"


@pytest.mark.app_config(STALE_DAYS=1)
def test_the_stale_limit_is_a_setting(app, orgs):
    boss, _officer, made = orgs
    surveyed = {c.id: c for c in board.board(boss, board.BoardFilter(), column="surveyed")[0].cards}
    assert surveyed[made["fresh"].id].stale


def test_filters_scope_and_pagination(app, orgs, make_user, make_org):
    boss, officer, made = orgs
    assert board.column_counts(boss, board.BoardFilter(officer_id=officer.id))["surveyed"] == 1
    assert board.column_counts(boss, board.BoardFilter(industry="I")) == dict(
        board.column_counts(boss, board.BoardFilter()), surveyed=0, established=0, onboarded=0, ineligible=0, closed=0)
    assert sum(board.column_counts(officer, board.BoardFilter()).values()) == 3  # only 翠竹
    for _ in range(25):
        make_org("翠竹")
    first = board.board(boss, board.BoardFilter(), column="surveyed", page=1)[0]
    second = board.board(boss, board.BoardFilter(), column="surveyed", page=2)[0]
    assert (first.count, first.pages, len(first.cards), len(second.cards)) == (27, 2, 20, 7)
    assert not {c.id for c in first.cards} & {c.id for c in second.cards}


def test_board_page_renders_columns_and_links_to_the_step_forms(app, client, orgs):
    _boss, officer, made = orgs
    login(client, "off_a")
    page = client.get("/board/").get_data(as_text=True)
    assert made["old"].name in page and made["established"].name not in page  # 桂园 is not theirs
    assert f"/orgs/{made['old'].id}/step/record_visit" in page
    assert 'data-status="surveyed">2<' in page
    one = client.get("/board/?column=visited&page=1").get_data(as_text=True)
    assert made["visited"].name in one and made["old"].name not in one


def test_a_step_dates_the_stage_and_a_revert_restores_the_earlier_date(app, make_user, make_org):
    from orgbuild.campaign import actions
    from tests.flows import visit

    officer = make_user("off_a", "officer", ["翠竹"])
    boss = make_user("boss", "supervisor")
    org = make_org("翠竹", surveyed_on=local_date() - timedelta(days=40))
    visit(org, officer)
    assert org.stage_since == local_date()
    visit(org, officer)  # a second visit leaves the organisation in the same stage
    assert org.stage_since == local_date()
    actions.apply_transition(org, actions.TransitionRequest("revert", reason="录错了"), boss)
    assert org.status == "surveyed" and org.stage_since == org.surveyed_on
    card = board.board(boss, board.BoardFilter(), column="surveyed")[0].cards[0]
    assert card.days == 40 and card.stale


def test_a_card_shows_name_street_officer_and_the_latest_visits_follow_up(app, client, make_user, make_org):
    from orgbuild.models import Visit

    boss = make_user("boss", "supervisor")
    named = make_user("wang", "officer", ["翠竹"])
    named.display_name = "王团干"
    plain = make_user("li", "officer", ["翠竹"])
    plain.display_name = ""  # no display name: the username
    today = local_date()
    seen = make_org("翠竹", status="visited", officer=named, name="走访过有限公司")
    db.session.add_all([
        Visit(organization_id=seen.id, officer_id=named.id, visit_date=today - timedelta(days=9), outcome="willing",
              next_follow_up=today + timedelta(days=1)),
        Visit(organization_id=seen.id, officer_id=named.id, visit_date=today - timedelta(days=3), outcome="willing",
              next_follow_up=today + timedelta(days=12)),  # the latest visit names the next follow-up
    ])
    make_org("桂园", officer=plain, name="无党组织有限公司", has_party_org=False)
    make_org("翠竹", name="无人负责有限公司")
    db.session.commit()
    columns = {c.status: c for c in board.board(boss, board.BoardFilter())}
    visited = columns["visited"].cards[0]
    assert (visited.id, visited.name, visited.street, visited.officer, visited.follow_up, visited.step) == (
        seen.id, "走访过有限公司", "翠竹", "王团干", today + timedelta(days=12), "establish")
    surveyed = {c.name: c for c in columns["surveyed"].cards}
    no_party = surveyed["无党组织有限公司"]
    assert (no_party.street, no_party.officer, no_party.step, no_party.follow_up) == ("桂园", "li", None, None)
    assert surveyed["无人负责有限公司"].officer is None
    login(client, "boss")
    page = client.get("/board/").get_data(as_text=True)
    assert "翠竹 · 王团干" in page and "桂园 · li" in page and "翠竹 · 未分配" in page
    assert f"下次跟进 {today + timedelta(days=12)}" in page
