"""Driving the `itabot` CLI and binding staff, on either tier (the app is built in both)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from click.testing import CliRunner
from flask.cli import ScriptInfo

from bot.cli.main import cli

if TYPE_CHECKING:
    from tests.support.chat import Bot


def run_cli(bot: Bot, *args: str, expect_exit: int | None = 0) -> str:
    """Run a command against the bot's app; `expect_exit=None` expects any failure."""
    app = bot.app
    result = CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app), catch_exceptions=False)
    if expect_exit is None:
        assert result.exit_code != 0, result.output
    else:
        assert result.exit_code == expect_exit, result.output
    return result.output


def invite(bot: Bot, *args: str) -> str:
    output = run_cli(bot, "invite", *args)
    match = re.search(r"ITA-[A-Z0-9]{4}-[A-Z0-9]{4}", output)
    assert match, output
    return match.group(0)


def bind(bot: Bot, user_id: str, role: str, unit: str | None = None, org: str | None = None) -> None:
    """Invite and bind a LINE account through the chat, as a real member would (`org`: the organisation's
    slug, needed once the deployment has several)."""
    args = ["--role", role] + (["--unit", unit] if unit else []) + (["--org", org] if org else [])
    code = invite(bot, *args)
    bot.fake.send_text(user_id, code)
    bot.wait_idle()
    assert "ผูกบัญชีเรียบร้อย" in bot.texts_to(user_id)[-1]
