"""The command line speaks Chinese by default and English with ``ORGBUILD_LANG=en``; its times are in the
district's time zone, which they name; its JSON output is the same in both languages.

Every command of the contract (DESIGN.md) runs once in each language on the same data. In Chinese no
output holds an English phrase; in English every Chinese word left is data (a street, an organisation,
a column heading of the file), never a message.
"""
from __future__ import annotations

import json
import re
from datetime import UTC, date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from orgbuild import create_app
from orgbuild.accounts.tokens import ApiToken
from orgbuild.extensions import db
from orgbuild.imports.columns import COLUMNS
from orgbuild.models import Community, District, Organization, Snapshot, Street, User, Visit
from tests.conftest import PASSWORD, credit_code
from tests.reconcile.test_reconcile import ledger, platform_rows, write_csv  # noqa: F401 (ledger: a fixture)

SURVEY = "tests/data/survey_messy.csv"
#: Three English words in a row: a sentence the Chinese command line should not print.
ENGLISH_PHRASE = re.compile(r"[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}")
CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
#: Commands whose output is data alone (the contract: the new snapshot's id).
DATA_ONLY = {"snapshot create"}


def run_every_command(runner, tmp_path) -> dict[str, str]:
    """Run each command once (on the data the fixtures made); {command: its output}."""
    outputs: dict[str, str] = {}

    def run(name: str, *args: str, input: str | None = None) -> str:
        result = runner.invoke(args=list(args), input=input)
        assert "Traceback" not in result.output, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        outputs[name] = result.output
        return result.output

    run("create-user", "create-user", "lang_officer", "--role", "officer", "--street", "翠竹", "--password", PASSWORD)
    run("create-user refused", "create-user", "lang_officer", "--role", "officer", "--password", PASSWORD)
    run("user list", "user", "list")
    run("user deactivate", "user", "deactivate", "lang_officer")
    run("user deactivate again", "user", "deactivate", "lang_officer")
    run("user reactivate", "user", "reactivate", "lang_officer")
    run("user set-role", "user", "set-role", "lang_officer", "supervisor")
    run("user set-streets", "user", "set-streets", "lang_officer")
    run("user set-role back", "user", "set-role", "lang_officer", "officer")
    run("user set-streets back", "user", "set-streets", "lang_officer", "--street", "翠竹")
    run("user reset-password", "user", "reset-password", "lang_officer", "--password", "short")
    run("token create", "token", "create", "lang_officer", "--name", "script")
    run("token list", "token", "list")
    token_id = db.session.scalar(select(ApiToken.id).order_by(ApiToken.id.desc()))
    run("token revoke", "token", "revoke", str(token_id))
    run("token revoke again", "token", "revoke", str(token_id))
    run("import-survey dry run", "import-survey", SURVEY, "--dry-run")
    run("import-survey", "import-survey", SURVEY)
    run("import-survey again", "import-survey", SURVEY, "--dry-run")
    run("import-survey refused", "import-survey", str(tmp_path / "missing.csv"))
    run("progress", "progress", "--year", "2022")
    run("progress refused", "progress", "--year", "2022", "--street", "火星")
    snapshot_id = run("snapshot create", "snapshot", "create", "--year", "2022", "--as-of", "2022-12-31").strip()
    run("snapshot show", "snapshot", "show", snapshot_id)
    run("snapshot show refused", "snapshot", "show", "999")
    run("bulletin", "bulletin", "--year", "2022", "--snapshot", snapshot_id, "--format", "json",
        "-o", str(tmp_path / "bulletin.json"))
    run("bulletin refused", "bulletin", "--year", "2021", "--snapshot", snapshot_id, "--format", "json",
        "-o", str(tmp_path / "bulletin.json"))
    run("quality", "quality", "--year", "2022")
    run("quality round open", "quality", "round", "open", "--year", "2022")
    run("quality round list", "quality", "round", "list")
    run("quality round close", "quality", "round", "close", "--year", "2022", "--on", "2022-12-20")
    run("quality round close refused", "quality", "round", "close", "--year", "2022")
    run("quality gradings", "quality", "gradings", "--year", "2022")
    run("assign dry run", "assign", "--street", "翠竹", "--auto", "--dry-run")
    run("assign refused", "assign", "--auto")
    run("digest", "digest")
    run("digest weekly", "digest", "--weekly")
    run("digest send", "digest", "--send")
    run("reconcile", "reconcile", write_csv(tmp_path / "platform.csv", platform_rows(ledger_codes())))
    run("backup refused", "backup", str(tmp_path / "no-such-folder" / "copy.sqlite"))
    return outputs


def ledger_codes() -> dict[str, str]:
    """The credit codes of the reconciliation ledger's organisations, keyed as the ledger fixture keys them."""
    names = {"A": "深圳市甲科技有限公司", "B": "深圳市乙贸易有限公司", "C": "深圳市丙新名有限公司",
             "D": "深圳市丁物流有限公司", "F": "深圳市己餐饮有限公司"}
    return {k: db.session.scalar(select(Organization.credit_code).where(Organization.name == n)) for k, n in names.items()}


def data_words() -> list[str]:
    """Chinese text that is data: names of places, organisations and people, the survey's column headings."""
    words = [s for (s,) in db.session.execute(select(Street.name))]
    words += [s for (s,) in db.session.execute(select(Street.short_name))]
    words += [s for (s,) in db.session.execute(select(District.name))]
    words += [s for (s,) in db.session.execute(select(Community.name))]
    words += [s for (s,) in db.session.execute(select(Organization.name))]
    words += [s for (s,) in db.session.execute(select(User.display_name))]
    words += [name for column in COLUMNS for name in (column.header, *column.aliases)]
    words += [s for (s,) in db.session.execute(select(Snapshot.title))]  # a report's title, stored as given
    words += [cell for row in platform_rows(ledger_codes()) for cell in row]  # the platform's export
    words += ["火星"]  # the unknown street asked for
    return words + open(SURVEY, encoding="utf-8-sig").read().replace("\n", ",").split(",")


@pytest.fixture
def data(make_org, make_user, ledger):  # noqa: F811 (the imported fixture)
    """A few organisations of 翠竹 with an overdue follow-up, an officer and the reconciliation ledger."""
    officer = make_user("officer_cz", streets=["翠竹"])
    org = make_org(name="深圳市逾期科技有限公司", officer_id=officer.id)
    db.session.add(Visit(organization_id=org.id, visit_date=date(2022, 3, 1), outcome="considering",
                         next_follow_up=date(2022, 4, 1), officer_id=officer.id))
    db.session.commit()
    make_org(name="深圳市未分配有限公司", credit_code=credit_code())
    return officer


def without_logs(output: str) -> str:
    """`output` without the migration tool's log lines (not the command's own text)."""
    return "\n".join(line for line in output.splitlines() if not line.startswith("INFO  [alembic"))


def test_the_command_line_speaks_chinese_by_default(app, runner, tmp_path, data):
    outputs = run_every_command(runner, tmp_path)
    for name, output in outputs.items():
        text = without_logs(output)
        assert CJK_RUN.search(text) or name in DATA_ONLY, (name, text)
        english = [m.group(0) for m in ENGLISH_PHRASE.finditer(text) if not m.group(0).startswith("pg_dump")]
        assert not english, (name, english, text)
    assert "已创建街道团干 lang_officer" in outputs["create-user"]
    assert "已停用 lang_officer" in outputs["user deactivate"] and "原已停用" in outputs["user deactivate again"]
    assert "试运行：未写入任何数据。" in outputs["import-survey dry run"]
    assert "已于" in outputs["import-survey again"]  # the file was imported before: when, in local time


@pytest.mark.app_config(CLI_LANGUAGE="en")
def test_the_command_line_speaks_english_with_orgbuild_lang_en(app, runner, tmp_path, data):
    outputs = run_every_command(runner, tmp_path)
    allowed = data_words()
    for name, output in outputs.items():
        text = without_logs(output)
        assert re.search(r"[A-Za-z]{3,}", text) or name in DATA_ONLY, (name, text)
        leftover = [run for run in CJK_RUN.findall(text) if not any(run in word for word in allowed)]
        assert not leftover, (name, leftover, text)
    assert "Created Street league officer lang_officer" in outputs["create-user"]
    assert "Deactivated lang_officer" in outputs["user deactivate"]
    assert "Dry run: nothing written." in outputs["import-survey dry run"]
    assert "was already imported on" in outputs["import-survey again"]


def test_json_output_is_the_same_in_both_languages(app, runner, data):
    chinese = runner.invoke(args=["progress", "--year", "2022", "--json"]).output
    app.config["CLI_LANGUAGE"] = "en"
    english = runner.invoke(args=["progress", "--year", "2022", "--json"]).output
    assert json.loads(chinese) == json.loads(english)


def test_orgbuild_lang_chooses_the_language(monkeypatch):
    for value, expected in (("en", "en"), ("en_US.UTF-8", "en"), ("zh_CN.UTF-8", "zh_CN"), ("", "zh_CN"), ("fr", "zh_CN")):
        monkeypatch.setenv("ORGBUILD_LANG", value)
        assert create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["CLI_LANGUAGE"] == expected
    monkeypatch.delenv("ORGBUILD_LANG")
    assert create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["CLI_LANGUAGE"] == "zh_CN"


def test_times_are_in_the_district_time_zone_and_say_so(app, runner, data):
    created = runner.invoke(args=["token", "create", "officer_cz"])
    assert created.exit_code == 0, created.output
    token = db.session.scalar(select(ApiToken))
    expires = token.expires_at if token.expires_at.tzinfo else token.expires_at.replace(tzinfo=UTC)
    local = expires.astimezone(ZoneInfo("Asia/Shanghai"))
    assert local.utcoffset().total_seconds() == 8 * 3600
    listed = runner.invoke(args=["token", "list"]).output
    assert f"{local:%Y-%m-%d %H:%M} (Asia/Shanghai) 到期" in listed, listed
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Urumqi"  # another district's zone (UTC+6)
    other = expires.astimezone(ZoneInfo("Asia/Urumqi"))
    assert f"{other:%Y-%m-%d %H:%M} (Asia/Urumqi)" in runner.invoke(args=["token", "list"]).output
