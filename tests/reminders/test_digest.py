"""The daily digest: exactly the officer's overdue organisations and those assigned since yesterday;
printed by ``digest``, e-mailed by ``digest --send`` to a local SMTP server (aiosmtpd)."""
from __future__ import annotations

import socket
from datetime import date, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller

from orgbuild.extensions import db
from orgbuild.models import Visit, local_date
from orgbuild.reminders import service as reminders


def _visit(org, officer, days_ago: int, follow_up_in: int) -> None:
    day = local_date() - timedelta(days=days_ago)
    db.session.add(Visit(organization_id=org.id, officer_id=officer.id, visit_date=day, outcome="willing",
                         next_follow_up=day + timedelta(days=follow_up_in)))
    db.session.commit()


@pytest.fixture
def work(app, make_user, make_org):
    mine = make_user("mine", "officer", ["翠竹"])
    other = make_user("other", "officer", ["翠竹"])
    today = local_date()
    late = make_org("翠竹", officer=mine, status="visited", name="逾期一号有限公司")
    later_visit = make_org("翠竹", officer=mine, status="visited", name="已改期有限公司")
    not_yet = make_org("翠竹", officer=mine, status="visited", name="未到期有限公司")
    done = make_org("翠竹", officer=mine, status="established", has_league_org=False, name="已建团有限公司")
    theirs = make_org("翠竹", officer=other, status="visited", name="别人的逾期有限公司")
    new = make_org("翠竹", officer=mine, assigned_on=today, name="新分配有限公司")
    make_org("翠竹", officer=mine, assigned_on=today - timedelta(days=5), name="早已分配有限公司")
    _visit(late, mine, 20, 10)  # due 10 days ago
    _visit(later_visit, mine, 20, 5)
    _visit(later_visit, mine, 2, 10)  # the latest visit moved the follow-up into the future
    _visit(not_yet, mine, 1, 3)
    _visit(done, mine, 30, 1)  # overdue, but no longer open work
    _visit(theirs, other, 20, 1)
    return mine, late, new


def test_the_digest_lists_exactly_the_overdue_organisations_of_that_officer(work):
    mine, late, new = work
    digest = reminders.digest_for(mine)
    assert [(o.name, d) for o, d in digest.overdue] == [(late.name, local_date() - timedelta(days=10))]
    assert [o.name for o in digest.assigned] == [new.name]
    assert "已逾期 10 天" in digest.text()


def test_digest_command_prints_one_officer(work, runner):
    result = runner.invoke(args=["digest", "--officer", "mine"])
    assert result.exit_code == 0, result.output
    assert "逾期一号有限公司" in result.output and "别人的逾期" not in result.output and "未到期" not in result.output
    unknown = runner.invoke(args=["digest", "--officer", "nobody"])
    assert unknown.exit_code == 2 and "nobody" in unknown.output


def test_send_without_smtp_url_is_a_clear_refusal(work, runner):
    result = runner.invoke(args=["digest", "--send"])
    assert result.exit_code == 2 and "SMTP_URL" in result.output


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_digest_send_mails_a_local_smtp_server(work, app, runner):
    mine, late, _new = work
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        runner.invoke(args=["user", "set-email", "mine", "mine@example.org"])
        app.config.update(SMTP_URL=f"smtp://127.0.0.1:{port}", MAIL_FROM="orgbuild@example.org")
        result = runner.invoke(args=["digest", "--send"])
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    assert "没有电子邮箱：other" in result.output
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == ["mine@example.org"]
    assert "逾期 1 家" in str(make_header(decode_header(message["Subject"])))
    body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
    assert late.name in body and "别人的逾期" not in body


def test_smtp_url_is_read_or_refused():
    settings = reminders.mail_settings("smtps://u%40x:p@mail.example.org?starttls=0", "a@b")
    assert (settings["MAIL_SERVER"], settings["MAIL_PORT"], settings["MAIL_USERNAME"], settings["MAIL_USE_SSL"]) == \
        ("mail.example.org", 465, "u@x", True)
    with pytest.raises(reminders.ReminderError, match="SMTP_URL"):
        reminders.mail_settings("mail.example.org", "a@b")
