"""The weekly summary's page (/board/weekly): the figures ``digest --weekly`` prints, for the streets
of the reader's scope (a street-limited supervisor: theirs; an officer: their own streets)."""
from __future__ import annotations

import re

from orgbuild.reminders import weekly
from tests.conftest import login, street
from tests.reminders.test_weekly import week  # noqa: F401 - the fixture


def sections(html: str) -> dict[int, str]:
    """{street id: its section of the page}."""
    return {int(m.group(1)): m.group(2) for m in
            re.finditer(r'<section class="card mb-3 street-week" data-street="(\d+)"(.*?)</section>', html, re.S)}


def figures(section: str) -> dict[str, int]:
    """The street's figures (data-figure cells outside the officers' table), as numbers."""
    street_part = section.split('class="table table-sm table-striped align-middle mb-0 week-officers"')[0]
    return {k: int(v.replace(",", "")) for k, v in re.findall(r'data-figure="([a-z-]+)">([\d,]+)<', street_part)}


def officer_rows(section: str) -> dict[int, dict[str, int]]:
    rows = re.findall(r'<tr data-officer="(\d+)"[^>]*>(.*?)</tr>', section, re.S)
    return {int(i): {k: int(v) for k, v in re.findall(r'data-figure="([a-z]+)">(\d+)<', row)} for i, row in rows}


def service_figures(summary: weekly.StreetWeek) -> dict[str, int]:
    numbers = {f"status-{status}": n for status, n in summary.statuses.items()}
    numbers.update(visits=summary.visits, established=summary.established, onboarded=summary.onboarded,
                   overdue=summary.overdue, stale=summary.stale, unassigned=summary.unassigned)
    return numbers


def test_the_page_shows_the_figures_the_cli_prints(week, app, client, runner, make_user):
    a, b, _gy = week
    make_user("city_sup", "supervisor")
    login(client, "city_sup")
    html = client.get("/board/weekly").get_data(as_text=True)
    shown = sections(html)
    cuizhu, guiyuan = street("翠竹"), street("桂园")
    assert set(shown) == {cuizhu.id, guiyuan.id}  # the streets holding organisations, like the CLI
    summary = weekly.street_week(cuizhu)
    assert figures(shown[cuizhu.id]) == service_figures(summary)
    assert figures(shown[cuizhu.id])["visits"] == 2 and figures(shown[cuizhu.id])["overdue"] == 1
    assert officer_rows(shown[cuizhu.id]) == {
        o.officer.id: {"open": o.open_work, "overdue": o.overdue, "visits": o.visits} for o in summary.officers}
    assert officer_rows(shown[cuizhu.id])[a.id] == {"open": 2, "overdue": 1, "visits": 1}
    printed = runner.invoke(args=["digest", "--weekly", "--street", "翠竹"]).output
    f = figures(shown[cuizhu.id])
    assert (f"本周：走访 {f['visits']} 次，建团 {f['established']} 个，入驻 {f['onboarded']} 家" in printed
            and f"逾期未跟进 {f['overdue']} 家" in printed and f"未分配团干 {f['unassigned']} 家" in printed)
    assert f"组织 {summary.total} 家" in html
    assert figures(shown[guiyuan.id]) == service_figures(weekly.street_week(guiyuan))
    assert "该街道没有启用的团干" not in shown[guiyuan.id]  # gy_officer works there


def test_a_street_limited_supervisor_sees_only_their_streets(week, client, make_user):
    make_user("gy_sup", "supervisor", ["桂园"])
    login(client, "gy_sup")
    html = client.get("/board/weekly").get_data(as_text=True)
    assert set(sections(html)) == {street("桂园").id}
    assert "翠竹街道" not in html.split("<main", 1)[1].split('class="row g-2 mb-3 filters"', 1)[1]
    assert client.get(f"/board/weekly?street={street('翠竹').id}").status_code == 404
    one = client.get(f"/board/weekly?street={street('桂园').id}").get_data(as_text=True)
    assert set(sections(one)) == {street("桂园").id}
    assert set(sections(client.get("/board/weekly?street=999999").get_data(as_text=True))) == {street("桂园").id}
    assert set(sections(client.get("/board/weekly?street=abc").get_data(as_text=True))) == {street("桂园").id}


def test_an_officer_sees_their_own_streets_and_their_line_marked(week, client):
    a, _b, _gy = week
    login(client, "a_officer")
    html = client.get("/board/weekly").get_data(as_text=True)
    shown = sections(html)
    assert set(shown) == {street("翠竹").id}
    assert f'<tr data-officer="{a.id}" class="table-info">' in shown[street("翠竹").id]
    assert client.get(f"/board/weekly?street={street('桂园').id}").status_code == 404


def test_the_board_links_to_the_weekly_summary_of_its_street(week, client, make_user):
    make_user("city_sup", "supervisor")
    login(client, "city_sup")
    board = client.get(f"/board/?street={street('翠竹').id}").get_data(as_text=True)
    assert f'href="/board/weekly?street={street("翠竹").id}"' in board
