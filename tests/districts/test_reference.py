"""Reference data per district: the data files shipped in the package, ``init-db --district`` (one
or several, idempotent, ORGBUILD_DISTRICT as the default), and the refusals (unknown district, a
district of another city, a street name taken) with exit 2 and nothing written."""
from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from orgbuild import create_app
from orgbuild.districts import reference
from orgbuild.extensions import db
from orgbuild.models import Community, District, Setting, Street
from tests import dbutil

ROOT = Path(__file__).resolve().parents[2]


def count(model, *where) -> int:
    """How many rows of `model` match."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_every_data_file_is_a_district_with_its_streets():
    known = reference.available()
    assert list(known) == ["luohu", "futian"]  # area-code order: 440303, 440304
    luohu, futian = known["luohu"], known["futian"]
    assert (luohu.name, luohu.area_code, luohu.city) == ("罗湖区", "440303", "深圳市")
    assert [s.code for s in luohu.streets] == [f"440303{n:03d}" for n in range(1, 11)]
    assert sum(len(s.communities) for s in luohu.streets) == 18
    assert [s.short_name for s in futian.streets] == ["园岭", "南园", "福田", "沙头", "香蜜湖", "梅林", "莲花", "华富", "福保", "华强北"]
    assert all(s.code is None for s in futian.streets)  # not known: left empty, never invented
    names = [s.name for d in known.values() for s in d.streets]
    assert len(names) == len(set(names)) == 20


def test_the_data_files_go_into_the_package():
    """pyproject's package data covers every data file, so that an installed wheel has them."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["orgbuild.districts"]
    files = [p.relative_to(ROOT / "orgbuild" / "districts").as_posix() for p in (ROOT / "orgbuild/districts/data").iterdir()]
    assert files and all(any(fnmatch.fnmatch(f, pattern) for pattern in patterns) for f in files)


@pytest.mark.parametrize("text", ["luohu", "LUOHU", "440303", "罗湖区", "罗湖", " ｌｕｏｈｕ "])
def test_a_district_by_code_area_code_or_name(text):
    assert reference.district_data(text).code == "luohu"


def test_an_unknown_district_names_the_known_ones():
    with pytest.raises(reference.UnknownDistrict) as refused:
        reference.district_data("nanshan")
    assert str(refused.value) == "未知的区：nanshan。可选的区：luohu（罗湖区）、futian（福田区）"


def test_loading_a_second_district_is_idempotent_and_keeps_the_first(app):
    luohu_streets = {s.id for s in db.session.scalars(select(Street))}
    reports = reference.load_districts(["futian", "luohu"])
    assert [(r.district, r.added) for r in reports] == [("futian", 10), ("luohu", 0)]
    futian = db.session.scalar(select(District).where(District.code == "futian"))
    assert {s.short_name for s in futian.streets} >= {"园岭", "华强北"} and len(futian.streets) == 10
    assert all(s.code is None for s in futian.streets)
    assert {s.id for s in db.session.scalars(select(Street).where(Street.district_id != futian.id))} == luohu_streets
    assert [r.added for r in reference.load_districts(["futian", "luohu"])] == [0, 0]
    assert count(District) == 2 and count(Street) == 20 and count(Community) == 18
    assert db.session.get(Setting, reference.CITY_SETTING).value == "深圳市"


def test_loading_keeps_what_an_admin_changed(app):
    """Renamed or removed communities do not come back; a street without any gets the data's."""
    cuizhu = db.session.scalar(select(Street).where(Street.short_name == "翠竹"))
    sungang = db.session.scalar(select(Street).where(Street.short_name == "笋岗"))
    next(c for c in cuizhu.communities if c.name == "翠达").name = "翠达新"
    cuizhu.communities.remove(next(c for c in cuizhu.communities if c.name == "翠宁"))
    sungang.communities.clear()
    db.session.commit()
    assert reference.load_reference("luohu") == 8  # 笋岗's 8 again; 翠竹 as the admin left it
    assert len(cuizhu.communities) == 9 and "翠达新" in {c.name for c in cuizhu.communities}
    assert not {"翠达", "翠宁"} & {c.name for c in cuizhu.communities} and len(sungang.communities) == 8


def test_a_district_of_another_city_is_refused(app):
    db.session.get(Setting, reference.CITY_SETTING).value = "广州市"
    db.session.commit()
    with pytest.raises(reference.ReferenceConflict, match="福田区属于深圳市，本系统服务广州市"):
        reference.load_districts(["futian"])
    assert count(District, District.code == "futian") == 0


def test_a_street_name_taken_by_another_district_is_refused_and_nothing_is_written(app):
    db.session.add(Street(district=db.session.scalar(select(District)), name="园岭街道", short_name="园岭"))
    db.session.commit()
    with pytest.raises(reference.ReferenceConflict, match="园岭街道”已属于罗湖区"):
        reference.load_districts(["futian"])
    assert count(District, District.code == "futian") == 0 and count(Street) == 11


# --- init-db ----------------------------------------------------------------------------------

@pytest.fixture
def fresh_app(tmp_path, request):
    """An app on a database without any table, and a function running a command in it."""
    with dbutil.fresh_database(tmp_path, request.node.name) as url:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret-key-0123456789"})

        def run(*args, **config):
            app.config.update(config)
            with app.app_context():
                return app.test_cli_runner().invoke(args=list(args))

        yield app, run
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_init_db_loads_two_districts_idempotently(fresh_app):
    app, run = fresh_app
    first = run("init-db", "--district", "luohu", "--district", "futian")
    assert first.exit_code == 0, first.output
    assert "新增参考数据 38 条。" in first.output
    assert "罗湖区（luohu）：新增参考数据 28 条" in first.output and "福田区（futian）：新增参考数据 10 条" in first.output
    again = run("init-db", "--district", "futian", "--district", "luohu")
    assert again.exit_code == 0 and "新增参考数据 0 条。" in again.output
    with app.app_context():
        assert count(District) == 2 and count(Street) == 20 and count(Community) == 18


def test_init_db_takes_the_districts_of_the_setting(fresh_app):
    """ORGBUILD_DISTRICT=futian (once a KeyError traceback) loads Futian; a comma list loads several."""
    app, run = fresh_app
    result = run("init-db", DISTRICTS=["futian"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert [d.code for d in db.session.scalars(select(District))] == ["futian"]
    assert run("init-db", DISTRICTS=["futian", "luohu"]).exit_code == 0
    with app.app_context():
        assert count(Street) == 20


def test_the_setting_is_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ORGBUILD_DISTRICT", "futian, luohu")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "x.sqlite")})
    assert app.config["DISTRICTS"] == ["futian", "luohu"]


@pytest.mark.parametrize("args,config", [(("--district", "luohu", "--district", "nanshan"), {}),
                                          ((), {"DISTRICTS": ["nanshan"]})])
def test_init_db_refuses_an_unknown_district_before_touching_the_database(fresh_app, args, config):
    app, run = fresh_app
    result = run("init-db", *args, **config)
    assert result.exit_code == 2
    assert "未知的区：nanshan。可选的区：luohu（罗湖区）、futian（福田区）" in result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []
