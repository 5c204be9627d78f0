"""Filing and reading complaints through the chat, on either tier."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from storage.complaint_models import Complaint
from tests.support.chat import say, say_all, send

if TYPE_CHECKING:
    from tests.support.chat import Bot

MODE_LABELS = {"identified": "เปิดเผยตัวตน", "confidential": "ปกปิดตัวตน", "anonymous": "ไม่ระบุตัวตน"}
TYPE_LABELS = {"corruption": "ทุจริต/ประพฤติมิชอบ", "grievance": "ร้องทุกข์ทั่วไป"}
CODE = re.compile(r"รหัสติดตามเรื่อง: (ร-[0-9A-Z]{4}-[0-9A-Z]{2})")
PIN = re.compile(r"PIN: (\d{6})")


@dataclass(frozen=True)
class Receipt:
    code: str
    pin: str | None
    texts: list[str]

    @property
    def follow_up(self) -> str:
        return f"ติดตาม {self.code} {self.pin}" if self.pin else f"ติดตาม {self.code}"


def file_complaint(bot: Bot, user: str, *, mode: str = "anonymous", kind: str = "corruption",
                   details: tuple[str, ...] = ("เจ้าหน้าที่เรียกเงินใต้โต๊ะ 3,000 บาท เพื่อเร่งออกใบอนุญาต",),
                   category: str = "ใช่", where: str = "ข้าม", involved: str = "ข้าม",
                   name: str = "สมหญิง ทดสอบ", phone: str = "081-234-5678",
                   on_warning: str | None = None, evidence: int = 0,
                   files: tuple[tuple[str, bytes], ...] = ()) -> Receipt:
    """Go through the intake flow with the given answers (and `evidence` photos, then `files` as (name,
    content) file messages) and return the receipt's code and PIN."""
    say(bot, user, "ร้องเรียน")
    say(bot, user, MODE_LABELS[mode])
    if mode == "identified":
        say(bot, user, name)
        say(bot, user, phone)
    say(bot, user, TYPE_LABELS[kind])
    for part in details:
        say(bot, user, part)
    say(bot, user, "เสร็จ")
    if kind == "corruption":
        say(bot, user, category)
    say(bot, user, where)
    say(bot, user, involved)
    for _ in range(evidence):
        send(bot, bot.fake.image_event(user))
    for file_name, content in files:
        send(bot, bot.fake.file_event(user, file_name, content))
    say(bot, user, "เสร็จ" if evidence or files else "ข้าม")
    answers = say_all(bot, user, "ยืนยันส่ง")
    if on_warning is not None:
        assert "ก่อนส่ง" in answers[-1]["text"], answers[-1]["text"]
        answers = say_all(bot, user, on_warning)
        if on_warning == "ปิดบังให้":
            answers = say_all(bot, user, "ยืนยันส่ง")
    texts = [m.get("text", "") for m in answers]
    receipt = next((t for t in texts if "รหัสติดตามเรื่อง" in t), None)
    assert receipt is not None, texts
    code = CODE.search(receipt)
    pin = PIN.search(receipt)
    assert code is not None, receipt
    return Receipt(code.group(1), pin.group(1) if pin else None, texts)


def complaints(bot: Bot) -> list[Complaint]:
    with bot.services.uow() as uow:
        return list(uow.session.scalars(select(Complaint).order_by(Complaint.id)))
