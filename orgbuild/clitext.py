"""What the command line says, in the language of ``ORGBUILD_LANG`` (zh_CN by default, or en).

Every command runs inside :func:`speaking`, which fixes the locale for the whole command, so that the
domain messages the services raise and the lines the commands print take the same language. JSON
output is data, never translated. Times are printed in the district's time zone, which they name.
"""
from __future__ import annotations

import functools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask_babel import force_locale

from .domain.rules import Message
from .i18n import translate_message

def speaking(callback):
    """Run a command's callback in the command line's language (the app's ``CLI_LANGUAGE``)."""
    if getattr(callback, "speaks", False):
        return callback  # already wrapped (the command objects outlive each app)

    @functools.wraps(callback)
    def spoken(*args, **kwargs):
        with force_locale(current_app.config.get("CLI_LANGUAGE") or "zh_CN"):
            return callback(*args, **kwargs)

    spoken.speaks = True
    return spoken


def text(message: object) -> str:
    """A message in the command line's language (a plain string is data and stays as it is)."""
    return translate_message(message) if isinstance(message, Message) else str(message)


def say(message: object, *, err: bool = False) -> None:
    """Print a line: a :class:`Message` translated, anything else as it is."""
    click.echo(text(message), err=err)


class Refusal(click.ClickException):
    """A refusal shown as ``错误：…`` (``Error: …``) in the command line's language, without click's
    English frame ("Usage: …", "Invalid value for …")."""

    def __init__(self, message: object, exit_code: int = 1):
        super().__init__(text(message))
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        click.echo(text(Message("错误：%(message)s", message=self.message)), file=file, err=file is None)


def refusal(message: object, exit_code: int = 1) -> Refusal:
    """A refusal that prints the translated message (no traceback) and exits with `exit_code`."""
    return Refusal(message, exit_code)


def bad_parameter(message: object, hint: str) -> Refusal:
    """A bad value of an option: exit 2 (as a usage error), the option named before the message."""
    return Refusal(Message("%(option)s：%(message)s", option=hint.strip("'"), message=message), 2)
def local_time(moment: datetime | str | None) -> str:
    """A stored time (UTC; SQLite hands it back naive; or its ISO text) in the district's time zone,
    to the minute, naming the zone: ``2026-12-03 16:39 (Asia/Shanghai)``; ``-`` for none."""
    if not moment:
        return "-"
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai"
    return f"{moment.astimezone(ZoneInfo(name)):%Y-%m-%d %H:%M} ({name})"
