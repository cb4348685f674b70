"""Every page renders in Chinese by default and in English after the switch, with no interface
element left in the other language; dates and numbers follow the locale; the choice is remembered
on the account."""
from __future__ import annotations

import pytest

from orgbuild.extensions import db
from orgbuild.models import User
from tests.conftest import login, street
from tests.flows import step_form
from tests.i18n.interface_text import chinese_interface_text, interface_text

#: Proper names kept in Chinese inside English text on purpose (the glossary's "Smart League platform (智慧团建)").
KEPT_TERMS = ("智慧团建",)

#: (page, how to reach it from the district, text seen in English, text seen in Chinese).
PAGES = [
    ("organisation list", lambda d: "/orgs/", "Organisations", "组织列表"),
    ("organisation page", lambda d: f"/orgs/{d.visited.id}", "Timeline", "时间线"),
    ("onboarded organisation", lambda d: f"/orgs/{d.onboarded.id}", "Onboarding date", "入驻日期"),
    ("new organisation", lambda d: "/orgs/new", "Add organisation", "新增组织"),
    ("edit survey data", lambda d: f"/orgs/{d.visited.id}/edit", "Edit survey data", "编辑摸排信息"),
    ("step record_visit", lambda d: f"/orgs/{d.surveyed.id}/step/record_visit", "Save visit", "保存走访"),
    ("step mark_ineligible", lambda d: f"/orgs/{d.surveyed.id}/step/mark_ineligible", "Mark as not eligible", "标记为不符合条件"),
    ("step close", lambda d: f"/orgs/{d.surveyed.id}/step/close", "Close (deregistered / moved away)", "关闭（注销/迁出）"),
    ("step establish", lambda d: f"/orgs/{d.visited.id}/step/establish", "League organisation type", "团组织类型"),
    ("step revert", lambda d: f"/orgs/{d.visited.id}/step/revert", "Undo one step", "撤回一步"),
    ("step onboard", lambda d: f"/orgs/{d.established.id}/step/onboard", "Confirm onboarding", "确认入驻"),
    ("step reopen", lambda d: f"/orgs/{d.ineligible.id}/step/reopen", "Reopen", "重新启用"),
    ("follow-ups", lambda d: "/followups", "My follow-ups", "我的跟进"),
    ("error page", lambda d: "/orgs/999999", "Back to home", "返回首页"),
]


def switch_language(client, code: str, next_path: str = "/"):
    """Press the navbar's language switch."""
    return client.post(f"/language/{code}", data={"next": next_path})


def page_html(client, path: str) -> str:
    """The page at `path`; it must render (a 404 only for the error page), not redirect."""
    response = client.get(path)
    assert response.status_code in (200, 404), (path, response.status_code, response.location)
    return response.get_data(as_text=True)


@pytest.mark.parametrize("name, path_of, english, chinese", PAGES, ids=[p[0] for p in PAGES])
def test_page_in_chinese_by_default_and_in_english_on_switch(client, district, data_strings, name, path_of, english, chinese):
    login(client, "sup")
    html = page_html(client, path_of(district))
    assert chinese in html and english not in html
    texts = " ".join(text for _element, text in interface_text(html))
    assert "退出" in texts and "Sign out" not in texts
    assert '<html lang="zh-CN">' in html

    switch_language(client, "en")
    html = page_html(client, path_of(district))
    assert english in html
    leftovers = chinese_interface_text(html, data_strings, KEPT_TERMS)
    assert not leftovers, f"untranslated interface text on the {name} page: {leftovers}"
    assert '<html lang="en">' in html


def test_login_page_in_both_languages(client, district, data_strings):
    html = page_html(client, "/login")
    assert "<h1 class=\"h3 mb-3\">登录</h1>" in html and "用户名" in html
    switch_language(client, "en", "/login")
    html = page_html(client, "/login")
    assert "User name" in html and "Remember me" in html
    assert not chinese_interface_text(html, data_strings)


def test_language_chosen_before_signing_in_is_kept(client, district):
    switch_language(client, "en", "/login")
    html = login(client, "sup").get_data(as_text=True)
    assert "Organisations" in html


def test_switch_is_remembered_on_the_account(client, district):
    login(client, "sup")
    response = switch_language(client, "en", "/orgs/")
    assert response.status_code == 302 and response.location.endswith("/orgs/")
    assert db.session.get(User, district.supervisor.id).locale == "en"
    client.post("/logout")
    html = login(client, "sup").get_data(as_text=True)
    assert "Organisations" in html and "组织列表" not in html
    switch_language(client, "zh_CN")
    assert "组织列表" in page_html(client, "/orgs/")
    assert db.session.get(User, district.supervisor.id).locale == "zh_CN"


def test_conflict_page_in_english(client, district, data_strings):
    login(client, "sup")
    switch_language(client, "en")
    org = district.visited
    response = client.post(
        f"/orgs/{org.id}/edit",
        data={"version": "0", "name": "改名后的公司", "credit_code": org.credit_code, "street_id": str(org.street_id)},
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Edit conflict" in html
    assert not chinese_interface_text(html, data_strings + ["改名后的公司"])


# --- validation and refusal messages -----------------------------------------------------------

BAD_SURVEY = {"name": "", "credit_code": "91110000600037341N", "street_id": "", "employees": "abc"}


@pytest.mark.parametrize(
    "locale, expected",
    [
        ("en", ["Please enter the organisation name", "Wrong check character: should be L", "Please choose the street",
                "Not a valid integer value."]),
        ("zh_CN", ["请填写单位名称", "校验位错误：应为 L", "请选择所属街道", "不是有效的整数。"]),
    ],
)
def test_survey_form_errors_in_the_chosen_language(client, district, data_strings, locale, expected):
    login(client, "sup")
    switch_language(client, locale)
    html = client.post("/orgs/new", data=BAD_SURVEY).get_data(as_text=True)
    errors = [text for element, text in interface_text(html) if "invalid-feedback" in element]
    assert errors == expected
    if locale == "en":
        assert not chinese_interface_text(html, data_strings)


@pytest.mark.parametrize(
    "locale, expected",
    [("en", ["Not a valid date value.", "Please choose the visit outcome"]), ("zh_CN", ["不是有效的日期值。", "请选择走访结果"])],
)
def test_visit_form_errors_in_the_chosen_language(client, district, locale, expected):
    login(client, "sup")
    switch_language(client, locale)
    html = client.post(
        f"/orgs/{district.surveyed.id}/step/record_visit", data=step_form(district.surveyed, **{"visit_date": "5/1/2026", "outcome": ""}
    )).get_data(as_text=True)
    errors = [text for element, text in interface_text(html) if "invalid-feedback" in element]
    assert errors[0] == expected[0]
    assert expected[1] in errors or "Not a valid choice." in errors or "不是有效的选择。" in errors


@pytest.mark.parametrize(
    "locale, expected",
    [
        ("en", "The status is “Surveyed”, so “Found a league organisation” is not possible"),
        ("zh_CN", "当前状态为“已摸排”，不能建立团组织"),
    ],
)
def test_refusal_names_status_and_step_in_the_chosen_language(client, district, locale, expected):
    login(client, "sup")
    switch_language(client, locale)
    response = client.get(f"/orgs/{district.surveyed.id}/step/establish", follow_redirects=True)
    assert expected in response.get_data(as_text=True)


@pytest.mark.parametrize("locale, expected", [("en", "Done: Log a visit"), ("zh_CN", "已完成：登记走访")])
def test_flash_after_a_step_in_the_chosen_language(client, district, locale, expected):
    login(client, "sup")
    switch_language(client, locale)
    response = client.post(
        f"/orgs/{district.surveyed.id}/step/record_visit",
        data=step_form(district.surveyed, **{"visit_date": "2026-01-05", "outcome": "willing"}),
        follow_redirects=True,
    )
    assert expected in response.get_data(as_text=True)


# --- dates and numbers ------------------------------------------------------------------------

def test_dates_and_numbers_follow_the_locale(client, district):
    login(client, "sup")
    html = page_html(client, f"/orgs/{district.visited.id}")
    assert "2026年1月5日" in html  # the visit date
    assert "2026年1月20日" in html  # next follow-up
    assert "12,345" in html
    # A visit's status event is folded into the visit on the timeline; a status event standing alone
    # (marked not eligible) shows its time: 20:30 UTC shown in Asia/Shanghai.
    assert "2026/1/6 04:30" in page_html(client, f"/orgs/{district.ineligible.id}")
    switch_language(client, "en")
    html = page_html(client, f"/orgs/{district.visited.id}")
    assert "Jan 5, 2026" in html and "Jan 20, 2026" in html
    assert "12,345" in html
    assert "1/6/26, 4:30" in page_html(client, f"/orgs/{district.ineligible.id}")
    html = page_html(client, f"/orgs/{district.onboarded.id}")
    assert "Feb 1, 2026" in html and "Mar 1, 2026" in html


def test_list_header_count_is_formatted(client, district):
    login(client, "sup")
    assert "共 5 家" in page_html(client, "/orgs/")
    switch_language(client, "en")
    assert "5 in total" in page_html(client, "/orgs/")


def test_checker_finds_chinese_interface_text():
    html = '<nav><a href="/">组织</a></nav><h1>Org 测试公司</h1><button>保存</button><p>说明</p>'
    assert chinese_interface_text(html, ["测试公司"]) == [("a", "组织"), ("button", "保存")]
    switch = '<form action="/language/zh_CN"><button>中文</button></form>'
    assert chinese_interface_text(switch, []) == []


@pytest.mark.parametrize(
    "locale, expected", [("en", "A chosen joint unit is not one you can choose"), ("zh_CN", "所选联建单位不在可选范围内")]
)
def test_joint_unit_outside_the_choices_is_refused_in_the_chosen_language(client, district, locale, expected):
    login(client, "sup")
    switch_language(client, locale)
    html = client.post(
        f"/orgs/{district.visited.id}/step/establish",
        data=step_form(district.visited, **{"name": "联合团支部", "branch_type": "joint_branch", "member_count": "2", "founded_on": "2026-02-01",
              "covered_org_ids": "999999"}),
    ).get_data(as_text=True)
    errors = [text for element, text in interface_text(html) if "invalid-feedback" in element]
    assert errors == [expected]
    assert 'class="form-select form-select-lg is-invalid" id="covered_org_ids" multiple' in html
