"""init-db and create-user through ``app.test_cli_runner()``: output, exit codes and error messages."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from orgbuild import create_app
from orgbuild.extensions import db
from orgbuild.models import Community, Street, User
from tests import dbutil


@pytest.fixture
def empty_app(tmp_path, request):
    """An app on a database without any table (what a new installation starts from)."""
    with dbutil.fresh_database(tmp_path, request.node.name) as url:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret-key-0123456789"})
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_init_db_creates_the_schema_and_streets_idempotently(empty_app):
    runner = empty_app.test_cli_runner()
    with empty_app.app_context():  # `flask` pushes one for every command; the test runner does not
        first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    assert "新增参考数据 28 条。" in first.output
    with empty_app.app_context():
        assert {"organizations", "status_events", "alembic_version"} <= set(inspect(db.engine).get_table_names())
        assert db.session.scalar(select(db.func.count(Street.id))) == 10
        assert db.session.scalar(select(db.func.count(Community.id))) == 18
    with empty_app.app_context():
        second = runner.invoke(args=["init-db"])
    assert second.exit_code == 0, second.output
    assert "新增参考数据 0 条。" in second.output


def user(name: str) -> User | None:
    """The user of that name, read fresh."""
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == name))


def test_create_officer(runner):
    result = runner.invoke(args=["create-user", "wang", "--role", "officer", "--street", "翠竹", "--street", "笋岗街道", "--password", "Cuizhu2022"])
    assert result.exit_code == 0, result.output
    assert "已创建街道团干 wang" in result.output and "负责街道：翠竹街道、笋岗街道" in result.output
    created = user("wang")
    assert created.role == "officer" and created.check_password("Cuizhu2022")
    assert created.password_hash != "Cuizhu2022"
    assert [s.short_name for s in created.streets] == ["翠竹", "笋岗"]


def test_create_user_prompts_for_the_password(runner):
    result = runner.invoke(args=["create-user", "boss", "--role", "supervisor"], input="Luohu2022x\nLuohu2022x\n")
    assert result.exit_code == 0, result.output
    assert user("boss").check_password("Luohu2022x")


@pytest.mark.parametrize(
    "args,message",
    [
        (["--role", "officer", "--street", "火星", "--password", "Secret123"], "未知街道：火星"),
        (["--role", "officer", "--password", "short1"], "密码至少8位"),
        (["--role", "officer", "--password", "onlyletters"], "密码须同时包含字母和数字"),
        (["--role", "officer", "--password", "12345678"], "密码须同时包含字母和数字"),
        (["--role", "officer", "--password", "lihua2022"], "密码不能包含用户名"),
    ],
)
def test_create_user_refusals(runner, args, message):
    result = runner.invoke(args=["create-user", "lihua", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert user("lihua") is None


def test_create_user_duplicate(runner):
    assert runner.invoke(args=["create-user", "lihua", "--role", "officer", "--password", "Secret123"]).exit_code == 0
    result = runner.invoke(args=["create-user", "lihua", "--role", "admin", "--password", "Other1234"])
    assert result.exit_code == 1
    assert "用户名 lihua 已存在" in result.output
    assert user("lihua").role == "officer"


def test_create_user_unknown_role_is_a_usage_error(runner):
    result = runner.invoke(args=["create-user", "lihua", "--role", "king", "--password", "Secret123"])
    assert result.exit_code == 2
    assert user("lihua") is None


def test_create_user_prompt_mismatch_creates_nothing(runner):
    result = runner.invoke(args=["create-user", "lihua", "--role", "officer"], input="Secret123\nSecret124\n")
    assert result.exit_code != 0
    assert user("lihua") is None


def test_demo_on_a_database_without_schema_says_to_run_init_db(empty_app):
    with empty_app.app_context():
        result = empty_app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 2
    assert "数据库尚未初始化：请先运行 flask --app orgbuild init-db" in result.output


def test_init_db_then_demo(empty_app):
    runner = empty_app.test_cli_runner()
    with empty_app.app_context():
        assert runner.invoke(args=["init-db"]).exit_code == 0
    with empty_app.app_context():
        result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "已载入演示区：组织 1942 家" in result.output and "officer-guiyuan" in result.output


@pytest.mark.parametrize("args", [["progress", "--json"], ["user", "list"], ["create-user", "x", "--role", "admin", "--password", "abc12345"],
                                  ["import-survey", "missing.csv", "--json"], ["demo"]])
def test_commands_on_an_uninitialised_database_say_to_run_init_db(tmp_path, args):
    """Before init-db, a command that reads data stops with exit 2 and says what to do (no traceback)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "empty.sqlite"), "TESTING": True})
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 2, result.output
    assert "init-db" in result.output and "Traceback" not in result.output


def test_commands_are_wrapped_once_however_many_apps(tmp_path):
    """Building many apps does not stack the schema check on the shared command objects."""
    from orgbuild.cli import create_user_command

    for _ in range(3):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "x.sqlite"), "TESTING": True})
    depth, function = 0, create_user_command.callback
    while hasattr(function, "__wrapped__"):
        depth, function = depth + 1, function.__wrapped__
    assert depth == 3  # with_appcontext → the language (clitext.speaking) → the schema check → the command itself
