"""``flask --app orgbuild token create|list|revoke``: API tokens (a thin wrapper over accounts/tokens.py).

``token create USERNAME [--name N] [--write] [--expires-days N]`` prints the token once (only its hash
is stored); ``token list [USERNAME] [--json]``; ``token revoke ID``. A refusal exits 1 with the reason.
"""
from __future__ import annotations

import json

import click

from .. import clitext
from ..domain.rules import Message
from . import service as accounts
from . import tokens


def _call(func, *args, **kwargs):
    """Run a service call, turning a refusal into a clean command-line error (exit 1)."""
    try:
        return func(*args, **kwargs)
    except (accounts.AccountError, tokens.TokenError) as error:
        raise clitext.refusal(error.args[0] if error.args else error) from None


@click.group("token")
def token_group() -> None:
    """API tokens (personal access tokens): create, list, revoke."""


@token_group.command("create")
@click.argument("username")
@click.option("--name", default="", help="What the token is for (shown in lists).")
@click.option("--write", is_flag=True, help="Also allow recording visits (default: read-only).")
@click.option("--expires-days", type=click.IntRange(1, tokens.MAX_DAYS), default=tokens.DEFAULT_DAYS,
              show_default=True, help="Days until the token expires.")
def token_create_command(username: str, name: str, write: bool, expires_days: int) -> None:
    """Create a token acting as USERNAME (its role and streets) and print it once."""
    user = _call(accounts.find_user, username)
    new = _call(tokens.create_token, user, name, write=write, expires_days=expires_days)
    click.echo(new.secret)
    clitext.say(Message("令牌 %(id)d（%(mode)s，%(date)s 到期）已创建。它只显示这一次，请妥善保存。",
                       id=new.token.id, mode=Message("读写") if write else Message("只读"),
                       date=clitext.local_time(new.token.expires_at)), err=True)


@token_group.command("list")
@click.argument("username", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def token_list_command(username: str | None, as_json: bool) -> None:
    """List the tokens of USERNAME (of every account without it); never the secrets."""
    user = _call(accounts.find_user, username) if username else None
    rows = [tokens.as_json(t) for t in tokens.tokens_of(user)]
    if as_json:
        click.echo(json.dumps({"items": rows}, ensure_ascii=False))
        return
    for row in rows:
        mode = clitext.text(Message("读写") if row["write"] else Message("只读"))
        state = clitext.text(TOKEN_STATES.get(row["state"], row["state"]))
        expires = clitext.text(Message("%(date)s 到期", date=clitext.local_time(row["expires_at"])))
        used = clitext.text(Message("最近使用 %(date)s", date=clitext.local_time(row["last_used_at"])))
        click.echo(f"{row['id']}\t{row['user']}\t{row['prefix']}…\t{mode}\t{state}\t{expires}\t{used}\t{row['name']}")


#: A token's state (tokens.as_json's ``state``), as the command line names it.
TOKEN_STATES = {"active": Message("有效"), "expired": Message("已过期"), "revoked": Message("已作废")}


@token_group.command("revoke")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
def token_revoke_command(token_id: int) -> None:
    """Revoke the token with this id, at once."""
    token = tokens.find_token(token_id)
    if token is None:
        raise clitext.refusal(Message("令牌不存在"))
    changed = tokens.revoke_token(token)
    clitext.say(Message("已撤销令牌 %(id)d（%(prefix)s…）", id=token.id, prefix=token.prefix) if changed
                else Message("令牌 %(id)d 原已撤销", id=token.id))
