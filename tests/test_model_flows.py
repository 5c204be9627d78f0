"""A model-based test over every flow and role at once (issue #15, "the test that keeps it so"): hypothesis's
`RuleBasedStateMachine` drives a head, a citizen, an officer and an admin with random sequences of entry
words, flow answers, `ยกเลิก`, other flows' words mid-flow, stale and made-up postback buttons, stickers,
photos, files, locations, voice messages, long texts and timeouts, in process on a real database
(tests/support/inprocess.py). After every step:

- every event got an answer, and no event failed;
- `ยกเลิก` ended whatever flow was running, with a reply;
- no report or complaint was lost or duplicated: there are exactly as many as the bot said it saved
  ("บันทึกรายงานเรียบร้อย", a receipt's tracking code), each version once;
- a pasted plan ("นำเข้าแผน") adds measures only when the admin confirmed it, and deactivates none;
- nobody saw what their role must not: a complaint's text never reaches a head or the admin, an officer's
  internal note never reaches the complainant.

The bot's record of what it sent only grows, so the invariants read each message once, as it arrives
(`Transcript`: running counts and the role check per new message), and count rows in the database with
SQL, instead of reading all history again after every step: the same checks, in time linear in the run.

The run prints how many steps it took (ITABOT_MODEL_EXAMPLES × up to ITABOT_MODEL_STEPS: 40 × 60 on SQLite,
10 × 60 on PostgreSQL by default, thousands in all).
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select, update

from domain.thai_text import to_arabic_digits
from storage.clock import utcnow
from storage.complaint_models import Complaint
from storage.conversation_models import Conversation
from storage.models import InboxStatus
from storage.plan_models import Measure, ProgressReport
from tests.support.botcli import bind
from tests.support.complaints import MODE_LABELS, TYPE_LABELS
from tests.support.inprocess import ChatBot, InProcessPlatform
from tests.support.plans import load_plan, small_plan
from texts import chat

pytestmark = pytest.mark.long  # the suite's longest test: run first (tests/conftest.py)

HEAD, CITIZEN, OFFICER, ADMIN = ("U" + c * 32 for c in "1a9c")
PEOPLE = {"head": HEAD, "citizen": CITIZEN, "officer": OFFICER, "admin": ADMIN}
SECRET = "ลับเฉพาะ-ข้อความร้องเรียน-๔๒"  # a complaint's text: never to a head or the admin
NOTE = "บันทึกภายใน-ห้ามผู้ร้องเห็น-๗"  # an officer's internal note: never to the complainant
OWN_WORDS = "ข้อความของผู้พิมพ์เอง-๙"  # what a head or the admin types where others type SECRET
# The same derandomized runs on both databases: all 40 on SQLite, the first 10 on PostgreSQL (the run is
# the suite's longest; scripts/test runs both, so a CI run takes about 3,000 steps in all)
EXAMPLES = int(os.environ.get("ITABOT_MODEL_EXAMPLES",
                              "10" if os.environ.get("ITABOT_TEST_DATABASE_URL") else "40"))
STEPS = int(os.environ.get("ITABOT_MODEL_STEPS", "60"))

# the admin's pasted plan (a measure table with its header row, as Word pastes it)
PASTED_PLAN = "มาตรการ\tขั้นตอน\tผู้รับผิดชอบ\tระยะเวลาดำเนินการ\nมาตรการทดสอบการวาง\t1. ประชุม\tกองคลัง\tไตรมาส 2"
ENTRY_WORDS = ["รายงาน", "ร้องเรียน", "เรื่องร้องเรียน", "เปิด 1", "เปิด 2", "ตั้งรอบ", "ขอรายงาน", "สรุป", "ติดตาม",
               "นำเข้าแผน", "นำเข้าแผน\n" + PASTED_PLAN,
               "ช่วยเหลือ", "รายงาน ม.1 เสร็จแล้ว 100% จัดประชุมแล้ว", "รายงาน ม.2 เสร็จแล้ว 50% ทดสอบ",
               "รายงาน 1 กำลังทำ 40 ร่างประกาศ", "รายงาน ม.1 มีปัญหา 20% ติดขั้นตอน", "ม.1"]
ANSWERS = [
    # the report flow
    "ยังไม่เริ่ม", "กำลังดำเนินการ", "ดำเนินการแล้วเสร็จ", "มีปัญหา-อุปสรรค", "เสร็จแล้ว 40%", "50%", "150", "ข้าม",
    "จัดประชุมชี้แจงบุคลากรแล้ว", "ไม่มี", "งบประมาณไม่พอ", "เสร็จ", "ยืนยัน", "แก้ไข", "สถานะ", "ผลการดำเนินงาน",
    "ม.1", "ม.2", "ม.99",
    # the complaint flow
    "ไม่ระบุตัวตน", "ปกปิดตัวตน", "เปิดเผยตัวตน", "ทุจริต/ประพฤติมิชอบ", "ร้องทุกข์ทั่วไป", SECRET, "ใช่", "ไม่ใช่",
    "ยืนยันส่ง", "ปิดบังให้", "สมหญิง ทดสอบ", "081-234-5678",
    # the officer's case
    "เปลี่ยนสถานะ", "คัดกรอง", "ตรวจสอบข้อเท็จจริง", "ยุติเรื่อง", NOTE, "ส่งข้อความถึงผู้ร้อง", "ดูไทม์ไลน์",
    "ปิดหน้านี้",
    # the admin's rounds and report files
    "รายไตรมาส", "ราย 6 เดือน", "ตามแผน", "รายปี", "7", "10", "รอบ 6 เดือน", "สถิติเรื่องร้องเรียน", "Word", "Excel",
    # the admin's pasted plan (a measure table with its header row, as Word pastes it)
    PASTED_PLAN,
    # small talk and noise
    "สวัสดีครับ", "ขอบคุณครับ", "👍", "hello", "อะไรนะ", "?", "",
]
POSTBACKS = ["report:start", "complaint:start", "report:pick:1", "report:pick:2", "report:pick:99", "report:page:1",
             "complaint:open:1", "complaint:open:99", "rounds:start", "nonsense:data", ""]


class Transcript:
    """Everything the bot has sent, read once per message in the order LINE accepted it (the fake
    platform's record only grows): the running counts the invariants compare with the database, and every
    message that reached someone whose role must not see it."""

    def __init__(self, fake: InProcessPlatform) -> None:
        self.fake = fake
        self.read = 0  # deliveries read so far
        self.saved = self.receipts = self.plans_added = 0
        self.leaks: list[tuple[str, str]] = []  # (user, text)

    def catch_up(self) -> list[tuple[str, dict[str, Any]]]:
        """Read the deliveries made since the last call: (recipient, message) for each message."""
        new = self.fake.state.deliveries_from(self.read)
        self.read += len(new)
        messages = [(user, m) for d in new for user in d.to for m in d.messages]
        for user, message in messages:
            text = message.get("text", message.get("altText", ""))  # as ChatBot.texts_to reads it
            if user == HEAD:
                self.saved += text.count("บันทึกรายงานเรียบร้อย")
            elif user == CITIZEN:
                self.receipts += text.count("รหัสติดตามเรื่อง:")
            elif user == ADMIN:
                self.plans_added += text.count("เพิ่มใหม่ 1 ปรับปรุง")
            forbidden = {HEAD: SECRET, ADMIN: SECRET, CITIZEN: NOTE}.get(user)
            if forbidden is not None and to_arabic_digits(forbidden) in to_arabic_digits(text):
                self.leaks.append((user, text))
        return messages


class ChatModel(RuleBasedStateMachine):
    bot: ClassVar[ChatBot]
    transcript: ClassVar[Transcript]
    steps: ClassVar[int] = 0

    def __init__(self) -> None:
        super().__init__()
        self.last_text: dict[str, str] = {}

    # -- sending ------------------------------------------------------------------------------------------------
    def _send(self, user: str, event: dict[str, Any]) -> list[dict[str, Any]]:
        self.transcript.catch_up()
        self.bot.fake.send_events([event])
        self.bot.wait_idle()
        ChatModel.steps += 1
        answers = [m for to, m in self.transcript.catch_up() if to == user]
        assert answers, f"no answer to {event.get('message', event.get('postback'))!r}"
        self.last_text[user] = "\n".join(m.get("text", m.get("altText", "")) for m in answers)
        return answers

    def _text(self, user: str, text: str) -> list[dict[str, Any]]:
        return self._send(user, self.bot.fake.text_event(user, text))

    # -- rules --------------------------------------------------------------------------------------------------
    @rule(who=st.sampled_from(list(PEOPLE)), word=st.sampled_from(ENTRY_WORDS))
    def entry_word(self, who: str, word: str) -> None:
        self._text(PEOPLE[who], word)

    @rule(who=st.sampled_from(list(PEOPLE)), answer=st.sampled_from(ANSWERS))
    def answer(self, who: str, answer: str) -> None:
        if answer == SECRET and who in ("head", "admin"):  # their own words come back to them in summaries
            answer = OWN_WORDS  # (a head's report problems): only a complainant's must never reach them
        self._text(PEOPLE[who], answer or " ")

    @rule(confirm=st.booleans())
    def admin_pastes_a_plan(self, confirm: bool) -> None:
        """The admin's "นำเข้าแผน" with a table in one message (its preview), and maybe ยืนยัน."""
        self._text(ADMIN, "นำเข้าแผน\n" + PASTED_PLAN)
        if confirm:
            self._text(ADMIN, "ยืนยัน")

    @rule(flow=st.sampled_from(["report", "anonymous", "confidential", "identified"]), now=st.integers(0, 2))
    def a_whole_flow(self, flow: str, now: int) -> None:
        """Now and then (one draw in three) a flow gone through to the end, from wherever its person was: a
        head's report saved or a citizen's complaint filed, its text the SECRET the invariants then look for
        in what heads and the admin get. Random answers alone almost never finish one."""
        if now:
            return
        seen = self.transcript
        self._text(HEAD if flow == "report" else CITIZEN, "ยกเลิก")
        if flow == "report":
            saved = seen.saved
            self._text(HEAD, "รายงาน ม.2 กำลังทำ 60% " + OWN_WORDS)
            self._text(HEAD, "ยืนยัน")
            assert seen.saved == saved + 1, self.last_text[HEAD]
            return
        receipts = seen.receipts
        self._text(CITIZEN, "ร้องเรียน")
        self._text(CITIZEN, MODE_LABELS[flow])
        if flow == "identified":
            self._text(CITIZEN, "สมหญิง ทดสอบ")
            self._text(CITIZEN, "081-234-5678")
        for answer in (TYPE_LABELS["corruption"], SECRET, "เสร็จ"):
            self._text(CITIZEN, answer)
        # the category: its suggestion taken, or (none suggested for this text) the first one picked
        self._text(CITIZEN, "1" if chat.COMPLAINT_ASK_CATEGORY in self.last_text[CITIZEN] else "ใช่")
        for answer in ("ข้าม", "ข้าม", "ข้าม", "ยืนยันส่ง"):
            self._text(CITIZEN, answer)
        if "ก่อนส่ง" in self.last_text[CITIZEN]:  # a warning before sending: hidden, then sent
            self._text(CITIZEN, "ปิดบังให้")
            self._text(CITIZEN, "ยืนยันส่ง")
        assert seen.receipts == receipts + 1, self.last_text[CITIZEN]

    @rule(who=st.sampled_from(list(PEOPLE)))
    def cancel(self, who: str) -> None:
        user = PEOPLE[who]
        self._text(user, "ยกเลิก")
        with self.bot.services.uow() as uow:
            assert uow.conversations.get(self.bot.org_id, user) is None, "ยกเลิก left a flow running"

    @rule(who=st.sampled_from(list(PEOPLE)), data=st.sampled_from(POSTBACKS))
    def postback(self, who: str, data: str) -> None:
        user = PEOPLE[who]
        self._send(user, self.bot.fake.postback_event(user, data or "x"))

    @rule(who=st.sampled_from(list(PEOPLE)),
          kind=st.sampled_from(["sticker", "photo", "file", "location", "audio"]))
    def media(self, who: str, kind: str) -> None:
        user, fake = PEOPLE[who], self.bot.fake
        event = {"sticker": lambda: fake.sticker_event(user), "photo": lambda: fake.image_event(user),
                 "file": lambda: fake.file_event(user, "หลักฐาน.pdf", b"%PDF-1.4 evidence"),
                 "location": lambda: fake.location_event(user, "สำนักงาน", "ถนนหลัก", 13.75, 100.5),
                 "audio": lambda: fake.audio_event(user)}[kind]()
        self._send(user, event)

    @rule(who=st.sampled_from(list(PEOPLE)), size=st.sampled_from([3001, 5000]))
    def long_text(self, who: str, size: int) -> None:
        self._text(PEOPLE[who], ("ข้อความยาวมาก " * 400)[:size])

    @rule(who=st.sampled_from(list(PEOPLE)), swept=st.booleans())
    def timeout(self, who: str, swept: bool) -> None:
        """Everyone's flows are left past their timeout: the worker's sweep ends them (a note by push, or
        none for an idle case), or this person comes back first and the note is the answer."""
        user = PEOPLE[who]
        with self.bot.services.uow() as uow:  # (the chat key is stored keyed: all rows are aged)
            uow.session.execute(update(Conversation).values(expires_at=utcnow() - timedelta(seconds=1)))
            uow.commit()
        if swept:
            self.bot.expire_conversations()
            ChatModel.steps += 1
        else:
            self._text(user, "สวัสดีครับ")
        with self.bot.services.uow() as uow:
            assert uow.conversations.get(self.bot.org_id, user) is None

    # -- invariants ---------------------------------------------------------------------------------------------
    @invariant()
    def no_event_failed(self) -> None:
        with self.bot.services.uow() as uow:
            counts = uow.inbox.counts_by_status()
        assert not counts.get(InboxStatus.FAILED.value), counts

    @invariant()
    def nothing_lost_or_doubled(self) -> None:
        seen = self.transcript
        seen.catch_up()
        version = (ProgressReport.measure_id, ProgressReport.unit_id, ProgressReport.round_id,
                   ProgressReport.version)
        with self.bot.services.uow() as uow:
            reports = uow.session.scalar(select(func.count()).select_from(ProgressReport))
            doubled = list(uow.session.execute(select(*version).group_by(*version).having(func.count() > 1)))
            complaints = uow.session.scalar(select(func.count()).select_from(Complaint))
        assert reports == seen.saved, (reports, seen.saved)
        assert not doubled, doubled
        assert complaints == seen.receipts, (complaints, seen.receipts)

    @invariant()
    def pasted_measures_only_add_and_only_when_confirmed(self) -> None:
        self.transcript.catch_up()
        added = self.transcript.plans_added
        with self.bot.services.uow() as uow:
            active = uow.session.scalar(select(func.count()).select_from(Measure).where(Measure.active.is_(True)))
        assert active == len(small_plan()) + added, (active, added)

    @invariant()
    def nobody_sees_what_their_role_must_not(self) -> None:
        self.transcript.catch_up()
        assert not self.transcript.leaks, self.transcript.leaks

    def teardown(self) -> None:
        for user in PEOPLE.values():  # the next run starts with nobody in a flow
            self._text(user, "ยกเลิก")


def test_every_flow_and_role_under_random_sequences(start_chat_bot) -> None:  # type: ignore[no-untyped-def]
    bot: ChatBot = start_chat_bot(COMPLAINT_DAILY_LIMIT=100000)
    load_plan(bot.services.uow, bot.org_id, small_plan())
    bind(bot, HEAD, "head", "สำนักปลัด")
    bind(bot, OFFICER, "officer")
    bind(bot, ADMIN, "admin")
    with bot.services.uow() as uow:  # the plan's measures are numbered 1.. in the made-up buttons too
        assert sorted(uow.session.scalars(select(Measure.seq)))[:2] == [1, 2]
    ChatModel.bot, ChatModel.steps = bot, 0
    ChatModel.transcript = Transcript(bot.fake)
    run_state_machine_as_test(ChatModel, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))
    seen = ChatModel.transcript
    print(f"\nmodel-based run: {ChatModel.steps} steps over {EXAMPLES} runs; {seen.saved} reports saved, "
          f"{seen.receipts} complaints filed, {seen.plans_added} pasted plans added")
    assert ChatModel.steps >= EXAMPLES
    if EXAMPLES >= 10:  # the checks on saved reports, filed complaints and their texts had something to check
        assert seen.saved and seen.receipts and seen.plans_added, (seen.saved, seen.receipts, seen.plans_added)
