"""Command line under ``flask --app orgbuild …``: thin wrappers over the services.

Contracts (DESIGN.md): init-db, create-user, demo, import-survey, progress, snapshot, bulletin, assign, digest, reconcile,
token.
"""
from __future__ import annotations

import functools

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import inspect

from . import clitext
from .accounts import service as accounts
from .accounts.cli import token_group
from .accounts.forms import ROLE_LABELS
from .attachments.service import storage as attachment_storage
from .attachments.service import stored_names as evidence_file_names
from .assignment.cli import assign_command
from .reminders.cli import digest_command
from .demo import service as demo
from .districts import reference
from .domain.rules import Message
from .extensions import db
from .imports.cli import import_survey_command
from .models import Street
from .operations import backup
from .progress.cli import bulletin_command, pad, progress_command, snapshot_group
from .reconcile.cli import reconcile_command
from .quality.cli import quality_command


def init_app(app: Flask) -> None:
    """Register the commands on `app`; those that read data first check that the schema exists."""
    app.cli.add_command(in_cli_language(init_db_command))
    app.cli.add_command(in_cli_language(backup_command))
    for command in (create_user_command, demo_command, user_group, import_survey_command, progress_command,
                    snapshot_group, bulletin_command, assign_command, digest_command, quality_command,
                    reconcile_command, token_group):
        app.cli.add_command(requires_schema(command))


def in_cli_language(command: click.Command) -> click.Command:
    """Make `command` (each command of a group) speak the command line's language (clitext.py)."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            in_cli_language(sub)
        return command
    if not getattr(command.callback, "speaks", False):
        command.callback = with_appcontext(clitext.speaking(command.callback))
        command.callback.speaks = True
    return command


def requires_schema(command: click.Command) -> click.Command:
    """Make `command` (each command of a group) stop with a clear message, exit 2, on a database that
    ``init-db`` has not prepared, instead of a traceback; it speaks the command line's language."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            requires_schema(sub)
        if not command.invoke_without_command:
            return command  # a group that only dispatches reads nothing itself
    original = command.callback
    if getattr(original, "requires_schema", False):
        return command  # already wrapped (the command objects outlive each app)

    @functools.wraps(original)
    def checked(*args, **kwargs):
        if not inspect(db.engine).has_table(Street.__tablename__):
            raise clitext.refusal(Message("数据库尚未初始化：请先运行 flask --app orgbuild init-db"), 2)
        return original(*args, **kwargs)

    command.callback = with_appcontext(clitext.speaking(checked))
    command.callback.requires_schema = True
    command.callback.speaks = True
    return command


def ensure_schema() -> None:
    """Bring the schema to the latest migration (never ``create_all`` outside tests)."""
    upgrade()


def usage_error(message: str) -> click.ClickException:
    """A refusal that exits 2 with the message (in the command line's language; no traceback)."""
    return clitext.refusal(message, 2)


@click.command("init-db")
@click.option("--district", "districts", multiple=True, metavar="CODE",
              help="A district to load (repeatable: luohu, futian …); default: ORGBUILD_DISTRICT.")
def init_db_command(districts: tuple[str, ...]) -> None:
    """Create or upgrade the schema and load the streets and communities of the districts named."""
    codes = list(districts) or current_app.config["DISTRICTS"]
    try:
        for code in codes:  # refuse an unknown district before touching the database
            reference.district_data(code)
        ensure_schema()
        reports = reference.load_districts(codes)
    except (reference.UnknownDistrict, reference.ReferenceConflict) as error:
        raise usage_error(error.args[0]) from None
    added = sum(r.added for r in reports)
    clitext.say(Message("数据库已就绪（%(url)s）；新增参考数据 %(n)d 条。",
                        url=db.engine.url.render_as_string(hide_password=True), n=added))
    for r in reports:
        clitext.say(Message("%(name)s（%(code)s）：新增参考数据 %(n)d 条", name=r.name, code=r.district, n=r.added))


def _account_call(func, *args, **kwargs):
    """Run an accounts service call, turning a refusal into a clean command-line error (exit 1)."""
    try:
        return func(*args, **kwargs)
    except accounts.AccountError as error:
        raise clitext.refusal(error.args[0] if error.args else error) from None


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "supervisor", "officer", "secretary"]), required=True)
@click.option("--street", "streets", multiple=True, help="A street the user works on (repeatable).")
@click.option("--org", "org_code", metavar="CREDIT_CODE",
              help="A branch secretary's organisation, by its unified social credit code (secretary only).")
@click.option("--district", metavar="CODE",
              help="The district the user belongs to (luohu …; 'city' or none: the city, or the district of the streets).")
@click.option("--password", help="Prompted for when absent.")
@click.option("--name", "display_name", default="", help="Display name.")
def create_user_command(username: str, role: str, streets: tuple[str, ...], org_code: str | None,
                        district: str | None, password: str | None, display_name: str) -> None:
    """Create a user account (a branch secretary: --role secretary --org CREDIT_CODE)."""
    if org_code and role != "secretary":
        raise clitext.bad_parameter(Message("只有团支部书记（--role secretary）才指定 --org"), "'--org'")
    own = _account_call(accounts.find_organization, org_code) if role == "secretary" else None
    home = _account_call(accounts.find_district, district) if district else accounts.KEEP
    found = _account_call(accounts.find_streets, list(streets))
    if password is None:
        password = _prompt_password(Message("密码"))
    user = _account_call(accounts.create_user, username, password, role, found, display_name=display_name,
                         district=home, organization=own)
    clitext.say(Message("已创建%(role)s %(name)s", role=ROLE_LABELS[user.role], name=user.username))
    if user.streets:
        clitext.say(Message("负责街道：%(streets)s", streets="、".join(s.name for s in user.streets)))
    if own is not None:
        clitext.say(Message("所在组织：%(name)s（%(code)s）", name=own.name, code=own.credit_code))
    clitext.say(Message("所属：%(scope)s", scope=_scope_text(user)))


def _prompt_password(label: Message) -> str:
    """Ask for a password twice, hidden, in the command line's language."""
    return click.prompt(clitext.text(label), hide_input=True, confirmation_prompt=True)


def _scope_text(user) -> str:
    """Where an account works, for people: its district's name, or the whole city."""
    return user.district.name if user.district is not None else clitext.text(Message("全市"))


@click.command("demo")
@click.option("--district", "further", multiple=True, metavar="CODE",
              help="Also load this district beside Luohu as a demo district (repeatable: futian …).")
def demo_command(further: tuple[str, ...]) -> None:
    """Load the demo district (idempotent; refuses a database holding non-demo data); print the accounts."""
    try:
        loaded, demo_accounts, counts = demo.load_demo(further=further)
    except reference.UnknownDistrict as error:
        raise usage_error(error.args[0]) from None
    except demo.DemoError as error:
        raise clitext.refusal(error.args[0] if error.args else error) from None
    for code in loaded:
        c = counts[code]
        clitext.say(Message(
            "已载入演示区%(district)s：组织 %(orgs)d 家，有党组织 %(party)d 家，其中已有团组织 %(league)d 家，"
            "新建团组织 %(founded)d 个，走访 %(visits)d 次（%(seconds)s 秒）。",
            district="" if code == demo.DEMO_DISTRICT else f" [{code}]", orgs=c["organizations"],
            party=c["party_orgs"], league=c["party_and_league"], founded=c["founded"], visits=c["visits"],
            seconds=c["seconds"]))
    if not loaded:
        clitext.say(Message("演示区已载入，未作改动。"))
    clitext.say(Message("演示账号（在 http://127.0.0.1:5000/login 登录）："))
    password = clitext.text(Message("密码"))
    for account in demo_accounts:
        role = str(ROLE_LABELS.get(account.role, account.role))
        click.echo(f"  {account.username:<20} {password} {account.password:<12} {pad(role, 10)} {account.scope}".rstrip())


@click.group("user")
def user_group() -> None:
    """Manage user accounts: list, deactivate, reactivate, reset-password, set-role, set-streets, set-district, set-email."""


@user_group.command("list")
def user_list_command() -> None:
    """Print every account: name, role, state and streets."""
    for user in accounts.list_users():
        streets = ",".join(s.short_name for s in user.streets) or "-"
        district = user.district.code if user.district is not None else "city"
        state = clitext.text(Message("使用中") if user.active else Message("已停用"))
        click.echo(f"{user.username}\t{user.role}\t{state}\t{streets}\t{district}")


@user_group.command("deactivate")
@click.argument("username")
def user_deactivate_command(username: str) -> None:
    """Deactivate an account; it is signed out at its next request."""
    user = _account_call(accounts.find_user, username)
    changed = _account_call(accounts.set_active, user, False)
    clitext.say(Message("已停用 %(name)s", name=user.username) if changed
                else Message("%(name)s 原已停用", name=user.username))


@user_group.command("reactivate")
@click.argument("username")
def user_reactivate_command(username: str) -> None:
    """Reactivate an account."""
    user = _account_call(accounts.find_user, username)
    changed = _account_call(accounts.set_active, user, True)
    clitext.say(Message("已启用 %(name)s", name=user.username) if changed
                else Message("%(name)s 原已启用", name=user.username))


@user_group.command("reset-password")
@click.argument("username")
@click.option("--password", help="Prompted for when absent.")
def user_reset_password_command(username: str, password: str | None) -> None:
    """Set a new password (the password policy applies); the user's sessions end."""
    user = _account_call(accounts.find_user, username)
    if password is None:
        password = _prompt_password(Message("新密码"))
    _account_call(accounts.reset_password, user, password)
    clitext.say(Message("已重设 %(name)s 的密码", name=user.username))


@user_group.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(["admin", "supervisor", "officer"]))
def user_set_role_command(username: str, role: str) -> None:
    """Change an account's role."""
    user = _account_call(accounts.find_user, username)
    changes = _account_call(accounts.update_user, user, role=role)
    clitext.say(Message("%(name)s 现为%(role)s", name=user.username, role=ROLE_LABELS[user.role]) if changes
                else Message("%(name)s 原已是%(role)s", name=user.username, role=ROLE_LABELS[role]))


@user_group.command("set-streets")
@click.argument("username")
@click.option("--street", "streets", multiple=True, help="A street the user works on (repeatable; none: no street).")
def user_set_streets_command(username: str, streets: tuple[str, ...]) -> None:
    """Replace the streets an account works on."""
    user = _account_call(accounts.find_user, username)
    found = _account_call(accounts.find_streets, list(streets))
    _account_call(accounts.update_user, user, streets=found)
    clitext.say(Message("%(name)s：%(streets)s", name=user.username,
                        streets="、".join(s.name for s in user.streets) or Message("无街道")))


@user_group.command("set-district")
@click.argument("username")
@click.option("--district", metavar="CODE", help="The district (luohu …); none or 'city': the whole city.")
def user_set_district_command(username: str, district: str | None) -> None:
    """Set the district an account belongs to (its streets, if any, must lie in it)."""
    user = _account_call(accounts.find_user, username)
    home = _account_call(accounts.find_district, district)
    _account_call(accounts.update_user, user, district=home)
    clitext.say(Message("%(name)s：%(streets)s", name=user.username, streets=_scope_text(user)))


@user_group.command("set-email")
@click.argument("username")
@click.argument("email", required=False, default="")
def user_set_email_command(username: str, email: str) -> None:
    """Set (or, without EMAIL, clear) the address of an account's daily digest."""
    user = _account_call(accounts.find_user, username)
    _account_call(accounts.set_email, user, email)
    clitext.say(Message("%(name)s：%(streets)s", name=user.username, streets=user.email or "-"))


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(path: str) -> None:
    """Copy the SQLite database to PATH while the app runs (PostgreSQL: use pg_dump)."""
    try:
        target = backup.backup_sqlite(db.engine, path)
    except backup.BackupRefused as error:
        raise clitext.refusal(error.args[0] if error.args else error) from None
    clitext.say(Message("已将 %(db)s 备份到 %(target)s（%(size)d 字节）。", db=db.engine.url.database, target=target,
                        size=target.stat().st_size))
    names = evidence_file_names()
    if names:
        folder = target.with_name(target.name + "-attachments")
        kept = backup.backup_files(names, attachment_storage(), folder)
        clitext.say(Message("已复制 %(n)d 个佐证文件到 %(folder)s。", n=kept, folder=folder))
