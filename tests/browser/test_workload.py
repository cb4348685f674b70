"""The officers' workload in a real browser: the stage board on a desktop (columns side by side) and
on a phone (stacked sections with tabs jumping to them, no horizontal scrolling), and a bulk
assignment ticked on the filtered list. Screenshots: board-desktop, board-phone, bulk-assignment."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from orgbuild.extensions import db
from orgbuild.models import Organization, Street, User, Visit, local_date
from tests.browser.conftest import DESKTOP, PHONE, new_page, no_horizontal_scroll, overflowing, screenshot, sign_in

PASSWORD = "Secret123"
STATUSES = {"surveyed": 7, "visited": 5, "established": 3, "onboarded": 2, "ineligible": 1}
NAMES = ("星河科技", "海岸物流", "翠竹珠宝", "东门商贸", "水贝黄金", "笋岗仓储", "田贝文化", "湖贝餐饮", "布心电子",
         "金湖设计", "银湖传媒", "怡景咨询", "松园教育", "华丽装饰", "翠华印刷", "新秀软件", "罗芳医药", "泥岗建材")


def _street_with_work(app) -> int:
    """翠竹 with a supervisor, two officers and organisations in every stage (some unassigned)."""
    with app.app_context():
        cuizhu = db.session.scalar(select(Street).where(Street.short_name == "翠竹"))
        boss = User(username="boss", role="supervisor", display_name="李书记", session_token="x")
        wang = User(username="wang", role="officer", display_name="王干事", session_token="x")
        zhou = User(username="zhou", role="officer", display_name="周干事", session_token="x")
        for user in (boss, wang, zhou):
            user.set_password(PASSWORD)
        wang.streets = [cuizhu]
        zhou.streets = [cuizhu]
        db.session.add_all([boss, wang, zhou])
        db.session.flush()
        today = local_date()
        n = 0
        for status, count in STATUSES.items():
            for i in range(count):
                name = f"深圳市{NAMES[n % len(NAMES)]}有限公司" + ("" if n < len(NAMES) else f"（{n}）")
                org = Organization(credit_code=f"91440303MA5{n:06d}X"[:17] + "0", name=name, street_id=cuizhu.id,
                                   has_party_org=True, has_league_org=status == "onboarded", status=status,
                                   officer=(wang if n % 3 == 0 else zhou if n % 3 == 1 else None),
                                   surveyed_on=today - timedelta(days=60), stage_since=today - timedelta(days=5 + 9 * i))
                db.session.add(org)
                db.session.flush()
                if status == "visited":
                    db.session.add(Visit(organization_id=org.id, officer_id=wang.id, visit_date=today - timedelta(days=5),
                                         outcome="follow_up", next_follow_up=today + timedelta(days=i)))
                n += 1
        db.session.commit()
        return cuizhu.id


def _counts(page) -> dict[str, int]:
    return {el.get_attribute("data-status"): int(el.text_content().strip().replace(",", ""))
            for el in page.locator(".column-count").all()}


def test_board_on_a_desktop_and_a_phone(browser, live_server, live_app):
    street_id = _street_with_work(live_app)
    expected = {**dict.fromkeys(("surveyed", "visited", "established", "onboarded", "ineligible", "closed"), 0), **STATUSES}

    page = new_page(browser, viewport=DESKTOP)
    sign_in(page, live_server.url, "boss", PASSWORD)
    page.goto(f"{live_server.url}/board/?street={street_id}")
    screenshot(page, "board-desktop", full_page=False)
    assert _counts(page) == expected
    columns = [page.locator(f"#col-{s}").bounding_box() for s in ("surveyed", "visited", "established", "onboarded")]
    assert len({round(c["y"]) for c in columns}) == 1  # side by side
    assert [c["x"] for c in columns] == sorted(c["x"] for c in columns)
    assert not page.locator(".board-tabs").is_visible()  # the tabs are for phones
    assert page.locator("#col-surveyed .board-card").count() == 7
    assert page.locator("#col-surveyed .board-stale").count() > 0  # not moved for over 30 days
    assert not page.locator("#col-ineligible").is_visible()  # folded away
    page.click("summary")
    assert page.locator("#col-ineligible").is_visible()
    page.click("summary")
    assert no_horizontal_scroll(page)
    # a card opens its step's form, where the status machine decides
    page.locator("#col-visited .board-card a.btn").first.click()
    page.wait_for_load_state()
    assert "/step/establish" in page.url
    page.context.close()

    phone = new_page(browser, viewport=PHONE)
    sign_in(phone, live_server.url, "wang", PASSWORD)
    phone.goto(f"{live_server.url}/board/?street={street_id}")
    tabs = phone.locator(".board-tabs")
    assert tabs.is_visible() and "已走访" in tabs.inner_text()
    first, second = (phone.locator(f"#col-{s}").bounding_box() for s in ("surveyed", "visited"))
    assert second["y"] >= first["y"] + first["height"] - 1  # stacked, one section under the other
    assert abs(first["x"] - second["x"]) < 2
    assert no_horizontal_scroll(phone) and not overflowing(phone)
    screenshot(phone, "board-phone", full_page=False)
    tabs.locator("a[href='#col-established']").click()
    assert phone.url.endswith("#col-established")
    # the tab jumped (Bootstrap scrolls smoothly) to its section, now near the top of the screen
    before = None
    for _ in range(50):
        phone.wait_for_timeout(100)
        top = phone.evaluate("document.querySelector('#col-established').getBoundingClientRect().top")
        if top == before:
            break
        before = top
    assert -1 <= top < 150, top
    phone.context.close()


def test_bulk_assignment_from_the_filtered_list(browser, live_server, live_app):
    street_id = _street_with_work(live_app)
    with live_app.app_context():
        unassigned = db.session.scalar(select(func.count()).where(Organization.officer_id.is_(None)))
        zhou_id = db.session.scalar(select(User.id).where(User.username == "zhou"))
    page = new_page(browser, viewport=DESKTOP)
    sign_in(page, live_server.url, "boss", PASSWORD)
    page.goto(f"{live_server.url}/assignment/?street={street_id}")
    page.check("input#unassigned")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    rows = page.locator("#bulk-assign tbody input[name=org_ids]")
    assert rows.count() == unassigned and "仅未分配" in page.content()
    picked = [rows.nth(i).get_attribute("value") for i in (0, 1)]
    rows.nth(0).check()
    rows.nth(1).check()
    page.select_option("#bulk-assign select[name=officer_id]", str(zhou_id))
    screenshot(page, "bulk-assignment", full_page=False)
    page.click("#bulk-assign button[type=submit], #bulk-assign input[type=submit]")
    page.wait_for_load_state()
    assert "已将 2 家组织分配给 周干事" in page.inner_text(".alert-success")
    assert page.locator("#bulk-assign tbody input[name=org_ids]").count() == unassigned - 2  # still filtered
    with live_app.app_context():
        officers = db.session.execute(select(Organization.id, Organization.officer_id, Organization.assigned_on)
                                      .where(Organization.id.in_([int(i) for i in picked]))).all()
        assert {(o, a) for _i, o, a in officers} == {(zhou_id, local_date())}
    page.context.close()
