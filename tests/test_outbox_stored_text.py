"""An outbox row's messages are stored with their Thai as UTF-8, not as \\uXXXX escapes (storage/db.py
`store_json`), however the row went in: one reply (a Core INSERT), a push (the ORM), a claim's deferred replies
(on PostgreSQL one INSERT … FROM json_to_recordset). Escaped, the help reply the bench's users get (~2.4 kB)
passed PostgreSQL's 2 kB TOAST threshold and was compressed on every insert (issue #17: the deferred replies'
INSERT took twice its time); as UTF-8 (~1.4 kB) it is stored as it is."""

from __future__ import annotations

import json

from sqlalchemy import text

from storage.clock import utcnow
from storage.models import OutboxStatus, Priority
from tests.support.inprocess import ChatBot
from texts import chat, common
from views import messages

USERS = [f"U{n:032x}" for n in range(1, 12)]
# the help reply (handlers/general.py `menu`) to someone not bound yet
HELP = messages.text("\n".join([chat.HELP_HEADER.format(role=common.ROLE_NAMES["citizen"]), *chat.HELP_COMMON]),
                     chat.MENU_CHOICES_BY_ROLE.get("citizen"))


def test_an_outbox_rows_thai_is_stored_unescaped_and_a_help_reply_uncompressed(chat_bot: ChatBot) -> None:
    bot = chat_bot
    assert len(json.dumps([HELP])) > 2100 > len(json.dumps([HELP], ensure_ascii=False).encode()) * 1.3
    now = utcnow()
    with bot.services.uow() as uow:
        uow.outbox.add_reply(bot.org_id, "token-0", USERS[0], [HELP], now)
        uow.outbox.add_push(bot.org_id, USERS[1], [HELP], Priority.NORMAL, now)
        uow.outbox.defer_replies()
        for n, user in enumerate(USERS[2:]):
            uow.outbox.add_reply(bot.org_id, f"token-{n + 1}", user, [HELP], now)
        uow.outbox.write_deferred()
        uow.commit()
    with bot.services.uow() as uow:
        raw = list(uow.session.execute(text("SELECT CAST(messages AS TEXT) FROM outbox_messages ORDER BY id"))
                   .scalars())
        assert [row.messages for row in uow.outbox.list_by_status(OutboxStatus.PENDING)] == [[HELP]] * len(USERS)
        if bot.services.engine.dialect.name == "postgresql":
            assert uow.session.execute(text(
                "SELECT count(*) FROM outbox_messages WHERE pg_column_compression(messages) IS NOT NULL")).scalar() == 0
    assert len(raw) == len(USERS)
    for value in raw:
        assert str(HELP["text"]).split("\n")[0] in value and "\\u0e" not in value, value[:120]
