"""The audit log has every change from every surface, shown in Thai (issue #15 item 7): rounds changed in
LINE and by the CLI are audited like the console's; the audit page names people by role and unit and
targets and details in Thai, not "member #5", "console_user:1" or "old=received"."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from storage.console_models import AuditEntry
from tests.support.botcli import bind, run_cli
from tests.support.chat import say
from tests.support.complaints import file_complaint
from tests.support.console import add_console_user, logged_in
from tests.support.inprocess import ChatBot
from tests.support.plans import load_plan, small_plan, this_fiscal_year

ADMIN, OFFICER, CITIZEN = "U" + "3" * 32, "U" + "9" * 32, "U" + "a" * 32


def entries(bot: ChatBot, action: str) -> list[AuditEntry]:
    with bot.services.uow() as uow:
        return list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                        .order_by(AuditEntry.id)))


def test_rounds_changes_from_every_surface_are_audited_and_the_page_reads_in_thai(
        chat_bot: ChatBot) -> None:
    bot = chat_bot
    year = this_fiscal_year()
    load_plan(bot.services.uow, bot.org_id, small_plan())
    bind(bot, ADMIN, "admin")
    bind(bot, OFFICER, "officer")
    for answer in ("ตั้งรอบ", "รายไตรมาส", "10"):  # in LINE
        say(bot, ADMIN, answer)
    run_cli(bot, "rounds", "set", "--fiscal-year", str(year), "--scheme", "six-monthly", "--due-days", "7")
    add_console_user(bot, "admin")
    admin = logged_in(bot, "admin")
    admin.post("/settings/rounds", {"scheme": "yearly", "due_days": "5"}, form_page="/settings")
    rounds = entries(bot, "settings.rounds")
    assert [(e.channel, e.detail["scheme"], e.detail["due_days"]) for e in rounds] == [
        ("line", "quarterly", 10), ("cli", "six-monthly", 7), ("console", "yearly", 5)]
    assert all(e.target == f"plan:{year}" for e in rounds)
    # An officer's work in LINE, and the page that shows it all.
    file_complaint(bot, CITIZEN, mode="confidential")
    for answer in ("เปิด 1", "เปลี่ยนสถานะ", "คัดกรอง", "ตรวจเอกสารแล้ว", "ข้าม"):
        say(bot, OFFICER, answer)
    page = html.unescape(admin.get("/audit").text)
    table = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    assert table is not None
    rows = table.group(1)
    for raw in ("member #", "console_user:", "plan:", "complaint:", "old=", "new=", "told=", "scheme=",
                "quarterly", "pushed"):
        assert raw not in rows, raw
    assert "เจ้าหน้าที่รับเรื่องร้องเรียน" in rows  # the officer, by role
    assert "เรื่องร้องเรียน #1" in rows and "จากสถานะ: รับเรื่องแล้ว" in rows and "เป็นสถานะ: คัดกรอง" in rows
    assert "ผู้ร้อง: ผู้ร้องเรียนได้รับแจ้งทาง LINE แล้ว" in rows
    assert f"แผนปีงบประมาณ {year}" in rows and "รอบรายงาน: รายไตรมาส" in rows and "ส่งภายใน (วัน): 10" in rows
    assert "ผู้ดูแลระบบ" in rows  # the admin who changed the rounds in LINE, by role
