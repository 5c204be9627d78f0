"""`itabot import-plan --row N=KIND` (issue #16): flip the reading of a source row from the command line,
see it with --dry-run, and have it remembered on saving in the console's row-choice storage, so the next
import of the same document (here or in the console) reads the row so again; `auto` forgets it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from domain.plan_import import row_fingerprints
from storage.console_models import AuditEntry, PlanRowChoice
from tests.support.botcli import run_cli
from tests.support.inprocess import ChatBot

HEADER = ["มาตรการ/แนวทาง", "ขั้นตอน/วิธีดำเนินการ", "ผู้รับผิดชอบ", "ระยะเวลาดำเนินการ"]
TABLE = [
    HEADER,
    ["มาตรการ ก", "๑. ประชุมชี้แจง", "กองคลัง", "ต.ค. ๖๖ - ก.ย. ๖๗"],
    ["มาตรการ ข", "๑. จัดทำประกาศ", "กองช่าง", "ต.ค. ๖๖ - ก.ย. ๖๗"],
    ["", "๒. เผยแพร่ประกาศ", "", ""],
]


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "แผน.tsv"
    path.write_text("\n".join("\t".join(row) for row in TABLE) + "\n", encoding="utf-8")
    return path


def remembered(bot: ChatBot) -> dict[str, tuple[str, int | None]]:
    with bot.services.uow() as uow:
        return {c.fingerprint: (c.kind, c.user_id) for c in uow.session.scalars(select(PlanRowChoice))}


def test_a_row_flipped_in_a_dry_run_is_shown_and_not_remembered(chat_bot: ChatBot, table: Path) -> None:
    plain = run_cli(chat_bot, "import-plan", str(table), "--dry-run")
    assert "แถว 3: มาตรการใหม่ ม.2" in plain and "2 มาตรการ" in plain
    out = run_cli(chat_bot, "import-plan", str(table), "--dry-run", "--row", "3=continuation")
    assert "แถว 3: ต่อจาก ม.1 · ผู้ดูแลเลือกให้อ่านแบบนี้" in out
    assert "แถว 4: ต่อจาก ม.1" in out
    assert "ใช้การเลือกของผู้ดูแล 1 แถว (จำไว้ 0 · ระบุครั้งนี้ 1)" in out
    assert "ยังไม่ถูกจำ" in out
    assert remembered(chat_bot) == {}


def test_a_saved_flip_is_remembered_applied_next_time_and_forgotten_with_auto(chat_bot: ChatBot,
                                                                            table: Path) -> None:
    out = run_cli(chat_bot, "import-plan", str(table), "--row", "๓=continuation", "--row", "4=ignore")
    assert "จำการเลือกแล้ว 2 แถว · ลืม 0 แถว" in out
    prints = row_fingerprints(TABLE)
    # the console's storage, under the rows' fingerprints; no console user made them
    assert remembered(chat_bot) == {prints[2]: ("continuation", None), prints[3]: ("ignored", None)}
    with chat_bot.services.uow() as uow:
        assert uow.plan_uploads.row_choices(chat_bot.org_id, prints) == {
            prints[2]: "continuation", prints[3]: "ignored"}
        (entry,) = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "plan.import"))
    assert (entry.channel, entry.target, entry.detail["row_choices"]) == ("cli", "plan:2567", 2)

    again = run_cli(chat_bot, "import-plan", str(table), "--dry-run")  # the same document, no --row
    assert "แถว 3: ต่อจาก ม.1 · ผู้ดูแลเลือกให้อ่านแบบนี้" in again
    assert "แถว 4: ข้าม · ผู้ดูแลเลือกให้อ่านแบบนี้" in again
    assert "ใช้การเลือกของผู้ดูแล 2 แถว (จำไว้ 2 · ระบุครั้งนี้ 0)" in again and "1 มาตรการ" in again

    forgot = run_cli(chat_bot, "import-plan", str(table), "--row", "3=auto")
    assert "จำการเลือกแล้ว 0 แถว · ลืม 1 แถว" in forgot
    assert remembered(chat_bot) == {prints[3]: ("ignored", None)}
    assert "แถว 3: มาตรการใหม่ ม.2" in run_cli(chat_bot, "import-plan", str(table), "--dry-run")


@pytest.mark.parametrize(("value", "said"), [
    ("3=maybe", "ใช้รูปแบบ N=KIND"),
    ("three=new", "ใช้รูปแบบ N=KIND"),
    ("9=new", "ตารางมี 4 แถว"),
    ("1=continuation", "แถวนี้เป็นหัวตาราง"),
])
def test_a_bad_row_choice_gets_a_thai_answer_and_changes_nothing(chat_bot: ChatBot, table: Path, value: str,
                                                               said: str) -> None:
    out = run_cli(chat_bot, "import-plan", str(table), "--row", value, expect_exit=None)
    assert said in out
    assert remembered(chat_bot) == {}
