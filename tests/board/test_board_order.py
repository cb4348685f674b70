"""Every organisation carries its stage date — created on a form, imported, generated for the demo —
so that a board column's page is read in the order of the index ix_org_board, without a sort."""
from __future__ import annotations

import csv
from datetime import date

import pytest
from sqlalchemy import func, select, text

from orgbuild.board import service as board
from orgbuild.extensions import db
from orgbuild.imports import service as survey_import
from orgbuild.models import Organization
from tests.conftest import credit_code, street


def test_an_organisation_made_without_a_stage_date_is_in_its_stage_since_its_survey(app, make_org):
    org = make_org("翠竹", surveyed_on=date(2026, 3, 1))
    assert org.stage_since == date(2026, 3, 1)


def test_imported_organisations_are_in_their_stage_since_their_survey_date(app, tmp_path):
    path = tmp_path / "survey.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["单位名称", "统一社会信用代码", "所属街道", "摸排日期"])
        writer.writerow(["甲有限公司", credit_code(), "翠竹", "2026-03-15"])
        writer.writerow(["乙有限公司", credit_code(), "翠竹", ""])
    report = survey_import.run_import(str(path))
    assert report.created == 2
    dates = {o.name: (o.surveyed_on, o.stage_since) for o in db.session.scalars(select(Organization))}
    assert dates["甲有限公司"] == (date(2026, 3, 15), date(2026, 3, 15))
    surveyed, since = dates["乙有限公司"]
    assert since == surveyed  # the import's day


def test_generated_demo_organisations_all_have_a_stage_date(app):
    from orgbuild.demo import service as demo

    demo.generate_district(n_orgs=300, visits_per_org=1, seed=7, year=2022)
    assert db.session.scalar(select(func.count()).where(Organization.stage_since.is_(None))) == 0
    moved = db.session.scalar(select(func.count()).where(Organization.stage_since != Organization.surveyed_on))
    assert moved > 0  # those that moved are dated by their step


def test_a_column_page_is_read_in_index_order(app, make_user):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the plan is read with SQLite's EXPLAIN QUERY PLAN")
    boss = make_user("boss", "supervisor")
    query = board.column_page_query(boss, board.BoardFilter(street_id=street("翠竹").id), "surveyed", 3, 20)
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    plan = " | ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "ix_org_board" in plan and "TEMP B-TREE" not in plan, plan


def test_the_page_folds_ineligible_and_closed_into_counts_with_a_link(app, make_user, make_org):
    from tests.conftest import login

    make_user("boss", "supervisor")
    for _ in range(3):
        make_org("翠竹", status="ineligible", name="不符合有限公司")
    visited = make_org("翠竹", status="visited", name="走访过有限公司")
    client = app.test_client()
    login(client, "boss")
    page = client.get("/board/").get_data(as_text=True)
    folded = page.split('id="board-folded"')[1]
    assert '<span class="badge text-bg-secondary column-count" data-status="ineligible">3</span>' in folded
    assert "不符合有限公司" not in page and "查看这 3 家" in folded and "column=ineligible" in folded
    assert f'href="/orgs/{visited.id}"' in page and f'href="/orgs/{visited.id}/step/establish"' in page
    assert 'class="nav nav-pills' in page and 'href="#col-visited"' in page  # the phone's tabs
    one = client.get("/board/?column=ineligible").get_data(as_text=True)
    assert one.count("不符合有限公司") == 3


def test_no_index_of_organizations_is_a_prefix_of_another():
    """A shorter index on the board index's leading columns (street, status) tempted PostgreSQL without
    statistics (right after a bulk load) to read a whole column and sort it for every page: each
    (street, status) lookup is served by ix_org_board itself."""
    indexes = {ix.name: tuple(c.name for c in ix.columns) for ix in Organization.__table__.indexes}
    assert indexes["ix_org_board"] == ("street_id", "status", "stage_since", "id")
    prefixes = [(a, b) for a, cols in indexes.items() for b, other in indexes.items()
                if a != b and other[:len(cols)] == cols]
    assert prefixes == []
