"""Whistleblower protection, checked where it matters: after identified, confidential and anonymous
complaints have been filed, followed up, answered and relayed, nothing ties an anonymous or confidential
complainant's LINE account, phone or national ID to anything — not in any log line, not in any message to
officers or administrators, not in the statistics, not in any table of the database (the sealed identity
is ciphertext). A complainant who never wrote to the bot before leaves no trace at all; one who follows the
bot has what every follower has (the `members` row, the follow event and its greeting, until retention
scrubs those two), all from before the complaint and referencing nothing of it."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from domain.fiscal import fiscal_year_of
from storage.clock import utcnow
from storage.conversation_models import Evidence
from storage.models import InboxEvent, Member, OutboxMessage
from storage.schema import metadata
from tests.conftest import RunningBot
from tests.support.botcli import bind, run_cli
from tests.support.chat import say, send
from tests.support.complaints import Receipt, file_complaint
from texts import chat

ANONYMOUS = "U" + "a1" * 16
CONFIDENTIAL = "U" + "c2" * 16
IDENTIFIED = "U" + "e3" * 16
OFFICER = "U" + "0f" * 16
OFFICER_2 = "U" + "1f" * 16
ADMIN = "U" + "ad" * 16
OTHERS = ("U" + "b4" * 16, "U" + "d5" * 16)  # people writing to the bot around a complaint

# What each complainant might be found by. The anonymous and confidential ones type their phone and
# national ID into the complaint, are warned, and have them masked.
SECRETS = {
    ANONYMOUS: {"phone": "089-123-4567", "national_id": "1-1017-00203-45-0", "name": "วิชัย ลับที่สุด"},
    CONFIDENTIAL: {"phone": "086-555-0101", "national_id": "3-1005-01234-56-3", "name": "มานี ปิดชื่อ"},
    IDENTIFIED: {"phone": "081-777-8899", "national_id": "1-1002-00345-67-0", "name": "สมหญิง ใจกล้า"},
}


def needles(user_id: str) -> list[str]:
    secrets = SECRETS[user_id]
    digits = [re.sub(r"\D", "", secrets["phone"]), re.sub(r"\D", "", secrets["national_id"])]
    return [user_id, secrets["name"], secrets["phone"], secrets["national_id"], *digits]


def found_in(text: str, user_id: str) -> list[str]:
    digits_only = re.sub(r"\D", "", text)
    return [n for n in needles(user_id) if n in text or (n.isdigit() and n in digits_only)]


def database_dump(bot: RunningBot) -> list[tuple[str, str, Any, str]]:
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


def run_the_complaints(bot: RunningBot, follow: bool = True) -> dict[str, Receipt]:
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


def follower_rows(bot: RunningBot, hits: list[tuple[str, str, Any]]) -> set[tuple[str, str]]:
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
def test_no_trace_of_anonymous_or_confidential_complainants(bot: RunningBot, caplog: pytest.LogCaptureFixture,
                                                           user: str, follow: bool) -> None:
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
                                            ("follow event", "payload"), ("greeting", "recipients"),
                                            ("greeting", "chat_key")}  # (scrubbed with its recipients)
        with bot.services.uow() as uow:
            member = uow.session.scalar(select(Member).where(Member.line_user_id == user))
        assert member is not None and member.display_name is None and member.role == "citizen"
    else:
        assert hits == []
    # nor is the anonymous receipt (code and PIN) kept anywhere readable
    receipt = receipts[ANONYMOUS]
    assert [(t, c) for t, c, _, v in dump if receipt.code in v or (receipt.pin and receipt.pin in v)] == []


def test_identified_details_are_sealed_and_shown_to_the_assigned_officer_only(
        bot: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
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
def test_a_complaint_given_up_leaves_no_trace_either(bot: RunningBot, end: str) -> None:
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
        assert bot.fake.wait_for(lambda: any("หมดเวลา" in m.get("text", "")
                                             for m in bot.fake.messages_to(ANONYMOUS)), timeout=10)
    bot.wait_idle()
    assert [(t, c) for t, c, _, v in database_dump(bot) if ANONYMOUS in v] == []


# -- timing: nothing orders or times a complaint against the events around it ------------------------------
NEAR = timedelta(seconds=5)
COMPLAINT_TABLES = frozenset({"complaints", "complaint_entries"})


def away_from_the_hour() -> None:
    """A complainant's doings are kept to the hour: start where no row this test writes can fall within
    NEAR of an hour's start by chance (at worst a two-minute wait, one run in thirty)."""
    into = utcnow().minute * 60 + utcnow().second
    if into < 10:
        time.sleep(10 - into)
    elif into > 3600 - 120:
        time.sleep(3600 - into + 10)


def row_times(bot: RunningBot) -> list[tuple[str, str, Any, datetime, bool]]:
    """(table, column, primary key, time, whether the row is the complaint's) for every time in the
    database; the complaint's rows are its case, its timeline and its evidence."""
    times = []
    with bot.services.engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(table.select()).mappings():
                mine = table.name in COMPLAINT_TABLES or (table.name == "evidence"
                                                          and row["owner_kind"] == "complaint")
                times += [(table.name, column, row.get("id"), value, mine)
                          for column, value in row.items() if isinstance(value, datetime)]
    return times


@pytest.fixture
def bot_away_from_the_hour(start_bot: Callable[..., RunningBot]) -> RunningBot:
    """The bot started clear of an hour's start: the rows it writes as it starts (its organisation...) are
    the test's too (waiting once it had started failed when the bot started within NEAR of the hour)."""
    away_from_the_hour()
    return start_bot()


def test_nothing_times_or_orders_an_anonymous_complaint_against_the_events_around_it(
        bot_away_from_the_hour: RunningBot) -> None:
    bot = bot_away_from_the_hour
    for user in (*OTHERS, ANONYMOUS):
        bot.fake.send_events([bot.fake.follow_event(user)])
    bot.wait_idle()
    say(bot, ANONYMOUS, "สวัสดี")  # the complainant's own events, kept as anyone's, right before
    say(bot, OTHERS[0], "สวัสดี")
    receipt = file_complaint(bot, ANONYMOUS, mode="anonymous", evidence=1)
    say(bot, OTHERS[1], "สวัสดี")
    say(bot, ANONYMOUS, receipt.follow_up)
    say(bot, ANONYMOUS, f"ตอบ {receipt.code} {receipt.pin} ขอบคุณครับ")
    say(bot, OTHERS[0], "ช่วยเหลือ")
    bot.wait_idle()

    def settled() -> bool:
        with bot.services.uow() as uow:
            return uow.session.scalar(select(func.count()).where(Evidence.status == "pending")) == 0
    assert bot.fake.wait_for(settled, timeout=10)

    with bot.services.uow() as uow:
        events = list(uow.session.scalars(select(InboxEvent).order_by(InboxEvent.id)))
        private = list(uow.session.scalars(select(OutboxMessage.id).where(OutboxMessage.private.is_(True))))
        [evidence] = uow.session.scalars(select(Evidence))
    # The inbox keeps everyone's other events as they were, and no row at all of the complaint's: no
    # id, time or outcome ("complaint:start->mode") right after the complainant's "สวัสดี".
    assert [e.event_type for e in events if e.chat_key == ANONYMOUS] == ["follow", "message"]
    assert [(e.id, e.chat_key, e.outcome) for e in events if e.scrubbed_at is not None
            or e.chat_key not in (ANONYMOUS, *OTHERS) or (e.outcome or "").startswith("complaint")] == []
    assert private == []  # the answers about it went once sent
    # Its evidence keeps no LINE message id (LINE numbers messages in the order they are sent).
    assert evidence.owner_kind == "complaint" and not evidence.line_message_id.isdigit()
    # No time kept for the complaint (receipt, timeline, evidence) is within seconds of another row's.
    times = row_times(bot)
    mine = [(table, column, key, value) for table, column, key, value, is_mine in times if is_mine]
    others = [(table, column, key, value) for table, column, key, value, is_mine in times if not is_mine]
    assert {table for table, *_ in mine} == {"complaints", "complaint_entries", "evidence"}
    assert len(others) > 20
    assert [(a[:3], b[:3]) for a in mine for b in others if abs(a[3] - b[3]) <= NEAR] == []


def test_a_complaint_event_redelivered_after_it_was_handled_is_not_handled_again(bot: RunningBot) -> None:
    from storage.models import InboxTombstone

    event = bot.fake.text_event(ANONYMOUS, "ร้องเรียน")
    send(bot, event)
    bot.wait_idle()
    answered = len(bot.fake.messages_to(ANONYMOUS))
    assert bot.fake.redeliver(event).status_code == 200
    bot.wait_idle()
    assert len(bot.fake.messages_to(ANONYMOUS)) == answered
    with bot.services.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(InboxEvent)) == 0
        [tombstone] = uow.session.scalars(select(InboxTombstone.event_hash))
    assert event["webhookEventId"] not in tombstone


# -- the daily intake counter: unlinkable once its day is over ---------------------------------------------
def test_yesterdays_intake_counters_can_be_tied_to_nobody(bot: RunningBot) -> None:
    from storage.complaint_models import ComplaintIntakeCount

    bot.fake.send_events([bot.fake.follow_event(ANONYMOUS)])  # a member, like every follower
    bot.wait_idle()
    file_complaint(bot, ANONYMOUS, mode="anonymous")
    keys = bot.services.complaints.keys
    today = utcnow().astimezone(ZoneInfo("Asia/Bangkok")).date()
    with bot.services.uow() as uow:
        counters = list(uow.session.scalars(select(ComplaintIntakeCount)))
        members = list(uow.session.scalars(select(Member.line_user_id)))
        assert [c.count for c in counters] == [1] and ANONYMOUS in members
        # What anyone holding the database and COMPLAINT_KEY computes for every member matches no counter.
        tested = {keys._account("intake", member, day.isoformat()) for member in members
                  for day in (today, today - timedelta(days=1))}
        assert tested.isdisjoint(c.key_hash for c in counters)
        assert uow.complaints.intake_count(keys.intake_hash(ANONYMOUS, today)) == 1  # the limit still works
        secrets = uow.session.execute(text("SELECT day, secret FROM complaint_day_secrets")).all()
        assert [day for day, _ in secrets] == [today.isoformat()]
        # The day is over (as if the complaint and its secret were yesterday's)...
        yesterday = (today - timedelta(days=1)).isoformat()
        uow.session.execute(text("UPDATE complaint_day_secrets SET day = :d"), {"d": yesterday})
        uow.session.execute(text("UPDATE complaint_intake_counts SET day = :d"), {"d": yesterday})
        uow.commit()
    # ...and the next day's first use, anyone's, destroys its secret and its counters.
    say(bot, CONFIDENTIAL, "ร้องเรียน")
    with bot.services.uow() as uow:
        assert uow.session.execute(text("SELECT day FROM complaint_day_secrets")).all() == []
        assert list(uow.session.scalars(select(ComplaintIntakeCount))) == []


def test_the_worker_ends_a_day_of_intake_counters_even_when_nobody_files_after_it(bot: RunningBot) -> None:
    from usecases.complaint_retention import end_intake_days

    file_complaint(bot, ANONYMOUS, mode="anonymous")
    assert end_intake_days(bot.services.uow) == 0  # today's counters are still needed
    assert end_intake_days(bot.services.uow, utcnow() + timedelta(days=1)) == 1
    with bot.services.uow() as uow:
        assert uow.session.execute(text("SELECT day FROM complaint_day_secrets")).all() == []


# -- drafts: a complaint being written is sealed at rest ---------------------------------------------------
def test_an_open_complaint_draft_keeps_neither_the_account_nor_the_text_in_clear(bot: RunningBot) -> None:
    from storage.conversation_models import Conversation

    draft = "ผอ.กองช่างรับเงินผู้รับเหมาซอยลับเก้า"
    for answer in ("ร้องเรียน", "ไม่ระบุตัวตน", "ทุจริต/ประพฤติมิชอบ", draft):  # still writing the details
        say(bot, ANONYMOUS, answer)
    with bot.services.engine.connect() as connection:
        rows = [dict(row) for row in connection.execute(Conversation.__table__.select()).mappings()]
    assert len(rows) == 1
    for value in rows[0].values():
        raw = bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
        for needle in (ANONYMOUS, draft, "ผอ.กองช่าง"):
            assert needle.encode() not in raw, (needle, value)
    with bot.services.uow() as uow:  # the flow reads its draft back
        row = uow.conversations.get(bot.org_id, ANONYMOUS)
        assert row is not None and row.chat_key == ANONYMOUS and row.flow == "complaint"
        assert draft in json.dumps(row.data, ensure_ascii=False)
    say(bot, ANONYMOUS, "เสร็จ")
    assert "ยกเลิกการร้องเรียนแล้ว" in say(bot, ANONYMOUS, "ยกเลิก")["text"]
