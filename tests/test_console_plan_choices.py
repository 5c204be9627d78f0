"""The console's plan preview lists how each row of the uploaded table was read; the admin reads a row
otherwise, sees the plan again, saves it, and the next upload of the same document applies that choice again
(marked as such), until it is set back. In process (tests/support/console.py), with a PDF plan."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from storage.console_models import PlanRowChoice
from tests.support.console import Console, add_console_user, flashes, logged_in
from tests.support.inprocess import ChatBot
from tests.support.plan_pdf import PDF_FIXTURES
from tests.test_console_admin import page_text, plans, upload

PDF = PDF_FIXTURES / "mueang-phon-2564.pdf"


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    """These tests are about the console's pages: in process (tests/support/inprocess.py: the same app on the
    same real database, through Werkzeug's test client, no server and no worker)."""
    return chat_bot


def measure_count(text: str) -> int:
    found = re.search(r'id="measure-count">(\d+)<', text)
    assert found, text[:500]
    return int(found.group(1))


def token_of(text: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', text)
    assert found
    return found.group(1)


def row_of(text: str, row: int) -> tuple[str, str]:
    """A preview row's fingerprint and its HTML."""
    found = re.search(rf'<tr id="row-{row}" data-fingerprint="([0-9a-f]+)">(.*?)</tr>', text, re.DOTALL)
    assert found, f"row {row} not in the preview"
    return found.group(1), found.group(2)


def save_form(text: str) -> dict[str, str]:
    """What the "บันทึก" form posts: the token and the row choices in force."""
    form = re.search(r'<form[^>]*id="plan-save">(.*?)</form>', text, re.DOTALL)
    assert form
    return dict(re.findall(r'<input type="hidden" name="((?:token|row-[0-9a-f]+))" value="([^"]*)"', form.group(1)))


def second_measure_row(text: str) -> int:
    found = re.search(r'<tr id="row-(\d+)"[^>]*>(?:(?!</tr>).)*มาตรการใหม่ ม\.2 ', text, re.DOTALL)
    assert found
    return int(found.group(1))


def choices(bot: ChatBot) -> list[tuple[str, str]]:
    with bot.services.uow() as uow:
        return [(c.fingerprint, c.kind) for c in uow.session.scalars(select(PlanRowChoice))]


def test_a_row_read_otherwise_is_remembered_for_the_same_document(bot: ChatBot) -> None:
    add_console_user(bot, "admin")
    admin: Console = logged_in(bot, "admin")
    preview = page_text(upload(admin, PDF, year="2564"))
    assert measure_count(preview) == 6 and 'id="plan-rows"' in preview
    row = second_measure_row(preview)
    fingerprint, html_row = row_of(preview, row)
    assert '<option value="auto" selected>' in html_row
    # read ม.2's first row as a continuation of ม.1: the plan shown again has one measure fewer
    again = page_text(admin.post("/plan/preview/rows", {"token": token_of(preview), f"row-{fingerprint}": "continuation",
                                                       "row-0123456789abcdef": "measure", "row-x": "heading"}))
    assert measure_count(again) == 5
    _, html_row = row_of(again, row)
    assert "ต่อจาก ม.1" in html_row and "ผู้ดูแลเลือกให้อ่านแบบนี้" in html_row and "เลือกแล้ว" in html_row
    assert '<option value="continuation" selected>' in html_row
    form = save_form(again)
    assert form == {"token": token_of(preview), f"row-{fingerprint}": "continuation"}  # only this document's rows
    saved = admin.post("/plan/save", form)
    assert any("5 มาตรการ" in f for f in flashes(saved))
    assert plans(bot) == [(2564, PDF.name, 5)]
    assert choices(bot) == [(fingerprint, "continuation")]

    # the same document again: the choice is applied, shown as remembered, and can be set back
    second = page_text(upload(admin, PDF, year="2564"))
    assert measure_count(second) == 5
    _, html_row = row_of(second, row)
    assert "ตามที่เลือกไว้ครั้งก่อน" in html_row and '<option value="continuation" selected>' in html_row
    assert save_form(second)[f"row-{fingerprint}"] == "continuation"
    back = page_text(admin.post("/plan/preview/rows", {"token": token_of(second), f"row-{fingerprint}": "auto"}))
    assert measure_count(back) == 6
    _, html_row = row_of(back, row)
    assert "มาตรการใหม่ ม.2" in html_row and "ตามที่เลือกไว้ครั้งก่อน" not in html_row
    admin.post("/plan/save", save_form(back))
    assert plans(bot) == [(2564, PDF.name, 6)]
    assert choices(bot) == []  # set back: forgotten
