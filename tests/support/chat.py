"""Talking to the bot as a LINE user: send, wait until settled, read the answer. Works on both tiers: the
end-to-end `bot` (tests/conftest.py, over HTTP) and the in-process `chat_bot` (tests/support/inprocess.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.conftest import RunningBot
    from tests.support.inprocess import ChatBot

    Bot = RunningBot | ChatBot  # either tier


def _answers(bot: Bot, user: str, send: Any) -> list[dict[str, Any]]:
    before = len(bot.fake.messages_to(user))
    send()
    bot.wait_idle()
    return bot.fake.messages_to(user)[before:]


def say(bot: Bot, user: str, text: str) -> dict[str, Any]:
    """Send a text; return the last message the bot answered with."""
    new = _answers(bot, user, lambda: bot.fake.send_text(user, text))
    assert new, f"no answer to {text!r}"
    return new[-1]


def say_all(bot: Bot, user: str, text: str) -> list[dict[str, Any]]:
    """Send a text; return every message the bot answered with."""
    new = _answers(bot, user, lambda: bot.fake.send_text(user, text))
    assert new, f"no answer to {text!r}"
    return new


def tap(bot: Bot, user: str, data: str) -> dict[str, Any]:
    new = _answers(bot, user, lambda: bot.fake.send_events([bot.fake.postback_event(user, data)]))
    assert new, f"no answer to postback {data!r}"
    return new[-1]


def send(bot: Bot, event: dict[str, Any]) -> dict[str, Any]:
    user = event["source"]["userId"]
    new = _answers(bot, user, lambda: bot.fake.send_events([event]))
    assert new, "no answer"
    return new[-1]


def quick_replies(message: dict[str, Any]) -> list[str]:
    return [item["action"]["label"] for item in message.get("quickReply", {}).get("items", [])]


def pushes_to(bot: Bot, user: str) -> list[str]:
    return [m.get("text", "") for d in bot.fake.deliveries("push", user) for m in d.messages]
