"""The in-process tier (tests/support/inprocess.py) answers as the end-to-end one does: the same messages,
by the same way (reply, or push when the token is gone), LINE's refusals and faults handled by the real
outbox sender, and the stored rows as the worker leaves them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from storage.clock import utcnow
from storage.models import InboxEvent, InboxStatus, OutboxMessage, OutboxStatus, Priority
from tests.conftest import RunningBot
from tests.support.chat import say, tap
from tests.support.inprocess import ChatBot

OVER_HTTP = "U" + "a" * 32
IN_PROCESS = "U" + "b" * 32


def conversation(bot: RunningBot | ChatBot, user: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """Follow, ask for help, start a complaint, tap, cancel: what arrived, and how."""
    bot.fake.send_events([bot.fake.follow_event(user)])
    bot.wait_idle()
    say(bot, user, "ช่วยเหลือ")
    say(bot, user, "ร้องเรียน")
    tap(bot, user, "ไม่ระบุตัวตน")
    say(bot, user, "ยกเลิก")
    return [(d.kind, d.messages) for d in bot.fake.deliveries(to=user)]


def test_both_tiers_answer_a_conversation_alike(start_bot: Callable[..., RunningBot], chat_bot: ChatBot) -> None:
    served = start_bot()
    over_http = conversation(served, OVER_HTTP)
    served.stop()  # its worker would take the other tier's events too (one database)
    in_process = conversation(chat_bot, IN_PROCESS)
    assert len(in_process) >= 5 and {kind for kind, _ in in_process} == {"reply"}
    assert in_process == over_http
    with chat_bot.services.uow() as uow:
        inbox = {(e.event_type, e.status) for e in uow.session.scalars(select(InboxEvent))}
        rows = list(uow.session.scalars(select(OutboxMessage)))
    # the complaint's own events (its start, the tap, the cancel) leave no row (#14): only follow and help stay
    assert inbox == {("follow", InboxStatus.DONE.value), ("message", InboxStatus.DONE.value)}
    assert {r.status for r in rows} == {OutboxStatus.DELIVERED.value}
    # the complaint flow's answers are private: deleted by the sender once delivered, in both tiers (#14)
    assert not any(r.private for r in rows)
    assert len(rows) == 4  # the answers to follow and help, for each tier's user


def test_an_expired_reply_token_means_a_push_with_the_rows_retry_key(chat_bot: ChatBot) -> None:
    event = chat_bot.fake.text_event(IN_PROCESS, "ช่วยเหลือ")
    chat_bot.fake.expire_reply_tokens(IN_PROCESS)
    chat_bot.fake.send_events([event])
    chat_bot.wait_idle()
    [delivery] = chat_bot.fake.deliveries(to=IN_PROCESS)
    with chat_bot.services.uow() as uow:
        [row] = uow.session.scalars(select(OutboxMessage)).all()
    assert (delivery.kind, delivery.retry_key) == ("push", row.retry_key) and row.delivered_via == "push"


def test_a_line_fault_is_retried_with_the_same_retry_key(chat_bot: ChatBot) -> None:
    chat_bot.fake.inject_fault("/v2/bot/message/push", 500, times=2)
    with chat_bot.services.uow() as uow:
        [row] = uow.outbox.add_push(chat_bot.org_id, IN_PROCESS, [{"type": "text", "text": "ทดสอบ"}],
                                    Priority.NORMAL, utcnow())
        uow.commit()
    chat_bot.wait_idle()  # two 500s, each tried again after the backoff, then delivered
    assert chat_bot.fake.count_by_retry_key() == {row.retry_key: 1}
    with chat_bot.services.uow() as uow:
        sent = uow.outbox.get(row.id)
        assert sent is not None and (sent.status, sent.attempts) == (OutboxStatus.DELIVERED.value, 3)
