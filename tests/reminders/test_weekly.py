"""The supervisors' weekly summary per street: counted right, printed by ``digest --weekly``,
e-mailed by ``digest --weekly --send`` to each supervisor for the streets of their scope (aiosmtpd)."""
from __future__ import annotations

from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller

from orgbuild.extensions import db
from orgbuild.models import Branch, Onboarding, Visit, local_date
from orgbuild.reminders import weekly
from tests.conftest import street
from tests.reminders.test_digest import Inbox, _free_port


def _visit(org, officer, days_ago: int, follow_up_in: int | None = None) -> None:
    day = local_date() - timedelta(days=days_ago)
    db.session.add(Visit(organization_id=org.id, officer_id=officer.id, visit_date=day, outcome="willing",
                         next_follow_up=day + timedelta(days=follow_up_in) if follow_up_in is not None else None))
    db.session.commit()


@pytest.fixture
def week(app, make_user, make_org):
    today = local_date()
    a = make_user("a_officer", "officer", ["翠竹"])
    b = make_user("b_officer", "officer", ["翠竹"])
    make_user("gy_officer", "officer", ["桂园"])
    late = make_org("翠竹", officer=a, status="visited", name="逾期有限公司", stage_since=today - timedelta(days=10))
    _visit(late, a, 20, 5)        # visit before the week; follow-up 15 days ago: overdue
    fresh = make_org("翠竹", officer=a, status="visited", name="本周走访有限公司", stage_since=today - timedelta(days=2))
    _visit(fresh, a, 2, 30)       # in the week, not due
    _visit(fresh, b, 6, 30)       # in the week (its first day), by b
    _visit(fresh, b, 7, 30)       # the day before the week: not counted
    make_org("翠竹", status="surveyed", name="未分配有限公司", surveyed_on=today - timedelta(days=100))  # stale, unassigned
    founded = make_org("翠竹", officer=b, status="established", has_league_org=False, name="本周建团有限公司",
                       stage_since=today - timedelta(days=1))
    db.session.add(Branch(organization_id=founded.id, name="本周建团有限公司团支部", branch_type="branch",
                          founded_on=today - timedelta(days=1), member_count=5))
    old = make_org("翠竹", officer=b, status="onboarded", has_league_org=False, name="上月入驻有限公司",
                   stage_since=today - timedelta(days=40))
    db.session.add(Onboarding(organization_id=old.id, onboarded_on=today - timedelta(days=40), platform_code="ABC123"))
    make_org("翠竹", status="closed", name="已关闭有限公司")  # closed: not open work, not unassigned
    gy = make_org("桂园", status="surveyed", name="桂园有限公司")
    db.session.commit()
    return a, b, gy


def test_street_week_counts_the_street_and_its_officers(week):
    a, b, _gy = week
    summary = weekly.street_week(street("翠竹"))
    assert summary.total == 6
    assert (summary.statuses["surveyed"], summary.statuses["visited"], summary.statuses["established"],
            summary.statuses["onboarded"], summary.statuses["closed"]) == (1, 2, 1, 1, 1)
    assert (summary.unassigned, summary.overdue, summary.stale) == (1, 1, 1)
    assert (summary.visits, summary.established, summary.onboarded) == (2, 1, 0)
    lines = {o.officer.username: (o.open_work, o.overdue, o.visits) for o in summary.officers}
    assert lines == {"a_officer": (2, 1, 1), "b_officer": (1, 0, 1)}
    text = summary.text()
    assert "翠竹街道 每周汇总" in text and "逾期未跟进 1 家" in text and "未分配团干 1 家" in text
    assert "a_officer：在办 2 家，逾期 1 家，本周走访 1 次" in text


def test_digest_weekly_prints_one_street_or_every_street(week, runner):
    one = runner.invoke(args=["digest", "--weekly", "--street", "翠竹"])
    assert one.exit_code == 0, one.output
    assert "翠竹街道 每周汇总" in one.output and "桂园" not in one.output
    every = runner.invoke(args=["digest", "--weekly"])
    assert every.exit_code == 0 and "翠竹街道 每周汇总" in every.output and "桂园街道 每周汇总" in every.output
    assert "黄贝街道" not in every.output  # a street without organisations is left out
    unknown = runner.invoke(args=["digest", "--weekly", "--street", "无此街道"])
    assert unknown.exit_code == 2 and "无此街道" in unknown.output
    mixed = runner.invoke(args=["digest", "--weekly", "--officer", "a_officer"])
    assert mixed.exit_code == 2
    daily = runner.invoke(args=["digest", "--officer", "a_officer"])  # the daily contract is unchanged
    assert daily.exit_code == 0 and "每日提醒" in daily.output and "逾期有限公司" in daily.output


def test_digest_weekly_send_mails_each_supervisor_their_streets(week, app, runner, make_user):
    make_user("city_sup", "supervisor")
    make_user("gy_sup", "supervisor", ["桂园"])
    make_user("nomail_sup", "supervisor", ["翠竹"])
    make_user("hb_sup", "supervisor", ["黄贝"])  # a street without organisations: nothing to send
    for name in ("city_sup", "gy_sup", "a_officer"):
        runner.invoke(args=["user", "set-email", name, f"{name}@example.org"])
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update(SMTP_URL=f"smtp://127.0.0.1:{port}", MAIL_FROM="orgbuild@example.org")
        result = runner.invoke(args=["digest", "--weekly", "--send"])
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    assert "已发送每周汇总 2 份（2 个街道）" in result.output and "没有电子邮箱：nomail_sup" in result.output
    by_recipient = {tuple(rcpt): message for rcpt, message in inbox.messages}
    assert set(by_recipient) == {("city_sup@example.org",), ("gy_sup@example.org",)}

    def body(message) -> str:
        return message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")

    city = by_recipient[("city_sup@example.org",)]
    assert "2 个街道" in str(make_header(decode_header(city["Subject"])))
    assert "翠竹街道 每周汇总" in body(city) and "桂园街道 每周汇总" in body(city)
    gy = body(by_recipient[("gy_sup@example.org",)])
    assert "桂园街道 每周汇总" in gy and "翠竹" not in gy


def test_digest_weekly_send_without_smtp_url_is_refused(week, runner):
    result = runner.invoke(args=["digest", "--weekly", "--send"])
    assert result.exit_code == 2 and "SMTP_URL" in result.output
