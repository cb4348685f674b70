"""Concurrent edits: a stale form never overwrites newer data, and of two transitions of the same
organisation at the same moment exactly one succeeds (SQLite and PostgreSQL)."""
from __future__ import annotations

import threading
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from orgbuild.campaign import actions
from orgbuild.campaign.actions import TransitionRequest
from orgbuild.extensions import db
from orgbuild.models import AuditEvent, Organization, StatusEvent, User, Visit
from tests.conftest import TODAY
from tests.flows import step_form


class FormInputs(HTMLParser):
    """Collects name → value of the <input> elements of the first POST form on a page."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post" and not self._done:
            self._in_form = True
        elif tag == "input" and self._in_form and attrs.get("name"):
            self.values[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form" and self._in_form:
            self._in_form, self._done = False, True


def conflict_form(page: str) -> dict[str, str]:
    """The re-apply form of the conflict page (the language switch form comes first in the page)."""
    start = page.index('action="/orgs/')
    parser = FormInputs()
    parser.feed("<form method='post' " + page[start:])
    return parser.values


def survey_form(org: Organization, **changes) -> dict:
    """The edit form as the browser posts it, opened at the organisation's current version."""
    data = {
        "version": str(org.version), "name": org.name, "credit_code": org.credit_code, "street_id": str(org.street_id),
        "employees": str(org.employees), "league_members": str(org.league_members), "youth_count": str(org.youth_count),
        "has_party_org": "y" if org.has_party_org else "", "contact_person": org.contact_person or "",
        "contact_phone": org.contact_phone or "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_stale_edit_form_gets_the_conflict_page_and_never_overwrites(people, signed_in, make_org):
    """Open the form, someone else saves, submit: 409 with both values; newer data untouched."""
    org = make_org("翠竹", contact_person="原联系人")
    officer, supervisor = signed_in("officer_a"), signed_in("supervisor")
    opened = survey_form(org)  # the officer opens the form at version 1
    assert officer.get(f"/orgs/{org.id}/edit").status_code == 200
    saved = supervisor.post(f"/orgs/{org.id}/edit", data=survey_form(org, contact_person="李四"))
    assert saved.status_code == 302
    stale = officer.post(f"/orgs/{org.id}/edit", data=dict(opened, contact_person="张三"))
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "修改冲突" in page and "张三" in page and "李四" in page and "联系人" in page
    db.session.expire_all()
    current = db.session.get(Organization, org.id)
    assert current.contact_person == "李四" and current.version == 2
    # re-apply: the conflict page's form carries my values and the current version
    reapply = conflict_form(page)
    assert reapply["contact_person"] == "张三" and reapply["version"] == "2"
    assert officer.post(f"/orgs/{org.id}/edit", data=reapply).status_code == 302
    db.session.expire_all()
    final = db.session.get(Organization, org.id)
    assert final.contact_person == "张三" and final.version == 3
    updates = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "update").order_by(AuditEvent.id)).all()
    assert [u.changes["contact_person"] for u in updates] == [["原联系人", "李四"], ["李四", "张三"]]


def test_service_refuses_a_stale_version(people, make_org):
    """update_organization with an older version raises Conflict and writes nothing."""
    org = make_org("翠竹", contact_person="甲")
    data = actions.SurveyData(**{n: getattr(org, n) for n in actions.SURVEY_FIELDS})
    data.contact_person = "乙"
    with pytest.raises(actions.Conflict) as raised:
        actions.update_organization(org, data, people["officer_a"], expected_version=org.version - 1 if org.version > 1 else 0)
    assert "该组织刚被其他人修改过" in str(raised.value)
    db.session.expire_all()
    assert db.session.get(Organization, org.id).contact_person == "甲"


def test_stale_step_form_gets_a_clear_message(people, signed_in, make_org):
    """A step form opened before another step: refused with both states shown and what was typed kept."""
    org = make_org("翠竹")
    officer = signed_in("officer_a")
    mine = step_form(org, visit_date=TODAY.isoformat(), outcome="willing", notes="前台说书记下午在")
    theirs = step_form(org, reason="已迁出本区")
    assert signed_in("supervisor").post(f"/orgs/{org.id}/step/mark_ineligible", data=theirs).status_code == 302
    response = officer.post(f"/orgs/{org.id}/step/record_visit", data=mine)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "该组织在您打开表单后有了变化，本次未保存。" in page and "前台说书记下午在" in page
    assert db.session.scalar(select(func.count(Visit.id)).where(Visit.organization_id == org.id)) == 0


def test_a_visit_form_opened_before_a_colleagues_visit_still_saves(people, signed_in, make_org):
    """Two officers visit the same organisation: the second visit form, opened at 已摸排, still applies
    at 已走访 (a visit moved it there); both visits are kept."""
    org = make_org("翠竹")
    mine = step_form(org, visit_date=TODAY.isoformat(), outcome="willing", notes="前台说书记下午在")
    theirs = step_form(org, visit_date=TODAY.isoformat(), outcome="considering")
    assert signed_in("supervisor").post(f"/orgs/{org.id}/step/record_visit", data=theirs).status_code == 302
    assert signed_in("officer_a").post(f"/orgs/{org.id}/step/record_visit", data=mine).status_code == 302
    assert db.session.scalar(select(func.count(Visit.id)).where(Visit.organization_id == org.id)) == 2


def race(app, org_id: int, requests: list[tuple[int, TransitionRequest]]) -> list:
    """Apply the transitions from separate threads (separate sessions and connections) at once.

    Each thread loads the organisation, waits until the other has loaded it too, then applies its
    transition on what it read: only the row version guards the writes.
    """
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def worker(index: int, actor_id: int, request: TransitionRequest) -> None:
        with app.app_context():
            try:
                org = db.session.get(Organization, org_id)
                actor = db.session.get(User, actor_id)
                _ = (org.version, org.status, list(actor.streets))  # both have read the same version
                barrier.wait(timeout=20)
                actions.apply_transition(org, request, actor)
                results[index] = "ok"
            except actions.ServiceError as error:  # Conflict is a ServiceError
                results[index] = error
            except Exception as error:  # noqa: BLE001 - reported by the assertions below
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, a, r)) for i, (a, r) in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("round_", range(3))
def test_two_transitions_at_the_same_moment_exactly_one_succeeds(app, people, make_org, round_):
    """Two people record a visit and mark the organisation ineligible at once: one wins."""
    org = make_org("翠竹")
    officer, supervisor = people["officer_a"].id, people["supervisor"].id
    db.session.commit()
    results = race(app, org.id, [
        (officer, TransitionRequest("record_visit", visit_date=TODAY, outcome="willing")),
        (supervisor, TransitionRequest("mark_ineligible", reason="已迁出本区")),
    ])
    winners = [r for r in results if r == "ok"]
    losers = [r for r in results if r != "ok"]
    assert len(winners) == 1, results
    assert isinstance(losers[0], actions.Conflict), results
    assert "该组织刚被其他人修改过，请查看最新内容后再保存" in str(losers[0])
    db.session.expire_all()
    current = db.session.get(Organization, org.id)
    events = db.session.scalars(select(StatusEvent).where(StatusEvent.organization_id == org.id)).all()
    assert len(events) == 1 and current.status == events[0].to_status and current.version == 2
    visits = db.session.scalar(select(func.count(Visit.id)).where(Visit.organization_id == org.id))
    assert visits == (1 if events[0].transition == "record_visit" else 0)
    audits = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "transition"))
    assert audits == 1


def test_the_same_transition_twice_at_once_is_applied_once(app, people, make_org):
    """Two officers both record the first visit at once: one visit, one event, one conflict."""
    org = make_org("翠竹")
    officer = people["officer_a"].id
    db.session.commit()
    results = race(app, org.id, [
        (officer, TransitionRequest("record_visit", visit_date=TODAY, outcome="willing")),
        (officer, TransitionRequest("record_visit", visit_date=TODAY, outcome="considering")),
    ])
    assert sorted(type(r).__name__ if r != "ok" else "ok" for r in results) == ["Conflict", "ok"], results
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Visit.id)).where(Visit.organization_id == org.id)) == 1
    assert db.session.scalar(select(func.count(StatusEvent.id)).where(StatusEvent.organization_id == org.id)) == 1
