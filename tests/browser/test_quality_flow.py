"""Branch quality in a real browser: a branch secretary logs a 主题团日 (with a photo) on a phone; a
supervisor confirms a branch's grading and, the branch being 软弱涣散, opens a rectification task."""
from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import select

from orgbuild.accounts import service as accounts
from orgbuild.campaign.actions import local_today
from orgbuild.domain.quality import Scores
from orgbuild.extensions import db
from orgbuild.models import BranchActivity, Grading, Organization, RectificationTask, Street, User
from orgbuild.progress.scope import Scope
from orgbuild.quality import grading, rectification, roster
from tests.browser.conftest import (DESKTOP, PHONE, new_page, no_horizontal_scroll, screenshot,
                                    sign_in)

SECRETARY_PASSWORD = "Shuji2022a"


def _branches_of(app, street_name: str):
    """The branches of a street today (roster rows)."""
    with app.app_context():
        street = db.session.scalar(select(Street).where(Street.name.like(f"{street_name}%")))
        rows = roster.roster(Scope(street_ids=frozenset({street.id})), local_today()).subquery()
        return [(r.org_id, r.name, r.since) for r in db.session.execute(select(rows).order_by(rows.c.org_id))]


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 60, 60)).save(out, "JPEG")
    return out.getvalue()


def test_a_secretary_logs_a_theme_day_on_a_phone(browser, demo_app, demo_server):
    org_id, name, _ = _branches_of(demo_app, "翠竹")[0]
    with demo_app.app_context():
        org = db.session.get(Organization, org_id)
        accounts.create_user("shuji-cuizhu", SECRETARY_PASSWORD, "secretary", organization=org, display_name="翠竹支部书记")
    url = demo_server.url
    page = new_page(browser, viewport=PHONE)
    sign_in(page, url, "shuji-cuizhu", SECRETARY_PASSWORD)
    assert page.url.endswith(f"/quality/orgs/{org_id}/life")  # straight to the branch's life
    assert name in page.content()
    page.select_option("select[name=kind]", "theme_day")
    page.fill("input[name=attendance]", "11")
    page.fill("textarea[name=note]", "五四青年节主题团日：重温入团誓词")
    page.set_input_files("input[name=evidence]", files=[{"name": "团日合影.jpg", "mimeType": "image/jpeg",
                                                          "buffer": _photo()}])
    page.locator("form:has(select[name=kind]) button[type=submit]").click()
    page.wait_for_load_state()
    assert "已记录：主题团日" in page.content()
    log = page.locator(".activity-log li").first
    assert "重温入团誓词" in log.inner_text()
    thumb = log.locator("img.evidence-thumb")
    thumb.wait_for()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", thumb.element_handle())
    assert no_horizontal_scroll(page)
    screenshot(page, "secretary-life-phone")
    # nothing else: the dashboard is refused, another branch is not found
    assert page.goto(f"{url}/dashboard/").status == 403
    other_id = _branches_of(demo_app, "桂园")[0][0]
    assert page.goto(f"{url}/quality/orgs/{other_id}/life").status == 404
    with demo_app.app_context():
        activity = db.session.scalar(select(BranchActivity).order_by(BranchActivity.id.desc()))
        secretary = db.session.scalar(select(User).where(User.username == "shuji-cuizhu"))
        assert activity.organization_id == org_id and activity.created_by_id == secretary.id


def test_a_supervisor_confirms_a_grading_and_opens_a_rectification(browser, demo_app, demo_server):
    with demo_app.app_context():
        year, today = local_today().year, local_today()
        cutoff = grading.cutoff(year)
        org_id, name, _ = next(b for b in _branches_of(demo_app, "笋岗") if b[2] <= cutoff
                               and rectification.open_task_of(db.session.get(Organization, b[0])) is None)
        org = db.session.get(Organization, org_id)
        officer = db.session.scalar(select(User).where(User.username == "officer-sungang"))
        weak = Scores(12, 11, 10, 12, 10)  # 55: 软弱涣散
        grading.apply_grading(org, year, grading.GradingRequest("self_assess", weak), officer)
    url = demo_server.url
    page = new_page(browser, viewport=DESKTOP)
    sign_in(page, url, "supervisor")
    page.goto(f"{url}/quality/orgs/{org_id}/grading?year={year}")
    assert "已自评" in page.locator(".grading-state").inner_text()
    page.click("button[name=event][value=confirm]")
    page.wait_for_load_state()
    assert "已完成：复核认定" in page.content()
    assert page.locator(".grading-level").inner_text() == "软弱涣散"
    screenshot(page, "grading-confirmed-desktop")
    page.click("a:has-text('下达整顿任务')")
    page.wait_for_load_state()
    assert "定级为后进或软弱涣散" in page.locator(".rectification-reason").all_inner_texts()
    page.fill("textarea[name=items]", "一个月内补选支部委员\n每月召开支部委员会\n三个月内开展一次团课")
    page.fill("input[name=deadline]", (today + timedelta(days=90)).isoformat())
    page.locator("form.rectification-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "已下达整顿任务" in page.content()
    assert page.locator(".task-items li").count() == 3
    screenshot(page, "rectification-desktop")
    with demo_app.app_context():
        confirmed = db.session.scalar(select(Grading).where(Grading.organization_id == org_id, Grading.year == year))
        task = db.session.scalar(select(RectificationTask).where(RectificationTask.organization_id == org_id))
        assert confirmed.state == "confirmed" and confirmed.level == "weak"
        assert task.officer is not None and task.officer.username == "officer-sungang" and task.closed_on is None
