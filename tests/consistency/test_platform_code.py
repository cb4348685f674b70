"""The 智慧团建 organisation code: trimmed, no inner spaces, a length and character set that settings
can tighten, unique across organisations, with a hint under the field."""
from __future__ import annotations

import pytest

from orgbuild.extensions import db
from tests.conftest import login
from tests.flows import TODAY, establish, onboard, snapshot, step_form, visit


@pytest.fixture
def founded(client, make_user, make_org):
    """A 翠竹 organisation with a branch, ready to onboard, and its officer signed in."""
    user = make_user("cuizhu1", streets=["翠竹"])
    login(client, "cuizhu1")
    org = make_org(has_league_org=False)
    visit(org, user)
    establish(org, user)
    db.session.commit()
    return org


def _post(client, org, code):
    return client.post(f"/orgs/{org.id}/step/onboard", data=step_form(org, onboarded_on=TODAY.isoformat(), platform_code=code))


@pytest.mark.parametrize("code,message", [
    ("abc", "智慧团建组织编码应为6至40位，实为3位"),
    ("440303 00012", "智慧团建组织编码中不能有空格"),
    ("440303#0012", "智慧团建组织编码含有不允许的字符"),
])
def test_codes_that_cannot_be_right_are_refused(client, founded, code, message):
    before = snapshot(founded.id)
    response = _post(client, founded, code)
    assert response.status_code == 200 and message in response.text
    assert snapshot(founded.id) == before


def test_code_is_trimmed_and_the_hint_is_under_the_field(client, founded):
    page = client.get(f"/orgs/{founded.id}/step/onboard").text
    assert "6至40位，字符为 0-9A-Za-z-，不含空格；每个组织唯一" in page
    assert _post(client, founded, "  ４４０３０３０００１２ ").status_code == 302
    db.session.expire_all()
    assert founded.onboarding.platform_code == "44030300012"


def test_code_of_another_organisation_is_refused(client, founded, make_org, make_user):
    other = make_org(has_league_org=True)
    onboard(other, make_user("boss", role="supervisor"))
    taken = other.onboarding.platform_code
    before = snapshot(founded.id)
    assert "该智慧团建组织编码已登记在另一个组织，请核对" in _post(client, founded, taken).text
    assert snapshot(founded.id) == before


@pytest.mark.app_config(PLATFORM_CODE_LENGTH=(11, 11), PLATFORM_CODE_CHARS="0-9")
def test_a_setting_tightens_length_and_characters(client, founded):
    assert "智慧团建组织编码应为11至11位，实为10位" in _post(client, founded, "4403030001").text
    assert "智慧团建组织编码含有不允许的字符（允许：0-9）" in _post(client, founded, "4403030000A").text
    assert _post(client, founded, "44030300001").status_code == 302


def test_the_database_refuses_a_second_holder_of_a_code(founded, make_org):
    """The unique index (migration harden_0001): two live onboardings never share a code; reverted
    onboardings and blank codes are left out of it."""
    from sqlalchemy.exc import IntegrityError

    from orgbuild.models import Onboarding

    other = make_org(has_league_org=True)
    db.session.add(Onboarding(organization_id=other.id, onboarded_on=TODAY, platform_code="44030300077"))
    db.session.commit()
    db.session.add(Onboarding(organization_id=founded.id, onboarded_on=TODAY, platform_code="44030300077"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(Onboarding(organization_id=founded.id, onboarded_on=TODAY, platform_code="44030300077", reverted=True))
    db.session.add(Onboarding(organization_id=founded.id, onboarded_on=TODAY, platform_code=""))
    db.session.add(Onboarding(organization_id=other.id, onboarded_on=TODAY, platform_code=""))
    db.session.commit()


def test_a_race_past_the_service_check_creates_no_second_holder(client, founded, make_org, make_user, monkeypatch):
    """Two onboardings with one code at once: both pass the service's check, the index refuses the
    second, which is told why and writes nothing."""
    from orgbuild.campaign import actions

    other = make_org(has_league_org=True)
    onboard(other, make_user("boss", role="supervisor"))
    taken = other.onboarding.platform_code
    real = actions._platform_code_errors
    calls = []

    def racing(org, raw):
        """The first check (before writing) sees no holder yet: the other request commits after it."""
        calls.append(raw)
        return [] if len(calls) == 1 else real(org, raw)

    monkeypatch.setattr(actions, "_platform_code_errors", racing)
    before = snapshot(founded.id)
    response = _post(client, founded, taken)
    assert "该智慧团建组织编码已登记在另一个组织，请核对" in response.text
    assert len(calls) == 2 and snapshot(founded.id) == before
