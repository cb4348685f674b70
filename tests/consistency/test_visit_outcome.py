"""The visit form has no default outcome: the officer chooses one, and saving without one is refused."""
from __future__ import annotations

import re

from tests.conftest import login
from tests.flows import TODAY, snapshot, step_form


def test_no_outcome_is_preselected(client, make_user, make_org):
    make_user("cuizhu1", streets=["翠竹"])
    login(client, "cuizhu1")
    org = make_org()
    page = client.get(f"/orgs/{org.id}/step/record_visit").text
    select = re.search(r'<select[^>]*name="outcome".*?</select>', page, re.S).group(0)
    options = re.findall(r"<option[^>]*>", select)
    assert 'value=""' in options[0]  # a browser shows the first option when none is selected
    assert not any("selected" in option for option in options)


def test_saving_without_an_outcome_is_refused(client, make_user, make_org):
    make_user("cuizhu1", streets=["翠竹"])
    login(client, "cuizhu1")
    org = make_org()
    before = snapshot(org.id)
    response = client.post(f"/orgs/{org.id}/step/record_visit", data=step_form(org, visit_date=TODAY.isoformat(), outcome=""))
    assert response.status_code == 200
    assert "请选择走访结果" in response.text
    assert snapshot(org.id) == before
