"""The quality pages' query strings: a date or year no record can have is ignored (with a message) or
answers 404, never a 500."""
from __future__ import annotations

import pytest

from tests.conftest import login
from tests.flows import establish, visit


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31", "2026-13-45", "20260101", "٢٠٢٦-٠١-٠١", "x" * 500])
def test_warnings_ignore_a_date_out_of_bounds(client, make_user, as_of):
    make_user("boss", "supervisor")
    login(client, "boss")
    response = client.get("/quality/warnings", query_string={"as_of": as_of})
    assert response.status_code == 200, as_of
    assert "无法识别" in response.get_data(as_text=True)


@pytest.fixture
def branch(client, make_user, make_org):
    user = make_user("cuizhu1", streets=["翠竹"])
    org = make_org(has_league_org=False)
    visit(org, user)
    establish(org, user)
    login(client, "cuizhu1")
    return org


@pytest.mark.parametrize("year", ["٢٠٢٦", "²", "99999999999999999999", "-2026", "1999", "2101"])
def test_grading_answers_404_or_400_for_a_year_no_grading_can_have(client, branch, year):
    code = client.get(f"/quality/orgs/{branch.id}/grading", query_string={"year": year}).status_code
    # a year no grading can have: 404; one written as no year can be (not ASCII digits, 20 digits, -2026):
    # 400, the answer of every page to a number it cannot read (web/params.py)
    assert code == (404 if year in ("1999", "2101") else 400), year


def test_grading_of_a_plain_year_opens(client, branch):
    assert client.get(f"/quality/orgs/{branch.id}/grading", query_string={"year": "2026"}).status_code == 200
    assert client.get(f"/quality/orgs/{branch.id}/grading").status_code == 200
