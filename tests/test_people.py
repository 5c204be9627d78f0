"""Invite codes bind staff; follow greets; revoke unbinds; the CLI prints and lists."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.clock import utcnow
from storage.models import Role
from storage.people import hash_invite_code, normalise_invite_code
from tests.conftest import SECRET_KEY
from tests.support.botcli import invite, run_cli
from tests.support.inprocess import ChatBot

HEAD = "U" + "b" * 32
INTRUDER = "U" + "c" * 32


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    """This module runs in process (tests/support/inprocess.py): no HTTP, no worker thread."""
    return chat_bot


def test_follow_greets_in_thai_with_what_the_bot_does(bot: ChatBot) -> None:
    assert bot.fake.send_events([bot.fake.follow_event(HEAD)]).status_code == 200
    bot.wait_idle()
    [greeting] = bot.texts_to(HEAD)
    assert "เทศบาลทดสอบ" in greeting and "ร้องเรียน" in greeting and "รายงานผล" in greeting


def test_valid_invite_code_binds_the_sender_to_role_and_unit(bot: ChatBot) -> None:
    code = invite(bot, "--role", "head", "--unit", "กองคลัง")
    with bot.services.uow() as uow:  # only the hash is stored
        from storage.models import InviteCode

        [stored] = uow.session.query(InviteCode).all()
        assert stored.code_hash == hash_invite_code(code, SECRET_KEY) and code not in stored.code_hash
    bot.fake.send_text(HEAD, code.lower().replace("-", " "))  # typed loosely
    bot.wait_idle()
    assert "ผูกบัญชีเรียบร้อย" in bot.texts_to(HEAD)[-1] and "กองคลัง" in bot.texts_to(HEAD)[-1]
    with bot.services.uow() as uow:
        member = uow.people.member(bot.org_id, HEAD)
        assert member is not None and member.role == Role.HEAD.value
        assert uow.people.unit(member.unit_id).name == "กองคลัง"  # type: ignore[union-attr]
    listing = run_cli(bot, "members")
    assert "head" in listing and "กองคลัง" in listing and HEAD not in listing


def test_wrong_expired_and_reused_codes_get_clear_thai_answers(bot: ChatBot) -> None:
    bot.fake.send_text(HEAD, "ITA-AAAA-BBBB")
    bot.wait_idle()
    assert "ไม่พบรหัสเชิญ" in bot.texts_to(HEAD)[-1]

    with bot.services.uow() as uow:
        expired = uow.people.create_invite(bot.org_id, Role.ADMIN, None, SECRET_KEY, utcnow() - timedelta(days=8))
        uow.commit()
    bot.fake.send_text(HEAD, expired)
    bot.wait_idle()
    assert "หมดอายุ" in bot.texts_to(HEAD)[-1]

    code = invite(bot, "--role", "officer")
    bot.fake.send_text(HEAD, code)
    bot.wait_idle()
    assert "ผูกบัญชีเรียบร้อย" in bot.texts_to(HEAD)[-1]
    bot.fake.send_text(INTRUDER, code)
    bot.wait_idle()
    assert "ถูกใช้ไปแล้ว" in bot.texts_to(INTRUDER)[-1]
    with bot.services.uow() as uow:
        assert uow.people.member(bot.org_id, INTRUDER).role == Role.CITIZEN.value  # type: ignore[union-attr]


def test_invite_for_head_needs_a_known_unit(bot: ChatBot) -> None:
    missing = run_cli(bot, "invite", "--role", "head", expect_exit=None)
    assert "--unit" in missing
    unknown = run_cli(bot, "invite", "--role", "head", "--unit", "กองที่ไม่มี", expect_exit=None)
    assert "ไม่พบหน่วยงาน" in unknown and "กองคลัง" in unknown
    # written with a stray space and as an alias: สำนัก ปลัด = สำนักปลัดเทศบาล
    assert "สำนักปลัดเทศบาล" in run_cli(bot, "invite", "--role", "head", "--unit", "สำนัก ปลัด")


def test_revoke_unbinds_a_member(bot: ChatBot) -> None:
    code = invite(bot, "--role", "head", "--unit", "กองช่าง")
    bot.fake.send_text(HEAD, code)
    bot.wait_idle()
    with bot.services.uow() as uow:
        member_id = uow.people.member(bot.org_id, HEAD).id  # type: ignore[union-attr]
    assert "ยกเลิกการผูกบัญชี" in run_cli(bot, "revoke", str(member_id))
    with bot.services.uow() as uow:
        member = uow.people.member(bot.org_id, HEAD)
        assert member is not None and member.role == Role.CITIZEN.value and member.unit_id is None
    assert "ยังไม่มีเจ้าหน้าที่" in run_cli(bot, "members")


@pytest.mark.parametrize("text,expected", [
    ("ITA-ABCD-EF23", "ITA-ABCD-EF23"), ("ita abcd ef23", "ITA-ABCD-EF23"), (" ITA-abcd-ef23 ", "ITA-ABCD-EF23"),
    ("ITA-ABC-EF23", None), ("สวัสดี", None), ("ITA-ABCD-EF23 extra", None),
])
def test_invite_code_recognition(text: str, expected: str | None) -> None:
    assert normalise_invite_code(text) == expected
