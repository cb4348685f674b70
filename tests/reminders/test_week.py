"""An officer's home shows their follow-ups overdue and due this week (today to Sunday), each
labelled and counted in full, only for the organisations they are responsible for."""
from __future__ import annotations

from datetime import date, timedelta

from orgbuild.extensions import db
from orgbuild.models import Visit, local_date
from orgbuild.reminders import service as reminders
from tests.conftest import login


def _due(org, officer, on: date) -> None:
    """A visit yesterday naming `on` as the next follow-up."""
    day = local_date() - timedelta(days=1)
    db.session.add(Visit(organization_id=org.id, officer_id=officer.id, visit_date=day, outcome="follow_up",
                         next_follow_up=on))
    db.session.commit()


def test_week_agenda_splits_overdue_from_due_this_week(app, make_user, make_org):
    mine = make_user("mine", "officer", ["翠竹"])
    other = make_user("other", "officer", ["翠竹"])
    wednesday = date(2026, 12, 2)
    sunday = date(2026, 12, 6)
    cases = {"昨天到期有限公司": wednesday - timedelta(days=1), "上周到期有限公司": wednesday - timedelta(days=9),
             "今天到期有限公司": wednesday, "周日到期有限公司": sunday, "下周一到期有限公司": sunday + timedelta(days=1)}
    for name, on in cases.items():
        _due(make_org("翠竹", officer=mine, status="visited", name=name), mine, on)
    _due(make_org("翠竹", officer=other, status="visited", name="别人的有限公司"), other, wednesday)
    _due(make_org("翠竹", officer=mine, status="onboarded", has_league_org=True, name="已入驻有限公司"), mine, wednesday)
    agenda = reminders.week_agenda(mine, today=wednesday)
    assert agenda.week_end == sunday
    assert [o.name for o, _d in agenda.overdue] == ["上周到期有限公司", "昨天到期有限公司"]
    assert [o.name for o, _d in agenda.due] == ["今天到期有限公司", "周日到期有限公司"]
    assert (agenda.overdue_count, agenda.due_count) == (2, 2)
    short = reminders.week_agenda(mine, today=wednesday, limit=1)
    assert (len(short.overdue), short.overdue_count, len(short.due), short.due_count) == (1, 2, 1, 2)
    on_sunday = reminders.week_agenda(mine, today=sunday)  # Sunday: the week is that one day
    assert on_sunday.week_end == sunday and [o.name for o, _d in on_sunday.due] == ["周日到期有限公司"]
    assert on_sunday.overdue_count == 3


def test_the_officer_home_shows_both_lists_labelled_and_counted(app, make_user, make_org):
    mine = make_user("mine", "officer", ["翠竹"])
    today = local_date()
    week_end = today + timedelta(days=6 - today.weekday())
    _due(make_org("翠竹", officer=mine, status="visited", name="逾期甲有限公司"), mine, today - timedelta(days=2))
    _due(make_org("翠竹", officer=mine, status="visited", name="逾期乙有限公司"), mine, today - timedelta(days=30))
    _due(make_org("翠竹", officer=mine, status="visited", name="本周丙有限公司"), mine, week_end)
    _due(make_org("翠竹", officer=mine, status="visited", name="下周丁有限公司"), mine, week_end + timedelta(days=1))
    client = app.test_client()
    page = login(client, "mine").get_data(as_text=True)  # signing in lands on the home page
    overdue = page.split('class="col-md-6 week-overdue"')[1].split("</section>")[0]
    due = page.split('class="col-md-6 week-due-this-week"')[1].split("</section>")[0]
    assert "已逾期" in overdue and '<span class="badge text-bg-danger week-count">2</span>' in overdue
    assert "逾期甲有限公司" in overdue and "逾期乙有限公司" in overdue and "本周丙" not in overdue
    assert "本周到期" in due and '<span class="badge text-bg-secondary week-count">1</span>' in due
    assert "本周丙有限公司" in due and "下周丁" not in due and "逾期甲" not in due


def test_an_officer_with_nothing_due_sees_empty_sections(app, make_user):
    make_user("idle", "officer", ["翠竹"])
    page = login(app.test_client(), "idle").get_data(as_text=True)
    assert "本周没有到期的跟进" in page and "week-overdue" in page
