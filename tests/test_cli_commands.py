"""The `itabot` group: every command module adds its commands, the commands no other test runs (the queues,
retention, the weekly summary, the read-only listings) run, a command's unit of work commits only when the
command succeeds, and times are printed the Thai way."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner
from flask import Flask

from bot.cli.common import unit_of_work
from bot.cli.main import cli
from storage.clock import utcnow
from tests.conftest import RunningBot
from tests.support.botcli import run_cli
from tests.support.plans import this_fiscal_year

USER = "U" + "d" * 32
TOP_LEVEL = {
    "complaints", "create-admin", "db", "demo", "dev", "fake-line", "import-plan", "inbox", "invite", "members",
    "operator", "org", "outbox", "reminders", "report", "revoke", "richmenu", "rounds", "routes", "run", "scrub", "shell", "stats",
    "summary", "units", "worker",
}


def test_help_lists_every_command_group() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0, result.output
    listed = {line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == TOP_LEVEL


def test_queue_and_listing_commands_run(bot_without_worker: RunningBot) -> None:
    bot = bot_without_worker
    assert "by status:" in run_cli(bot, "inbox", "status")
    assert "0 events queued again" in run_cli(bot, "inbox", "retry-failed")
    assert "by status:" in run_cli(bot, "outbox", "status")
    assert "scrubbed 0 events and 0 messages" in run_cli(bot, "scrub")
    assert "กองคลัง" in run_cli(bot, "units", "list")
    run_cli(bot, "summary", "send")
    run_cli(bot, "complaints", "missed")
    assert "summary_weekday" in run_cli(bot, "reminders", "show", "--json")


def test_a_command_unit_of_work_commits_on_success_only(bot_without_worker: RunningBot) -> None:
    app: Flask = bot_without_worker.server.app  # type: ignore[attr-defined]
    with app.app_context():
        with pytest.raises(click.ClickException), unit_of_work() as (uow, org_id):
            uow.people.add_unit(org_id, "กองที่ถูกปฏิเสธ", [], utcnow())
            raise click.ClickException("refused")
        with unit_of_work(commit=False) as (uow, org_id):
            uow.people.add_unit(org_id, "กองทดลอง", [], utcnow())
        with unit_of_work() as (uow, org_id):
            uow.people.add_unit(org_id, "กองที่บันทึก", [], utcnow())
    listing = run_cli(bot_without_worker, "units", "list")
    assert "กองที่บันทึก" in listing and "กองที่ถูกปฏิเสธ" not in listing and "กองทดลอง" not in listing


# "14 ธ.ค. 2569 04:21": Thai months and BE years, in Arabic digits as the CLI always writes them (domain.digits)
THAI_TIME = r"[0-9]{1,2} \S+ [0-9]{4} [0-9]{2}:[0-9]{2}"


def test_times_are_written_the_thai_way(bot: RunningBot) -> None:
    printed = run_cli(bot, "invite", "--role", "officer")
    assert re.search(f"ภายใน {THAI_TIME} ", printed), printed
    code = re.search(r"ITA-[A-Z0-9]{4}-[A-Z0-9]{4}", printed)
    assert code is not None
    bot.fake.send_text(USER, code.group(0))
    bot.wait_idle()
    listing = run_cli(bot, "members")
    assert re.search(r"officer .* [0-9]{1,2} \S+ [0-9]{4}$", listing, re.MULTILINE), listing
    link = run_cli(bot, "report", "link", "complaints", "--fiscal-year", str(this_fiscal_year()))
    assert re.search(f"ใช้ได้ถึง {THAI_TIME}$", link, re.MULTILINE), link
    assert not re.search("[๐-๙]", printed + listing + link), "one digit style in the CLI"
