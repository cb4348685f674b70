"""Likely duplicates: normalised names with rapidfuzz, warnings in the import preview."""
from __future__ import annotations

import csv

from orgbuild.duplicates.matching import NameIndex, renamed_message
from orgbuild.imports import service as survey_import
from tests.conftest import credit_code

HEADER = ["单位名称", "统一社会信用代码", "所属街道"]


def write(tmp_path, rows, name="survey.csv"):
    path = tmp_path / name
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return str(path)


def test_index_finds_the_same_normalised_name_and_similar_names():
    index = NameIndex()
    index.add("A", "深圳市华强电子科技有限责任公司")
    index.add("B", "深圳市乙贸易有限公司")
    same = index.candidates("C", "华强电子科技（罗湖）有限公司")
    assert [(c.credit_code, c.score) for c in same] == [("A", 100.0)]
    similar = index.candidates("C", "深圳市华强电子科枝有限公司")
    assert [c.credit_code for c in similar] == ["A"] and 88 <= similar[0].score < 100
    assert index.candidates("A", "深圳市华强电子科技有限公司") == []  # its own credit code
    assert index.candidates("C", "深圳市丙餐饮有限公司") == []


def test_a_credit_code_whose_name_changes_beyond_recognition_warns():
    assert renamed_message("深圳市甲科技有限公司", "深圳市甲科技发展有限公司") is None
    assert "深圳市甲科技有限公司" in renamed_message("深圳市甲科技有限公司", "深圳市乙贸易有限公司")


def test_import_beside_a_near_namesake_warns(app, make_org, tmp_path):
    existing = make_org(name="深圳市甲科技有限责任公司")
    path = write(tmp_path, [["甲科技有限公司", credit_code(), "翠竹"], ["深圳市丁物流有限公司", credit_code(), "翠竹"]])
    report = survey_import.run_import(path, filename="survey.csv", dry_run=True)
    assert report.created == 2 and report.rejected == 0
    assert [(w.row, w.column) for w in report.warnings] == [(2, "单位名称")]
    assert existing.credit_code in report.warnings[0].message and "名称相同" in report.warnings[0].message


def test_two_rows_of_one_file_with_the_same_name_warn(app, tmp_path):
    path = write(tmp_path, [["深圳市戊有限公司", credit_code(), "翠竹"], ["深圳市戊有限责任公司", credit_code(), "翠竹"]])
    report = survey_import.run_import(path, filename="survey.csv", dry_run=True)
    assert [w.row for w in report.warnings] == [3]


def test_an_update_that_renames_beyond_recognition_warns(app, make_org, tmp_path):
    org = make_org(name="深圳市甲科技有限公司")
    path = write(tmp_path, [["深圳市乙贸易有限公司", org.credit_code, "翠竹"]])
    report = survey_import.run_import(path, filename="survey.csv", dry_run=True)
    assert report.updated == 1 and [w.row for w in report.warnings] == [2]
    assert "原登记为" in report.warnings[0].message


def test_the_create_form_asks_to_confirm_a_likely_duplicate(app, client, make_user, make_org):
    from sqlalchemy import func, select

    from orgbuild.extensions import db
    from orgbuild.models import Organization
    from tests.conftest import login, street

    existing = make_org(name="深圳市甲科技有限责任公司")
    make_user("boss", role="supervisor")
    login(client, "boss")
    form = {"name": "甲科技有限公司", "credit_code": credit_code(), "street_id": str(street("翠竹").id)}
    page = client.post("/orgs/new", data=form).get_data(as_text=True)
    assert "duplicate-warning" in page and existing.credit_code in page
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 1
    response = client.post("/orgs/new", data={**form, "confirm_duplicate": "y"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 2


def test_numbered_siblings_are_not_duplicates():
    index = NameIndex()
    index.add("A", "并发写入0-1有限公司")
    index.add("B", "深圳市甲餐饮第一分店")
    assert index.candidates("C", "并发写入0-2有限公司") == []
    assert index.candidates("C", "深圳市甲餐饮第二分店") == []
    assert [c.credit_code for c in index.candidates("C", "并发写入0-1有限责任公司")] == ["A"]


def _loop_candidates(known, credit_code, name):
    """The earlier per-name loop (one fuzz.ratio call per known name), kept as the reference."""
    import re

    from rapidfuzz import fuzz

    from orgbuild.domain.rules import name_key
    from orgbuild.duplicates.matching import PER_NAME, SIMILAR, Candidate

    digits_of = re.compile(r"[0-9一二三四五六七八九十]+").findall
    blocks = {}
    for code, other, org_id in known:
        entries = blocks.setdefault(name_key(other)[:2], {}).setdefault(name_key(other), [])
        if len(entries) < PER_NAME:
            entries.append((code, other, org_id))
    key = name_key(name)
    found = []
    for other_key, entries in blocks.get(key[:2], {}).items():
        if other_key == key:
            score = 100.0
        elif digits_of(other_key) != digits_of(key):
            continue
        else:
            score = fuzz.ratio(key, other_key, score_cutoff=SIMILAR)
        if score:
            found.extend(Candidate(c, n, round(score, 1), i) for c, n, i in entries if c != credit_code)
    return sorted(found, key=lambda c: (-c.score, c.credit_code))


def test_the_vectorised_block_gives_the_same_candidates_as_the_per_name_loop():
    import random

    rng = random.Random(15)
    stems = ["华强电子科技", "华强电子科枝", "华强电气科技", "华强电子", "华强物流", "华强第一分店", "华强第二分店",
             "华强1号店", "华强2号店", "甲科技", "甲科枝", "甲贸易"]
    forms = ["有限公司", "有限责任公司", "（罗湖）有限公司", "股份有限公司", "", "集团"]
    known = [(f"C{i:04d}", "深圳市" * rng.randint(0, 1) + rng.choice(stems) + rng.choice("甲乙丙 ") + rng.choice(forms), i)
             for i in range(400)]
    index = NameIndex()
    for code, name, org_id in known:
        index.add(code, name, org_id)
    checked = 0
    for _ in range(300):
        code = rng.choice([c for c, _, _ in known] + ["NEW"])
        name = rng.choice(stems) + rng.choice("甲乙丙丁 ") + rng.choice(forms)
        expected = _loop_candidates(known, code, name)
        assert index.candidates(code, name) == expected
        checked += bool(expected)
    assert checked > 100  # most queries do find candidates: the comparison is not of empty lists
