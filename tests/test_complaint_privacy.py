"""Whistleblower protection, checked where it matters: after identified, confidential and anonymous
complaints have been filed, followed up, answered and relayed, nothing ties an anonymous or confidential
complainant's LINE account, phone or national ID to anything — not in any log line, not in any message to
officers or administrators, not in the statistics, not in any table of the database (the sealed identity
is ciphertext). A complainant who never wrote to the bot before leaves no trace at all; one who follows the
bot has what every follower has (the `members` row, the follow event and its greeting, until retention
scrubs those two), all from before the complaint and referencing nothing of it. In process on the real
rows (tests/support/inprocess.py: the real outbox sender scrubs what it delivers), and once end to end."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from domain.fiscal import fiscal_year_of
from storage.clock import utcnow
from storage.models import InboxEvent, Member, OutboxMessage
from storage.schema import metadata
from tests.conftest import RunningBot
from tests.support.botcli import bind, run_cli
from tests.support.chat import say
from tests.support.complaints import Receipt, file_complaint
from tests.support.inprocess import ChatBot
from texts import chat

if TYPE_CHECKING:
    from tests.support.chat import Bot

ANONYMOUS = "U" + "a1" * 16
CONFIDENTIAL = "U" + "c2" * 16
IDENTIFIED = "U" + "e3" * 16
OFFICER = "U" + "0f" * 16
OFFICER_2 = "U" + "1f" * 16
ADMIN = "U" + "ad" * 16

# What each complainant might be found by. The anonymous and confidential ones type their phone and
# national ID into the complaint, are warned, and have them masked.
SECRETS = {
    ANONYMOUS: {"phone": "089-123-4567", "national_id": "1-1017-00203-45-0", "name": "วิชัย ลับที่สุด"},
    CONFIDENTIAL: {"phone": "086-555-0101", "national_id": "3-1005-01234-56-3", "name": "มานี ปิดชื่อ"},
    IDENTIFIED: {"phone": "081-777-8899", "national_id": "1-1002-00345-67-0", "name": "สมหญิง ใจกล้า"},
}


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    """This module runs in process (tests/support/inprocess.py): no HTTP, no worker thread."""
    return chat_bot


def needles(user_id: str) -> list[str]:
    secrets = SECRETS[user_id]
    digits = [re.sub(r"\D", "", secrets["phone"]), re.sub(r"\D", "", secrets["national_id"])]
    return [user_id, secrets["name"], secrets["phone"], secrets["national_id"], *digits]


def found_in(text: str, user_id: str) -> list[str]:
    digits_only = re.sub(r"\D", "", text)
    return [n for n in needles(user_id) if n in text or (n.isdigit() and n in digits_only)]


def database_dump(bot: Bot) -> list[tuple[str, str, Any, str]]:
    """(table, column, primary key, value as text) for every value of every table."""
    rows = []
    with bot.services.engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(table.select()).mappings():
                key = row.get("id")
                for column, value in row.items():
                    if value is None:
                        continue
                    if isinstance(value, bytes | memoryview):
                        text = bytes(value).decode("latin-1")  # ciphertext and files, searched byte for byte
                    elif isinstance(value, dict | list):
                        text = json.dumps(value, ensure_ascii=False)
                    else:
                        text = str(value)
                    rows.append((table.name, column, key, text))
    return rows


def run_the_complaints(bot: Bot, follow: bool = True) -> dict[str, Receipt]:
    if follow:  # friends of the bot, as in real life
        for user in (ANONYMOUS, CONFIDENTIAL, IDENTIFIED):
            bot.fake.send_events([bot.fake.follow_event(user)])
        bot.wait_idle()
    bind(bot, OFFICER, "officer")
    bind(bot, OFFICER_2, "officer")
    bind(bot, ADMIN, "admin")
    receipts = {}
    for user, mode in ((ANONYMOUS, "anonymous"), (CONFIDENTIAL, "confidential")):
        secrets = SECRETS[user]
        receipts[user] = file_complaint(bot, user, mode=mode, details=(
            f"หัวหน้างานพัสดุเรียกเงินใต้โต๊ะ ติดต่อผมได้ที่ {secrets['phone']}",
            f"เลขบัตรประชาชนผม {secrets['national_id']} เคยยื่นเอกสารไว้"), on_warning="ปิดบังให้")
    secrets = SECRETS[IDENTIFIED]
    receipts[IDENTIFIED] = file_complaint(bot, IDENTIFIED, mode="identified", name=secrets["name"],
                                          phone=secrets["phone"], kind="grievance", details=("ไฟถนนดับทั้งซอย",))
    # officers work the cases: OFFICER opens everything first (and is assigned), OFFICER_2 looks too
    for case in (1, 2, 3):
        say(bot, OFFICER, f"เปิด {case}")
        say(bot, OFFICER, "ส่งข้อความถึงผู้ร้อง")
        say(bot, OFFICER, f"ขอข้อมูลเพิ่มเติมเรื่องที่ {case}")
        say(bot, OFFICER_2, f"เปิด {case}")
        say(bot, OFFICER_2, "เปลี่ยนสถานะ")
        say(bot, OFFICER_2, "คัดกรอง")
        say(bot, OFFICER_2, "ตรวจสอบเบื้องต้น")
        say(bot, OFFICER_2, "รับเรื่องไว้แล้ว")
    say(bot, OFFICER, "เรื่องร้องเรียน")
    say(bot, ADMIN, "เรื่องร้องเรียน")
    # the complainants follow up and answer
    for user, receipt in receipts.items():
        say(bot, user, receipt.follow_up)
        pin = f" {receipt.pin}" if receipt.pin else ""
        say(bot, user, f"ตอบ {receipt.code}{pin} ขอบคุณครับ")
    bot.wait_idle()
    return receipts


def follower_rows(bot: Bot, hits: list[tuple[str, str, Any]]) -> set[tuple[str, str]]:
    """The hits that are the follower's own rows from before any complaint: the member, the follow event
    and the greeting answering it. Anything else comes back as ("unexpected", table.column)."""
    kinds = set()
    with bot.services.uow() as uow:
        for table, column, key in hits:
            if table == "members":
                kinds.add(("member", column))
            elif table == "inbox_events" and uow.session.get(InboxEvent, key).event_type == "follow":
                kinds.add(("follow event", column))
            elif table == "outbox_messages" and all(m["text"].startswith(chat.GREETING[:20])
                                                    for m in uow.session.get(OutboxMessage, key).messages):
                kinds.add(("greeting", column))
            else:
                kinds.add(("unexpected", f"{table}.{column}"))
    return kinds


@pytest.mark.parametrize("follow", [True, False], ids=["followed-first", "never-wrote-before"])
@pytest.mark.parametrize("user", [ANONYMOUS, CONFIDENTIAL])
def test_no_trace_of_anonymous_or_confidential_complainants(bot: ChatBot, caplog: pytest.LogCaptureFixture,
                                                           user: str, follow: bool) -> None:
    check_no_trace(bot, caplog, user, follow)


def test_no_trace_over_the_wire(start_bot: Callable[..., RunningBot], caplog: pytest.LogCaptureFixture) -> None:
    """The same, once end to end (signed webhooks, the real SDK, the fake platform over HTTP, the worker's
    threads), so that what the web app, the SDK and the delivery threads log is searched too."""
    check_no_trace(start_bot(), caplog, ANONYMOUS, follow=True)


def check_no_trace(bot: Bot, caplog: pytest.LogCaptureFixture, user: str, follow: bool) -> None:
    caplog.set_level(logging.DEBUG)
    receipts = run_the_complaints(bot, follow)
    # the flows really ran: the officers saw the (masked) complaints and the complainants' answers
    officer_texts = [m.get("text", m.get("altText", "")) for staff in (OFFICER, OFFICER_2, ADMIN)
                     for m in bot.fake.messages_to(staff)]
    assert any("หัวหน้างานพัสดุเรียกเงินใต้โต๊ะ ติดต่อผมได้ที่ •••" in t for t in officer_texts)
    assert sum("ขอบคุณครับ" in t for t in officer_texts) >= 3

    logs = [r.getMessage() + (r.exc_text or "") for r in caplog.records]
    assert len(logs) > 50
    assert [line for line in logs if found_in(line, user)] == []
    assert [t for t in officer_texts if found_in(t, user)] == []
    year = str(fiscal_year_of(utcnow().astimezone(ZoneInfo("Asia/Bangkok")).date()))
    stats = run_cli(bot, "stats", "complaints", "--fiscal-year", year, "--json")
    assert json.loads(stats)["total"] == 3 and found_in(stats, user) == []
    dump = database_dump(bot)
    hits = [(table, column, key) for table, column, key, value in dump if found_in(value, user)]
    if follow:
        assert follower_rows(bot, hits) == {("member", "line_user_id"), ("follow event", "chat_key"),
                                            ("follow event", "payload"), ("greeting", "recipients")}
        with bot.services.uow() as uow:
            member = uow.session.scalar(select(Member).where(Member.line_user_id == user))
        assert member is not None and member.display_name is None and member.role == "citizen"
    else:
        assert hits == []
    # nor is the anonymous receipt (code and PIN) kept anywhere readable
    receipt = receipts[ANONYMOUS]
    assert [(t, c) for t, c, _, v in dump if receipt.code in v or (receipt.pin and receipt.pin in v)] == []


def test_identified_details_are_sealed_and_shown_to_the_assigned_officer_only(
        bot: ChatBot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    run_the_complaints(bot, follow=False)
    name, phone = SECRETS[IDENTIFIED]["name"], SECRETS[IDENTIFIED]["phone"]
    assigned = bot.texts_to(OFFICER)
    others = bot.texts_to(OFFICER_2) + bot.texts_to(ADMIN)
    assert any(name in t and phone in t for t in assigned)
    assert [t for t in others if found_in(t, IDENTIFIED)] == []
    assert [r.getMessage() for r in caplog.records if found_in(r.getMessage(), IDENTIFIED)] == []
    hits = [(table, column) for table, column, _, value in database_dump(bot) if found_in(value, IDENTIFIED)]
    assert hits == []  # the account, name and phone only inside the sealed identity


@pytest.mark.parametrize("end", ["cancel", "expire"])
def test_a_complaint_given_up_leaves_no_trace_either(bot: ChatBot, end: str) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from storage.conversation_models import Conversation

    say(bot, ANONYMOUS, "ร้องเรียน")
    say(bot, ANONYMOUS, "ช่วยเหลือ")  # a help word mid-flow is the flow's to answer, and scrubbed like the rest
    if end == "cancel":
        assert "ยกเลิกการร้องเรียนแล้ว" in say(bot, ANONYMOUS, "ยกเลิก")["text"]
    else:
        with bot.services.uow() as uow:
            uow.session.execute(update(Conversation).values(expires_at=utcnow() - timedelta(seconds=1)))
            uow.commit()
        assert bot.expire_conversations() == 1  # the worker's periodic sweep
        assert any("หมดเวลา" in m.get("text", "") for m in bot.fake.messages_to(ANONYMOUS))
    bot.wait_idle()
    assert [(t, c) for t, c, _, v in database_dump(bot) if ANONYMOUS in v] == []
