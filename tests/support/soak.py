"""A fault-injection soak (issue #14): many simulated LINE users go through the real flows over signed webhooks
to gunicorn and several `itabot worker` processes on one database, while the fake LINE platform injects
random faults (linesim.chaos) and workers are killed with SIGKILL and restarted. Used by tests/test_soak.py
(a modest run) and bench/soak.py (a larger one, with figures).

The users:
- heads report progress: the one-message shortcut; the first `guided_heads` then go through the guided flow
  too (status, problems, a photo as evidence, confirm);
- citizens file a corruption complaint, anonymous, confidential and identified in turn (ten to twelve
  steps), every other one with a photo and a file as evidence, and read their receipt's code and PIN; a
  confidential or identified one then waits for the officer's message and answers it ("ตอบ <code> …");
- followers (one per anonymous citizen, from another account) ask for help, then follow that complaint by
  its code and PIN once it exists;
- officers: each complaint is pushed to every officer; officer k opens the complaints of citizens k, k +
  `officers`, … ("เปิด <id>", which assigns it to them), sends the complainant `relays` messages through
  the case card, and closes it. The bot pushes the messages to a confidential or identified complainant and
  keeps them in the case for an anonymous one; the complainant's answer is pushed to the officer.
A user sends their next message only after the answer to the last one arrived, as a person does; users who
are ready at the same moment go in one webhook body, as LINE batches them.

`SoakRun.run()` returns a `SoakReport`: per user, every answer, in order; the pushes that answer no step of
theirs (notices: new complaints and relayed messages), each exactly once and relays in order; what was
doubled or lost; the evidence stored (once per file sent); what an officer or a log was shown of a
complainant who did not choose to be identified; the database's end state; the faults injected and the
kills survived.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, select

from bot.config import Settings
from bot.line.evidence_fetcher import LEASE as EVIDENCE_LEASE
from bot.services import Services
from linesim import FakeLinePlatform
from linesim.chaos import Chaos
from linesim.state import Delivery
from storage.clock import utcnow
from storage.complaint_models import Complaint
from storage.conversation_models import Evidence
from storage.models import InboxEvent, InboxStatus, Role
from tests.conftest import wait_for
from tests.support.plans import load_plan, small_plan
from texts import chat

ROOT = Path(__file__).resolve().parents[2]
RETRIED = re.compile(r"ERROR \[\d+\] handlers\.processor: event \d+ \(\w+\) failed on attempt \d+$")
HOUSEKEEPING = re.compile(r"ERROR \[\d+\] bot\.worker: worker housekeeping failed; trying again$")
KEPT_FAILED = re.compile(r"ERROR \[\d+\] handlers\.processor: event \d+ kept as failed after \d+ attempts$")
POISONED = "U" + "e" * 32  # the poisoned event's sender
CODE = re.compile(r"รหัสติดตามเรื่อง: (ร-[0-9A-Z]{4}-[0-9A-Z]{2})")
PIN = re.compile(r"PIN: (\d{6})")
MODES = ("anonymous", "confidential", "identified")
MODE_LABELS = {"anonymous": "ไม่ระบุตัวตน", "confidential": "ปกปิดตัวตน", "identified": "เปิดเผยตัวตน"}
# pushes that answer no step of the user's own: new complaints and messages relayed either way
NEW_COMPLAINT = chat.COMPLAINT_NEW_FOR_OFFICER.split("{")[0]
FROM_COMPLAINANT = chat.COMPLAINT_FROM_COMPLAINANT.split("{")[0]
FROM_OFFICER = chat.COMPLAINT_MESSAGE_PUSH.split("{")[0]
NOTICES = (NEW_COMPLAINT, FROM_COMPLAINANT, FROM_OFFICER)
DEFAULT_RATES = {"late": 0.04, "timeout": 0.03, "500": 0.04, "429": 0.03, "reset_after": 0.03,
                 "reset_before": 0.03}


@dataclass
class SoakConfig:
    heads: int = 35
    citizens: int = 36  # anonymous, confidential, identified in turn; a follower for each anonymous one
    officers: int = 3
    guided_heads: int = 35  # the first heads also go through the guided report flow, with a photo
    shortcut_reports: int = 2  # heads not in the guided flow: how many one-message reports they send (1 or 2)
    relays: int = 2  # messages an officer sends each complainant through the case card
    web_workers: int = 2
    bot_workers: int = 2
    delivery_threads: int = 2
    event_threads: int = 2
    kill_at: tuple[float, ...] = (0.3, 0.6)  # SIGKILL a worker (and start another) at these shares of answers
    rates: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_RATES))
    seed: int = 14
    max_body_events: int = 10  # users ready together share a webhook body, up to this many events
    timeout: float = 240.0
    line_request_timeout: float = 1.0  # the fake's "timeout" fault answers after twice this
    inbox_lease_seconds: float = 10.0
    outbox_lease_seconds: float = 5.0
    poison: bool = True  # one stored event that cannot be parsed (a timestamp of -99999999999999999)

    @property
    def anonymous(self) -> int:
        return len([n for n in range(self.citizens) if MODES[n % len(MODES)] == "anonymous"])

    @property
    def users(self) -> int:
        return self.heads + self.citizens + self.anonymous + self.officers


# ----- the users ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Media:
    """A photo or file message; LINE serves `content` for it (each file sent in a soak is unique)."""

    kind: str  # "image" | "file"
    content: bytes
    file_name: str = ""


Message = str | Media
Step = tuple[Message | Callable[[], Message | None], str | None]  # (what to send or "not yet" getter, a marker its answer holds)


@dataclass
class User:
    user_id: str
    kind: str
    steps: list[Step]
    next_step: int = 0
    waiting_since: float | None = None  # sent, answer not yet seen
    sent_at: list[float] = field(default_factory=list)
    answered_at: list[float] = field(default_factory=list)
    answers: list[Delivery] = field(default_factory=list)
    notices: list[Delivery] = field(default_factory=list)  # pushes that answer none of their steps

    @property
    def done(self) -> bool:
        return self.next_step >= len(self.steps) and self.waiting_since is None

    def next_message(self) -> Message | None:
        message, _ = self.steps[self.next_step]
        return message() if callable(message) else message


@dataclass
class Receipt:
    """A citizen's complaint as the soak learns it: the receipt's code and PIN, the complaint's number (for
    its officer), and the officer's messages pushed to the complainant."""

    number: int
    mode: str
    code: str | None = None
    pin: str | None = None
    complaint_id: int | None = None
    relayed: list[str] = field(default_factory=list)


def user_id(kind: int, number: int) -> str:
    return f"U{kind:x}{number:031x}"


def photo(user: str, number: int) -> Media:
    return Media("image", b"\xff\xd8\xff\xe0" + f"soak photo {number} of {user}".encode() + b"\xff\xd9")


def document(user: str, number: int) -> Media:
    return Media("file", f"%PDF-1.4 soak document {number} of {user}\n%%EOF".encode(), f"หลักฐาน-{number}.pdf")


def is_notice(delivery: Delivery) -> bool:
    return delivery.kind != "reply" and any(texts_of(delivery)[0].startswith(p) for p in NOTICES)


def head_steps(user: str, guided: bool, shortcut_reports: int = 2) -> list[Step]:
    """A head of their own unit: ม.2 of tests.support.plans.small_plan is every unit's measure. A one-message
    report is shown back to be confirmed (ยืนยัน) before it is saved."""
    shortcut: list[Step] = [("รายงาน ม.2 กำลังดำเนินการ 50% ร่างประกาศแล้ว", "ตรวจสอบก่อนบันทึก"),
                            ("ยืนยัน", "บันทึกรายงานเรียบร้อย")]
    if not guided:
        second: list[Step] = [("รายงาน ม.2 เสร็จแล้ว 100% จัดประชุมชี้แจงแล้ว", "ตรวจสอบก่อนบันทึก"),
                              ("ยืนยัน", "บันทึกรายงานเรียบร้อย")]
        return (shortcut + second)[:2 * shortcut_reports]
    return [*shortcut, ("รายงาน ม.2", "สถานะการดำเนินงาน"), ("ดำเนินการแล้วเสร็จ", "ผลการดำเนินงาน"),
            ("จัดประชุมชี้แจงแล้ว", "ปัญหา/อุปสรรค"), ("ไม่มี", "แนบหลักฐาน"), (photo(user, 1), "ได้รับรูปภาพ"),
            ("เสร็จ", "ตรวจสอบก่อนบันทึก"), ("ยืนยัน", "บันทึกรายงานเรียบร้อย")]


def identified_name(number: int) -> str:
    """Unique, and no one's is part of another's ("…ที่ 3 …" is not in "…ที่ 30 …")."""
    return f"สมหญิง ผู้ร้องรายที่ {number + 1} ทดสอบ"


def details(number: int) -> str:
    return f"เจ้าหน้าที่เรียกเงินใต้โต๊ะ {number + 1},000 บาท เพื่อเร่งออกใบอนุญาต"


def citizen_steps(user: str, receipt: Receipt) -> list[Step]:
    number = receipt.number
    identity: list[Step] = [(identified_name(number), None), ("081-234-5678", None)] \
        if receipt.mode == "identified" else []
    evidence: list[Step] = [(photo(user, 1), "ได้รับรูปภาพ"), (document(user, 2), "ได้รับไฟล์"), ("เสร็จ", None)] \
        if number % 2 == 0 else [("ข้าม", None)]
    steps: list[Step] = [("ร้องเรียน", None), (MODE_LABELS[receipt.mode], None), *identity,
                         ("ทุจริต/ประพฤติมิชอบ", None), (details(number), None), ("เสร็จ", None), ("ใช่", None),
                         ("ข้าม", None), ("ข้าม", None), *evidence, ("ยืนยันส่ง", "รหัสติดตามเรื่อง")]
    if receipt.mode != "anonymous":  # the officer's first message has come: answer it through the bot
        def answer() -> str | None:
            return f"ตอบ {receipt.code} ได้รับข้อความแล้ว จะส่งเอกสารเพิ่มครับ" if receipt.relayed else None
        steps.append((answer, chat.COMPLAINT_REPLY_SENT.split("{")[0]))
    return steps


def follower_steps(receipt: Receipt) -> list[Step]:
    def follow() -> str | None:
        return None if receipt.code is None else f"ติดตาม {receipt.code} {receipt.pin}"

    return [("ช่วยเหลือ", None), (follow, "ร-")]


def relay_text(receipt: Receipt, number: int) -> str:
    return f"ขอเอกสารเพิ่มเติม ชุดที่ {number + 1} สำหรับเรื่องของผู้ร้องรายที่ {receipt.number + 1}"


def officer_steps(receipts: list[Receipt], relays: int) -> list[Step]:
    """For each of the officer's complaints: open it (once it exists), send `relays` messages, close it."""
    steps: list[Step] = []
    for receipt in receipts:
        def open_case(receipt: Receipt = receipt) -> str | None:
            return None if receipt.complaint_id is None else f"เปิด {receipt.complaint_id}"

        steps.append((open_case, "เรื่องร้องเรียน #"))
        for number in range(relays):
            steps += [("ส่งข้อความถึงผู้ร้อง", "พิมพ์ข้อความถึงผู้ร้องเรียน"),
                      (relay_text(receipt, number), "บันทึกข้อความ")]
        steps.append(("ปิดหน้านี้", "ออกจากเรื่อง"))
    return steps


def texts_of(delivery: Delivery) -> list[str]:
    return [str(m.get("text", m.get("altText", ""))) for m in delivery.messages]


# ----- processes ----------------------------------------------------------------------------------------
def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Processes:
    """gunicorn (the web app) and `itabot worker` processes, each in its own session, logs in `logs`."""

    def __init__(self, env: dict[str, str], logs: Path, config: SoakConfig) -> None:
        self.env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
        self.logs, self.config = logs, config
        self.web: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []
        self.started_workers = 0
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        with open(self.logs / f"{name}.log", "ab") as log:
            return subprocess.Popen(command, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)

    def start_web(self, timeout: float = 90.0) -> None:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        command = [str(gunicorn)] if gunicorn.exists() else [sys.executable, "-m", "gunicorn"]
        self.web = self._spawn("gunicorn", [*command, "--worker-class", "gthread", "--workers",
                                            str(self.config.web_workers), "--threads", "4", "--bind",
                                            f"127.0.0.1:{self.port}", "--log-level", "warning",
                                            "bot:create_app()"])

        def healthy() -> bool:
            assert self.web is not None and self.web.poll() is None, self.log_tail("gunicorn")
            try:
                return requests.get(f"{self.url}/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        assert wait_for(healthy, timeout, 0.1), f"gunicorn not healthy:\n{self.log_tail('gunicorn')}"

    def start_worker(self) -> subprocess.Popen[bytes]:
        self.started_workers += 1
        worker = self._spawn(f"worker-{self.started_workers}", [
            sys.executable, "-c", "from bot.cli.main import main; main()", "worker", "--no-scheduler",
            "--threads", str(self.config.delivery_threads), "--event-threads", str(self.config.event_threads)])
        self.workers.append(worker)
        return worker

    def kill_worker(self, index: int) -> int:
        """SIGKILL one running worker (no cleanup of any kind) and start another in its place."""
        alive = [w for w in self.workers if w.poll() is None]
        victim = alive[index % len(alive)]
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        self.start_worker()
        return victim.pid

    def log_tail(self, name: str, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join((self.logs / f"{name}.log").read_text(errors="replace").splitlines()[-lines:])
        return "(no log)"

    def problems(self) -> tuple[list[str], int, list[str]]:
        """ERROR lines (with the exception that ends their traceback) in every log; an injected fault is
        logged as a warning at most. Apart: an event attempt that failed and is retried (e.g. two heads of one
        unit saving a version of one report at once; the inbox's end state says whether it was handled at
        last), counted; and the worker's housekeeping (quota, retention, expiry, deadlines) failing and trying
        again a little later, listed (seen once under load, cause not yet known: it delays no answer)."""
        found: list[str] = []
        housekeeping: list[str] = []
        retried = 0
        for log in sorted(self.logs.glob("*.log")):
            target: list[str] | None = None
            for line in log.read_text(errors="replace").splitlines():
                if line[:4].isdigit():  # a log line (not a traceback's): ends what came before
                    target = None
                if KEPT_FAILED.search(line):  # the inbox's end state says which (the test: the poison alone)
                    continue
                if RETRIED.search(line):
                    retried += 1
                    continue
                if HOUSEKEEPING.search(line):
                    housekeeping.append(f"{log.name}: {line[:60]}")
                    target = housekeeping
                elif " ERROR " in line or "[CRITICAL]" in line:
                    found.append(f"{log.name}: {line[:200]}")
                    target = found
                elif target is not None and line.strip() and not line.startswith(" ") \
                        and not line.startswith("Traceback") and not line.startswith("The above"):
                    target[-1] += f" — {line.strip()[:200]}"  # an exception line of the traceback
        return found, retried, housekeeping

    def stop(self) -> None:
        for process in [*self.workers, *([self.web] if self.web else [])]:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
        for process in [*self.workers, *([self.web] if self.web else [])]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


# ----- the run ------------------------------------------------------------------------------------------
@dataclass
class SoakReport:
    users: int
    events: int
    answers: int  # deliveries to the simulated users that answer their steps
    expected_answers: int
    doubled: dict[str, int]  # user → answers past one per event
    doubled_details: list[str]  # each doubled user's answers: kind, seconds into the run, first words
    lost: dict[str, int]  # user → events without an answer
    wrong: list[str]  # an answer that is not the one its step expects, or out of order
    notices: int  # pushes answering no step: new complaints to officers, messages relayed either way
    expected_notices: int
    notices_doubled: list[str]  # user and text of a notice delivered more than once
    notices_lost: list[str]  # user and the notice they should have had and did not
    relays_out_of_order: list[str]  # a complainant whose officer's messages came in another order
    evidence_sent: int  # photos and files the users sent
    evidence_stored: int  # of those, stored exactly once and downloaded (status ready)
    evidence_problems: list[str]  # a file stored twice, not at all, or not downloaded
    privacy: list[str]  # an officer or a log shown who an anonymous or confidential complainant is
    reply_tokens_reused: int
    retry_keys_reused: int
    officer_pushes: int  # new-complaint notices to the officers
    complaints: int
    inbox: dict[str, int]
    outbox: dict[str, int]
    chaos: dict[str, int]
    kills: int
    kills_survived: int
    seconds: float
    latencies: list[float]
    problems: list[str]
    retried_events: int  # attempts that failed and were retried (see Processes.problems)
    failed_chats: list[str]  # the chat of each event kept as failed (the poison's alone, when injected)
    housekeeping_retries: list[str]  # the worker's housekeeping failed and tried again (see Processes.problems)
    finished: bool
    done_at: dict[str, float] = field(default_factory=dict)  # kind of user → seconds into the run the last was done

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0

    def lines(self) -> list[str]:
        return [
            f"users {self.users}, events {self.events}, answers {self.answers}/{self.expected_answers}, "
            f"doubled {sum(self.doubled.values())}, lost {sum(self.lost.values())}, wrong/out of order "
            f"{len(self.wrong)}",
            f"notices (new complaints, relayed messages) {self.notices}/{self.expected_notices}, doubled "
            f"{len(self.notices_doubled)}, lost {len(self.notices_lost)}, relays out of order "
            f"{len(self.relays_out_of_order)}; evidence stored once {self.evidence_stored}/{self.evidence_sent}; "
            f"privacy leaks {len(self.privacy)}",
            f"reply tokens used twice {self.reply_tokens_reused}, retry keys accepted twice "
            f"{self.retry_keys_reused}; complaints {self.complaints}, new-complaint pushes {self.officer_pushes}",
            f"faults injected {sum(self.chaos.values())}: "
            + ", ".join(f"{k} {v}" for k, v in sorted(self.chaos.items())),
            f"workers killed (SIGKILL) {self.kills}, survived {self.kills_survived}",
            *self.doubled_details, *self.wrong[:10], *self.notices_doubled[:10], *self.notices_lost[:10],
            *self.relays_out_of_order[:10], *self.evidence_problems[:10], *self.privacy[:10],
            f"inbox {dict(sorted(self.inbox.items()))}; outbox {dict(sorted(self.outbox.items()))}; event "
            f"attempts failed and retried {self.retried_events}; housekeeping retried "
            f"{len(self.housekeeping_retries)}; other errors in the logs {len(self.problems)}",
            *self.housekeeping_retries,
            f"{self.seconds:.1f} s, {self.events / max(self.seconds, 0.001):.1f} events/s; answer latency p50 "
            f"{self.percentile(0.5):.2f} s, p95 {self.percentile(0.95):.2f} s, max {self.percentile(1.0):.2f} s; "
            "the last done at " + ", ".join(f"{kind} {at:.1f} s" for kind, at in self.done_at.items()),
        ]


class SoakRun:
    def __init__(self, config: SoakConfig, fake: FakeLinePlatform, env: dict[str, str], logs: Path) -> None:
        self.config, self.fake, self.env, self.logs = config, fake, env, logs
        self.services = Services.build(Settings.from_env(env))
        self.users: list[User] = []
        self.receipts: list[Receipt] = []
        self.officers = [user_id(0xF, number) for number in range(config.officers)]
        self.evidence_sent: list[bytes] = []
        self.started = 0.0

    # -- setup
    def seed(self) -> None:
        """The plan (tests.support.plans.small_plan), a unit per head with its head bound, the officers."""
        org_id = self.services.org_id()
        load_plan(self.services.uow, org_id, small_plan())
        with self.services.uow() as uow:
            now = utcnow()
            for officer_id in self.officers:
                officer = uow.people.get_or_create_member(org_id, officer_id, now)
                officer.role, officer.bound_at = Role.OFFICER.value, now
            for number in range(self.config.heads):  # a unit each, as in a municipality
                unit = uow.people.add_unit(org_id, f"กองทดสอบที่ {number + 1}", [], now)
                head = uow.people.get_or_create_member(org_id, user_id(0xA, number), now)
                head.role, head.unit_id, head.bound_at = Role.HEAD.value, unit.id, now
                guided = number < self.config.guided_heads
                self.users.append(User(head.line_user_id, "head",
                                       head_steps(head.line_user_id, guided, self.config.shortcut_reports)))
            uow.commit()
        if self.config.poison:
            self._store_poison(org_id)
        for number in range(self.config.citizens):
            receipt = Receipt(number, MODES[number % len(MODES)])
            self.receipts.append(receipt)
            citizen = user_id(0xB, number)
            self.users.append(User(citizen, "citizen", citizen_steps(citizen, receipt)))
            if receipt.mode == "anonymous":
                self.users.append(User(user_id(0xC, number), "follower", follower_steps(receipt)))
        for index, officer_id in enumerate(self.officers):
            self.users.append(User(officer_id, "officer", officer_steps(self.receipts[index::len(self.officers)],
                                                                        self.config.relays)))

    def _store_poison(self, org_id: int) -> None:
        """As an older version stored it (the webhook now cleans such timestamps): it must end `failed`, alone."""
        event = {**self.fake.text_event(POISONED, "ช่วยเหลือ"), "timestamp": -99999999999999999}
        now = utcnow()
        with self.services.uow() as uow:
            uow.session.add(InboxEvent(
                org_id=org_id, webhook_event_id=event["webhookEventId"], chat_key=POISONED,
                event_type="message", payload=event, is_redelivery=False, received_at=now, next_attempt_at=now,
                event_time=None, status=InboxStatus.PENDING.value, attempts=0))
            uow.commit()

    # -- driving
    def _event(self, user: User, message: Message) -> dict[str, Any]:
        if isinstance(message, str):
            return self.fake.text_event(user.user_id, message)
        self.evidence_sent.append(message.content)
        if message.kind == "image":
            return self.fake.image_event(user.user_id, message.content)
        return self.fake.file_event(user.user_id, message.file_name, message.content)

    def _send(self, batch: list[tuple[User, Message]]) -> None:
        events = [self._event(user, message) for user, message in batch]
        now = time.monotonic()
        for user, _ in batch:
            user.waiting_since = now
            user.sent_at.append(now)
        response = self.fake.send_events(events)
        assert response.status_code == 200, (response.status_code, response.text[:300])

    def _see_answers(self, by_user: dict[str, list[Delivery]]) -> int:
        now, answered = time.monotonic(), 0
        for user in self.users:
            seen = by_user.get(user.user_id, [])
            user.notices = [d for d in seen if is_notice(d)]
            seen = [d for d in seen if not is_notice(d)]
            answered += len(seen)
            if user.waiting_since is not None and len(seen) > len(user.answers):
                user.answers = list(seen)
                user.answered_at.append(now)
                if user.kind == "citizen" and user.next_step == self._receipt_step(user):
                    self._read_receipt(user)
                user.waiting_since = None
                user.next_step += 1
            if user.kind == "citizen":
                self.receipts[int(user.user_id[2:], 16)].relayed = [
                    texts_of(d)[0] for d in user.notices if texts_of(d)[0].startswith(FROM_OFFICER)]
        return answered

    @staticmethod
    def _receipt_step(citizen: User) -> int:
        return next(n for n, (_, marker) in enumerate(citizen.steps) if marker == "รหัสติดตามเรื่อง")

    def _read_receipt(self, citizen: User) -> None:
        receipt = self.receipts[int(citizen.user_id[2:], 16)]
        for text in texts_of(citizen.answers[-1]):
            code, pin = CODE.search(text), PIN.search(text)
            if code:
                receipt.code, receipt.pin = code.group(1), pin.group(1) if pin else None
        if receipt.code is not None:  # its number, as the officers' new-complaint push says it
            with self.services.uow() as uow:
                complaint = uow.complaints.by_code_hash(self.services.org_id(),
                                                        self.services.complaints.keys.code_hash(receipt.code))
                receipt.complaint_id = complaint.id if complaint is not None else None

    def drive(self, processes: Processes) -> tuple[bool, int]:
        """Until every user is done (or the time is up); returns (finished, kills)."""
        expected = sum(len(user.steps) for user in self.users)
        kills_left = sorted(self.config.kill_at)
        kills = 0
        deadline = time.monotonic() + self.config.timeout
        seen = -1
        while time.monotonic() < deadline:
            # the next look when LINE delivered something new (at most a second on: the kills and deadline)
            wait_for(lambda seen=seen: len(self.fake.deliveries()) != seen, timeout=1.0)
            deliveries = self.fake.deliveries()
            seen = len(deliveries)
            by_user: dict[str, list[Delivery]] = {}
            for delivery in deliveries:
                for recipient in delivery.to:
                    by_user.setdefault(recipient, []).append(delivery)
            answered = self._see_answers(by_user)
            if all(user.done for user in self.users):
                return True, kills
            if kills_left and answered >= kills_left[0] * expected:
                kills_left.pop(0)
                processes.kill_worker(kills)
                kills += 1
            ready: list[tuple[User, Message]] = []
            for user in self.users:
                if user.waiting_since is None and not user.done:
                    message = user.next_message()
                    if message is not None:
                        ready.append((user, message))
            for start in range(0, len(ready), self.config.max_body_events):
                self._send(ready[start:start + self.config.max_body_events])
        return False, kills

    def settle(self, timeout: float = EVIDENCE_LEASE.total_seconds() + 30.0) -> tuple[dict[str, int], dict[str, int]]:
        """Wait until no event is pending or processing, no answer pending or being sent and no evidence
        waiting to be downloaded. Long enough for a killed worker's evidence downloads to come back (their
        claim's lease, bot/line/evidence_fetcher.LEASE): only a run that needs it waits that long."""
        def counts() -> tuple[dict[str, int], dict[str, int], int]:
            with self.services.uow() as uow:
                evidence = int(uow.session.scalar(select(func.count()).select_from(Evidence)
                                                  .where(Evidence.status == "pending")) or 0)
                return uow.inbox.counts_by_status(), uow.outbox.counts_by_status(), evidence

        def idle() -> bool:
            inbox, outbox, evidence = counts()
            return not any(inbox.get(s) for s in ("pending", "processing")) and \
                not any(outbox.get(s) for s in ("pending", "sending")) and not evidence

        wait_for(idle, timeout, 0.1)
        inbox, outbox, _ = counts()
        return inbox, outbox

    # -- the verdict
    def _notices(self) -> tuple[int, int, list[str], list[str], list[str]]:
        """(notices, expected, doubled, lost, relays out of order). Every officer is pushed every new
        complaint; the officer who opened a complaint, its complainant's answer; a confidential or identified
        complainant, their officer's messages in the order sent (an anonymous one: nothing)."""
        expected: dict[str, list[str]] = {officer: [] for officer in self.officers}
        for receipt in self.receipts:
            citizen = user_id(0xB, receipt.number)
            officer = self.officers[receipt.number % len(self.officers)]
            for each in self.officers:
                expected[each].append(f"{NEW_COMPLAINT}{receipt.complaint_id}\n")
            if receipt.mode != "anonymous":
                expected[officer].append(f"{FROM_COMPLAINANT}{receipt.complaint_id}:")
                expected[citizen] = [f"{FROM_OFFICER}{receipt.code}:\n{relay_text(receipt, n)}\n"
                                     for n in range(self.config.relays)]
            else:
                expected[citizen] = []
        got = 0
        doubled_list: list[str] = []
        lost: list[str] = []
        order: list[str] = []
        for user_key, wanted in expected.items():
            notices = [texts_of(d)[0] for d in sorted(self.fake.deliveries(to=user_key), key=lambda d: d.at)
                       if is_notice(d)]
            got += len(notices)
            for prefix in wanted:
                matching = [n for n in notices if n.startswith(prefix)]
                if len(matching) > 1:
                    doubled_list.append(f"{user_key}: {prefix[:60]!r} ×{len(matching)}")
                if not matching:
                    lost.append(f"{user_key}: {prefix[:60]!r}")
            wanted_relays = [w for w in wanted if w.startswith(FROM_OFFICER)]
            sent_as = [next((i for i, w in enumerate(wanted_relays) if n.startswith(w)), -1) for n in notices
                       if n.startswith(FROM_OFFICER)]
            if sent_as != sorted(sent_as):
                order.append(f"{user_key}: relays in the order {sent_as}")
        return got, sum(len(w) for w in expected.values()), doubled_list, lost, order

    def _evidence(self) -> tuple[int, list[str]]:
        """Each photo and file sent: stored once, downloaded (its content as sent)."""
        with self.services.uow() as uow:
            stored = Counter((bytes(content or b""), status) for content, status in uow.session.execute(
                select(Evidence.content, Evidence.status)))
        problems = []
        once = 0
        for number, content in enumerate(self.evidence_sent):
            ready = stored.get((content, "ready"), 0)
            others = sum(n for (data, status), n in stored.items() if data == content and status != "ready")
            if ready == 1 and not others:
                once += 1
            else:
                problems.append(f"evidence {number} ({content[:40]!r}): stored ready {ready}, otherwise {others}")
        unsent = [status for (data, status) in stored if data not in set(self.evidence_sent)]
        problems += [f"evidence stored that nobody sent ({status})" for status in unsent]
        return once, problems

    def _privacy(self) -> list[str]:
        """What the officers were shown, and what the logs hold, of complainants who did not choose to be
        identified: their LINE account (or a follower's), their tracking code; an identified complainant's
        name only to the officer who opened the case (and it is there: the check can see a name)."""
        leaks: list[str] = []
        hidden = [r for r in self.receipts if r.mode != "identified"]
        accounts = [user_id(0xB, r.number) for r in self.receipts] + \
            [user_id(0xC, r.number) for r in self.receipts if r.mode == "anonymous"]
        secrets_ = accounts + [r.code for r in hidden if r.code] + [details(r.number) for r in hidden]
        for officer in self.officers:
            shown = "\n".join(t for d in self.fake.deliveries(to=officer) for t in texts_of(d))
            leaks += [f"officer {officer[:6]}… was shown {s[:20]!r}…" for s in accounts + [
                r.code for r in hidden if r.code] if s in shown]
            for receipt in self.receipts:
                if receipt.mode != "identified":
                    continue
                mine = self.officers[receipt.number % len(self.officers)] == officer
                if (identified_name(receipt.number) in shown) != mine:
                    leaks.append(f"officer {officer[:6]}… {'not ' if mine else ''}shown identified complainant "
                                 f"{receipt.number + 1}'s name")
        logs = "\n".join(log.read_text(errors="replace") for log in sorted(self.logs.glob("*.log")))
        leaks += [f"a log holds {s[:20]!r}…" for s in secrets_ if s in logs]
        return leaks

    def report(self, finished: bool, kills: int, seconds: float, processes: Processes) -> SoakReport:
        inbox, outbox = self.settle()
        problems, retried, housekeeping = processes.problems()
        doubled: dict[str, int] = {}
        doubled_details: list[str] = []
        lost: dict[str, int] = {}
        wrong: list[str] = []
        latencies: list[float] = []
        events = answers = 0
        for user in self.users:
            deliveries = [d for d in self.fake.deliveries(to=user.user_id) if not is_notice(d)]
            events += len(user.sent_at)
            answers += len(deliveries)
            if len(deliveries) > len(user.steps):
                doubled[user.user_id] = len(deliveries) - len(user.steps)
                doubled_details.append(f"{user.kind} {user.user_id}: " + " | ".join(
                    f"{d.kind} {d.at % 1000:.2f} {texts_of(d)[0][:30]!r}" for d in deliveries))
            if len(deliveries) < len(user.steps):
                lost[user.user_id] = len(user.steps) - len(deliveries)
            for number, ((_, marker), delivery) in enumerate(zip(user.steps, deliveries, strict=False)):
                if marker is not None and not any(marker in text for text in texts_of(delivery)):
                    wrong.append(f"{user.kind} {user.user_id} step {number + 1}: {texts_of(delivery)[-1][:80]!r}")
            for number in range(1, len(deliveries)):
                if deliveries[number].at < deliveries[number - 1].at:
                    wrong.append(f"{user.kind} {user.user_id}: answer {number + 1} before answer {number}")
            latencies += [answered - sent for sent, answered in zip(user.sent_at, user.answered_at, strict=False)]
        notices, expected_notices, notices_doubled, notices_lost, relays_order = self._notices()
        evidence_once, evidence_problems = self._evidence()
        with self.services.uow() as uow:
            complaints = int(uow.session.scalar(select(func.count()).select_from(Complaint)) or 0)
            failed_chats = list(uow.session.scalars(
                select(InboxEvent.chat_key).where(InboxEvent.status == InboxStatus.FAILED.value)))
        return SoakReport(
            users=len(self.users), events=events, answers=answers,
            expected_answers=sum(len(u.steps) for u in self.users), doubled=doubled,
            doubled_details=doubled_details, lost=lost, wrong=wrong, notices=notices,
            expected_notices=expected_notices, notices_doubled=notices_doubled, notices_lost=notices_lost,
            relays_out_of_order=relays_order, evidence_sent=len(self.evidence_sent), evidence_stored=evidence_once,
            evidence_problems=evidence_problems, privacy=self._privacy(),
            reply_tokens_reused=sum(1 for n in self.fake.count_by_reply_token().values() if n > 1),
            retry_keys_reused=sum(1 for n in self.fake.count_by_retry_key().values() if n > 1),
            officer_pushes=sum(1 for officer in self.officers for d in self.fake.deliveries(to=officer)
                               if is_notice(d) and texts_of(d)[0].startswith(NEW_COMPLAINT)),
            complaints=complaints,
            inbox=inbox, outbox=outbox, chaos=self.fake.chaos.counts() if self.fake.chaos else {},
            kills=kills, kills_survived=kills if finished else 0, seconds=seconds, latencies=latencies,
            problems=problems, retried_events=retried, failed_chats=failed_chats,
            housekeeping_retries=housekeeping, finished=finished,
            done_at={kind: max((u.answered_at[-1] - self.started for u in self.users
                                if u.kind == kind and u.answered_at), default=0.0)
                     for kind in dict.fromkeys(u.kind for u in self.users)})

    def run(self) -> SoakReport:
        self.seed()
        processes = Processes(self.env, self.logs, self.config)
        try:
            processes.start_web()
            self.fake.webhook_url = f"{processes.url}/callback"
            for _ in range(self.config.bot_workers):
                processes.start_worker()
            self.fake.set_chaos(Chaos(self.config.seed, self.config.rates,
                                      timeout_seconds=2 * self.config.line_request_timeout))
            self.started = time.monotonic()
            finished, kills = self.drive(processes)
            seconds = time.monotonic() - self.started
            return self.report(finished, kills, seconds, processes)
        finally:
            processes.stop()
            self.services.close()


def soak_env(base: Callable[..., dict[str, str]], config: SoakConfig, **extra: Any) -> dict[str, str]:
    """The bot's environment for a soak: short leases and request timeout (the faults are short too); the
    processes log warnings and errors (`SOAK_LOG_LEVEL=INFO` in the environment: every event and send, to
    find what happened to a doubled answer in logs/*.log; run pytest with its own --basetemp to keep them)."""
    return base(LINE_REQUEST_TIMEOUT=config.line_request_timeout, INBOX_LEASE_SECONDS=config.inbox_lease_seconds,
                OUTBOX_LEASE_SECONDS=config.outbox_lease_seconds,
                LOG_LEVEL=os.environ.get("SOAK_LOG_LEVEL", "WARNING"), **extra)


def statuses(counter: dict[str, int]) -> Counter[str]:
    return Counter({k: v for k, v in counter.items() if v})
