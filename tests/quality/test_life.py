"""Organisational life and membership of founded branches, and the hollow-branch warnings as of a date."""
from __future__ import annotations

from datetime import timedelta

import pytest

from orgbuild.campaign.actions import ServiceError
from orgbuild.extensions import db
from orgbuild.models import AuditEvent, BranchActivity, MembershipChange
from orgbuild.progress.scope import Scope
from orgbuild.quality import roster, service
from tests.conftest import login
from tests.flows import TODAY, count, establish, visit

LONG_AGO = TODAY - timedelta(days=200)


@pytest.fixture
def founded(app, make_user, make_org):
    """A 团支部 of street 翠竹 founded 200 days ago with 5 members and a secretary; its officer."""
    officer = make_user("officer_a", "officer", ["翠竹"])
    make_user("officer_b", "officer", ["桂园"])
    make_user("supervisor", "supervisor")
    org = make_org("翠竹", name="翠竹活力科技有限公司")
    visit(org, officer)
    establish(org, officer, founded_on=LONG_AGO, secretary="李书记", member_count=5)
    return org, officer


def test_a_quiet_branch_is_warned_until_it_logs_an_activity(founded):
    org, officer = founded
    assert roster.branch_state(org, TODAY).warnings == ["no_activity"]
    # founded less than 90 days before an earlier date: no warning then
    assert roster.branch_state(org, LONG_AGO + timedelta(days=30)).warnings == []
    service.log_activity(org, service.ActivityData("theme_day", TODAY - timedelta(days=10), 12, "五四主题团日"), officer)
    assert roster.branch_state(org, TODAY).warnings == []
    # as of a date before the activity, the warning stands: figures come from dated records only
    assert roster.branch_state(org, TODAY - timedelta(days=11)).warnings == ["no_activity"]
    assert count(AuditEvent, object_type="branch_activity") == 1


def test_the_quiet_window_and_the_latest_grade_are_counted_from_dated_records(founded):
    """The roster's per-branch probes: an activity exactly `days` before the date is already quiet,
    one a day later is not, one after the date does not count; the level is the latest year's
    confirmed by the date; the member count adds the changes dated up to it."""
    from orgbuild.models import Grading
    org, officer = founded
    day = TODAY - timedelta(days=20)
    service.log_activity(org, service.ActivityData("theme_day", day - timedelta(days=90), 9, ""), officer)
    assert roster.branch_state(org, day, days=90).warnings == ["no_activity"]
    assert roster.branch_state(org, day - timedelta(days=1), days=90).warnings == []
    assert roster.branch_state(org, day, days=90).last_on == day - timedelta(days=90)
    service.log_activity(org, service.ActivityData("league_lecture", day + timedelta(days=5), 9, ""), officer)
    assert roster.branch_state(org, day, days=90).warnings == ["no_activity"]  # after the date: not yet
    assert roster.branch_state(org, day + timedelta(days=5), days=90).last_on == day + timedelta(days=5)
    for year, level, confirmed_on in ((2020, "weak", TODAY - timedelta(days=400)), (2021, "four_star", day),
                                      (2022, "lagging", None)):  # 2022: self-assessed only, never counted
        db.session.add(Grading(organization_id=org.id, year=year, state="confirmed" if confirmed_on else "self_assessed",
                               level=level, confirmed_on=confirmed_on, note=""))
    db.session.commit()
    assert roster.branch_state(org, day - timedelta(days=1)).level == "weak"
    assert "weak_grade" in roster.branch_state(org, day - timedelta(days=1)).warnings
    assert roster.branch_state(org, day).level == "four_star"
    assert "weak_grade" not in roster.branch_state(org, day).warnings
    service.log_membership(org, service.MembershipData("transferred_out", day, 3, ""), officer)
    assert roster.branch_state(org, day - timedelta(days=1)).members == 5
    assert roster.branch_state(org, day).members == 2 and "few_members" in roster.branch_state(org, day).warnings


def test_activity_refusals_write_nothing(founded):
    org, officer = founded
    cases = [
        (service.ActivityData("party", TODAY, 5), "kind"),
        (service.ActivityData("theme_day", TODAY + timedelta(days=1), 5), "held_on"),
        (service.ActivityData("theme_day", LONG_AGO - timedelta(days=1), 5), "held_on"),
        (service.ActivityData("theme_day", TODAY, -1), "attendance"),
    ]
    for data, field in cases:
        with pytest.raises(ServiceError) as refused:
            service.log_activity(org, data, officer)
        assert [f for f, _ in refused.value.errors] == [field]
    assert count(BranchActivity) == 0 and count(AuditEvent, object_type="branch_activity") == 0


def test_members_over_time_and_the_few_members_warning(founded):
    org, officer = founded
    service.log_membership(org, service.MembershipData("transferred_out", TODAY - timedelta(days=20), 3), officer)
    assert roster.branch_state(org, TODAY).members == 2
    assert "few_members" in roster.branch_state(org, TODAY).warnings
    assert roster.branch_state(org, TODAY - timedelta(days=21)).members == 5
    service.log_membership(org, service.MembershipData("recruited", TODAY - timedelta(days=5), 2), officer)
    assert roster.branch_state(org, TODAY).members == 4
    assert "few_members" not in roster.branch_state(org, TODAY).warnings
    with pytest.raises(ServiceError) as refused:
        service.log_membership(org, service.MembershipData("transferred_out", TODAY, 9), officer)
    assert "转出人数（9）多于当日团员人数（4）" in refused.value.messages
    assert count(MembershipChange) == 2


def test_no_secretary_warning_and_counts_by_street(founded, make_org, make_user):
    org, officer = founded
    other = make_org("翠竹", name="翠竹无书记贸易有限公司")
    visit(other, officer)
    establish(other, officer, founded_on=TODAY - timedelta(days=10), secretary="", member_count=3)
    figures = roster.warning_counts(Scope(), TODAY)
    assert figures["branches"] == 2 and figures["warned"] == 2
    assert figures["warnings"] == {"no_activity": 1, "few_members": 0, "no_secretary": 1, "weak_grade": 0}
    assert [s["street"] for s in figures["by_street"]] == [org.street.name]
    assert [b.name for b in roster.warned_branches(Scope(), TODAY, "no_secretary")] == ["翠竹无书记贸易有限公司"]
    # before the second branch was founded only the first counts
    assert roster.warning_counts(Scope(), TODAY - timedelta(days=11))["branches"] == 1


def test_an_organisation_without_a_branch_cannot_log_life(app, make_user, make_org):
    officer = make_user("officer_a", "officer", ["翠竹"])
    org = make_org("翠竹")
    with pytest.raises(ServiceError, match="尚未建立团组织"):
        service.log_activity(org, service.ActivityData("theme_day", TODAY, 5), officer)
    assert roster.branch_state(org, TODAY) is None


def test_officer_logs_an_activity_on_the_web_and_another_street_cannot(app, founded):
    org, _ = founded
    client = app.test_client()
    login(client, "officer_a")
    page = client.get(f"/quality/orgs/{org.id}/life")
    assert page.status_code == 200 and "长期未开展组织生活" in page.get_data(as_text=True)
    bad = client.post(f"/quality/orgs/{org.id}/life", data={"kind": "theme_day", "held_on": "", "attendance": "8"})
    assert bad.status_code == 400 and "请填写活动日期" in bad.get_data(as_text=True)
    done = client.post(f"/quality/orgs/{org.id}/life", data={
        "kind": "theme_day", "held_on": TODAY.isoformat(), "attendance": "8", "note": "学习团章"}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "已记录：主题团日" in text and "学习团章" in text and "暂无预警" in text
    assert "暂无预警" in client.get(f"/orgs/{org.id}").get_data(as_text=True)
    bad = client.post(f"/quality/orgs/{org.id}/membership", data={"change_kind": "transferred_out",
                                                                   "changed_on": TODAY.isoformat(), "count": "99"})
    assert bad.status_code == 400 and "多于当日团员人数" in bad.get_data(as_text=True)
    other = app.test_client()
    login(other, "officer_b")
    assert other.get(f"/quality/orgs/{org.id}/life").status_code == 404
    assert other.post(f"/quality/orgs/{org.id}/life", data={"kind": "theme_day", "held_on": TODAY.isoformat(),
                                                             "attendance": "8"}).status_code == 404
    db.session.expire_all()
    assert count(BranchActivity) == 1


def test_supervisor_warning_list_as_of_a_date(app, founded):
    org, officer = founded
    client = app.test_client()
    login(client, "supervisor")
    text = client.get("/quality/warnings").get_data(as_text=True)
    assert "翠竹活力科技有限公司" in text and "长期未开展组织生活" in text
    early = client.get(f"/quality/warnings?as_of={(LONG_AGO + timedelta(days=5)).isoformat()}").get_data(as_text=True)
    assert "翠竹活力科技有限公司" not in early and "没有预警的团组织" in early
    odd = client.get("/quality/warnings?as_of=2022-13-40", follow_redirects=True)
    assert odd.status_code == 200 and "无法识别" in odd.get_data(as_text=True)
