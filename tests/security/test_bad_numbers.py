"""Bad input from a browser: numbers and dates a URL, a query string or a hidden field cannot hold
(404 / ignored / 400, never 500), and control characters in forms and in what is already stored."""
from __future__ import annotations

import io

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
    "/orgs/?page=²",
    f"/orgs/{HUGE}", f"/orgs/{HUGE}/edit", f"/orgs/{HUGE}/step/record_visit", "/orgs/²", "/orgs/%D9%A1%D9%A2",
    f"/imports/batches/{HUGE}", f"/imports/batches/{HUGE}/rejected.csv", f"/admin/users/{HUGE}",
    f"/admin/users/{HUGE}/password", f"/api/v1/snapshots/{HUGE}", f"/bulletins/{HUGE}",
]
#: Filters of a list page: an unreadable value is ignored (as documented), never a 500.
URLS_IGNORED = [
    f"/orgs/?street={HUGE}", "/orgs/?street=²", f"/orgs/?officer={HUGE}", f"/orgs/?per_page={HUGE}",
    f"/audit/?org={HUGE}", "/audit/?org=²", f"/audit/?user={HUGE}", "/audit/?to=9999-12-31",
    "/audit/?from=0001-01-01", f"/exports/orgs.csv?street={HUGE}", "/exports/orgs.xlsx?street=²",
    f"/dashboard/?street={HUGE}", f"/dashboard/?district={HUGE}", "/dashboard/?year=²&as_of=9999-12-31",
    f"/targets/?year={HUGE}", f"/admin/streets/?district={HUGE}",
]
#: The API refuses what it cannot read.
URLS_400 = ["/api/v1/progress?year=²", f"/api/v1/progress?year={HUGE}", f"/api/v1/progress?street={HUGE}",
            "/api/v1/progress?as_of=9999-12-31"]


def test_bad_numbers_in_urls_and_query_strings(ids, signed_in):
    """Each route named in issue #11: a URL that cannot name a row is 404, a list filter ignores the
    value, the API answers 400; none is a 500."""
    client = signed_in("admin")
    answers = {url: client.get(url).status_code for url in URLS_404 + URLS_IGNORED + URLS_400}
    assert 500 not in answers.values()
    assert {url: code for url, code in answers.items() if url in URLS_404 and code != 404} == {}
    assert {url: code for url, code in answers.items() if url in URLS_400 and code != 400} == {}
    assert {url: code for url, code in answers.items() if url in URLS_IGNORED and code not in (200, 400, 404)} == {}
    assert client.get(f"/orgs/?page={HUGE}").status_code == 400  # an offset the database cannot hold


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
