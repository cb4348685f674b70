"""Bad input from a browser: numbers and dates a URL, a query string or a hidden field cannot hold
(404 / ignored / 400, never 500), and control characters in forms and in what is already stored."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from orgbuild.models import ImportBatch
from orgbuild.extensions import db
from orgbuild.models import Organization
from orgbuild.web import params
from tests.conftest import credit_code, street


def org_code(ids) -> str:
    return db.session.get(Organization, ids["org"]).credit_code

HUGE = "9" * 20


def test_parse_int_takes_ascii_digits_in_range_only():
    assert params.parse_int("42") == 42
    assert params.parse_int("²") is None  # "²".isdigit() is True
    assert params.parse_int("١٢") is None  # int() would read Arabic-Indic digits
    assert params.parse_int(HUGE) is None
    assert params.parse_int(str(2**31)) is None
    assert params.parse_int("-1") is None
    assert params.parse_date("9999-12-31") is None
    assert str(params.parse_date("2024-02-29")) == "2024-02-29"


@pytest.fixture
def ids(app, people, make_org):
    org = make_org("翠竹")
    batch = ImportBatch(filename="a.csv", sha256="0" * 64, user_id=people["admin"].id)
    db.session.add(batch)
    db.session.commit()
    return {"org": org.id, "batch": batch.id, "user": people["officer_a"].id}


URLS_404 = [
    f"/orgs/{HUGE}", f"/orgs/{HUGE}/edit", f"/orgs/{HUGE}/step/record_visit", "/orgs/²", "/orgs/%D9%A1%D9%A2",
    f"/imports/batches/{HUGE}", f"/imports/batches/{HUGE}/rejected.csv", f"/admin/users/{HUGE}",
    f"/admin/users/{HUGE}/password", f"/api/v1/snapshots/{HUGE}", f"/bulletins/{HUGE}",
]
#: A query string with a number or date the page cannot read: 400 (web/params.py, one check for all pages).
URLS_REFUSED = [
    "/orgs/?page=²", f"/orgs/?page={HUGE}",
    f"/orgs/?street={HUGE}", "/orgs/?street=²", f"/orgs/?officer={HUGE}", f"/orgs/?per_page={HUGE}",
    f"/audit/?org={HUGE}", "/audit/?org=²", f"/audit/?user={HUGE}",
    f"/exports/orgs.csv?street={HUGE}", "/exports/orgs.xlsx?street=²",
    f"/dashboard/?street={HUGE}", f"/dashboard/?district={HUGE}", "/dashboard/?year=²&as_of=9999-12-31",
    "/dashboard/?street=%D9%A1%D9%A2", "/dashboard/?district=%D9%A1%D9%A2",
    f"/targets/?year={HUGE}", f"/admin/streets/?district={HUGE}",
    "/board/?street=²", "/board/?officer=²", "/board/?street=%D9%A1%D9%A2", "/assignment/auto?street=%D9%A1%D9%A2",
    "/quality/rounds?year=²",
]
#: A filter without any digit (a name where an id belongs) is ignored by the list, as documented.
URLS_IGNORED = ["/orgs/?street=翠竹", "/audit/?org=某公司", "/board/?street=翠竹"]
#: A date a page cannot read is ignored, and the page says so.
URLS_DATE_EXPLAINED = ["/audit/?to=9999-12-31", "/audit/?from=0001-01-01", "/audit/?from=2023-02-29",
                       "/quality/warnings?as_of=9999-12-31"]
#: The API refuses what it cannot read.
URLS_400 = ["/api/v1/progress?year=²", f"/api/v1/progress?year={HUGE}", f"/api/v1/progress?street={HUGE}",
            "/api/v1/progress?as_of=9999-12-31"]


def test_bad_numbers_in_urls_and_query_strings(ids, signed_in):
    """Each route named in issue #11 (and those a later probe found): a URL that cannot name a row is
    404, a query string the page cannot read 400 (the API: its 400 problem), a name where an id belongs
    is ignored; none is a 500."""
    client = signed_in("admin")
    answers = {url: client.get(url).status_code for url in URLS_404 + URLS_REFUSED + URLS_IGNORED + URLS_400}
    assert 500 not in answers.values()
    assert {url: code for url, code in answers.items() if url in URLS_404 and code != 404} == {}
    assert {url: code for url, code in answers.items() if url in URLS_REFUSED + URLS_400 and code != 400} == {}
    assert {url: code for url, code in answers.items() if url in URLS_IGNORED and code != 200} == {}
    other = client.get(f"/orgs/{ids['org']}/merge?with=²")
    assert other.status_code == 400
    for url in URLS_DATE_EXPLAINED:
        page = client.get(url)
        assert page.status_code == 200 and "无法识别，请按YYYY-MM-DD填写" in page.get_data(as_text=True), url


BAD_NUMBERS = ["²", "%D9%A1%D9%A2", "9" * 20, "-1"]
BAD_DATES = ["9999-12-31", "0001-01-01", "2023-02-29", "%D9%A2%D9%A0%D9%A2%D9%A6-01-01"]


@pytest.mark.parametrize("role", ["admin", "officer_a"])
def test_no_page_answers_500_to_any_unreadable_argument(app, ids, signed_in, role):
    """Every GET page of the app (those with an id: the fixture's organisation, batch and user), asked
    with every number argument at once, for each unreadable value: never a 500, and 400 for the pages
    (the API's own answer is its 400 problem, or 404 where the id is in the URL); with every date
    argument unreadable: never a 500."""
    client = signed_in(role)
    values = {"org_id": ids["org"], "batch_id": ids["batch"], "user_id": ids["user"]}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or not set(rule.arguments) <= set(values):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[a-z]+:)?{name}>", str(values[name]), path)
        urls.append(path)
    assert len(urls) > 40, urls
    failures = {}
    for value in BAD_NUMBERS:
        query = "&".join(f"{name}={value}" for name in sorted(params.INT_ARGS))
        for path in urls:
            code = client.get(f"{path}?{query}").status_code
            if code == 500 or (code == 200 and not path.startswith("/api/")):
                failures[(path, value)] = code
    for value in BAD_DATES:
        query = "&".join(f"{name}={value}" for name in sorted(params.DATE_ARGS))
        for path in urls:
            code = client.get(f"{path}?{query}").status_code
            if code == 500:
                failures[(path, value)] = code
    assert failures == {}
@pytest.mark.parametrize("step", ["edit", "step/record_visit"])
@pytest.mark.parametrize("version", ["²", HUGE])
def test_bad_version_in_a_hidden_field_is_400(ids, signed_in, step, version):
    url = f"/orgs/{ids['org']}/{step}"
    data = {"version": version, "name": "某公司", "credit_code": org_code(ids), "street_id": street("翠竹").id,
            "visit_date": "2024-05-01", "outcome": "willing", "met_with": "张三"}
    response = signed_in("admin").post(url, data=data)
    assert response.status_code == 400


def test_control_characters_in_a_form_are_refused_with_a_message(ids, signed_in):
    client = signed_in("admin")
    data = {"name": "坏\x1f公司", "credit_code": credit_code(), "street_id": street("翠竹").id}
    response = client.post("/orgs/new", data=data)
    assert response.status_code == 200
    assert "含有控制字符" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 1  # only the fixture's


def test_exports_survive_control_characters_already_stored(ids, signed_in, make_org):
    make_org("翠竹", name="旧数据\x1f公司", address="某路\x07号", contact_person="=HYPERLINK(1)")
    client = signed_in("admin")
    xlsx = client.get("/exports/orgs.xlsx")
    assert xlsx.status_code == 200
    cells = [c.value for r in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows() for c in r]
    assert "旧数据公司" in cells and "'=HYPERLINK(1)" in cells
    text = client.get("/exports/orgs.csv").get_data(as_text=True)
    assert "旧数据公司" in text and "\x1f" not in text
