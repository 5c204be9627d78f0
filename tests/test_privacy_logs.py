"""Log lines never carry message text or raw LINE user ids."""

from __future__ import annotations

import logging

import pytest

from domain.pseudonyms import pseudonym
from tests.conftest import RunningBot

USER = "U" + "e" * 32
SECRET_TEXT = "เรื่องลับมากเกี่ยวกับการเรียกรับสินบน"


def test_logs_hold_pseudonyms_not_user_ids_or_text(bot: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("linebot", "urllib3"):  # the SDK's own debug output is kept quiet by configuration
        logging.getLogger(name).setLevel(logging.WARNING)
    bot.fake.send_events([bot.fake.follow_event(USER)])
    bot.fake.send_text(USER, SECRET_TEXT)
    bot.fake.send_text(USER, "ITA-ZZZZ-ZZZZ")
    bot.wait_idle()
    bot.fake.send_events([bot.fake.unfollow_event(USER)])
    bot.wait_idle()
    bot.worker_pass()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert pseudonym(USER) in logged
    assert USER not in logged
    assert SECRET_TEXT not in logged and "ZZZZ" not in logged
