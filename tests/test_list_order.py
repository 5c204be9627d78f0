"""Lists the product reads from the database come in a stated order, not in the order PostgreSQL happens to
store rows (a row it updates is stored again, after the others): which organisation's reminders run first
and to whom they are pushed first follow these lists."""

from __future__ import annotations

from sqlalchemy import update

from storage.models import Member, Organisation, Role
from tests.support.inprocess import ChatBot
from tests.support.orgs import add_organisation


def test_organisations_and_their_heads_and_admins_are_listed_by_id(chat_bot: ChatBot) -> None:
    factory = chat_bot.services.uow
    others = [add_organisation(chat_bot, slug, "เทศบาลอื่น") for slug in ("b-town", "c-town")]
    ids = sorted([chat_bot.org_id, *others])
    with factory() as uow:
        unit = uow.people.units(chat_bot.org_id)[0]
        for n, role in enumerate((Role.ADMIN, Role.HEAD, Role.ADMIN)):
            uow.session.add(Member(org_id=chat_bot.org_id, line_user_id=f"U{n:032x}", role=role.value,
                                   unit_id=unit.id if role is Role.HEAD else None))
        uow.commit()
    with factory() as uow:  # the first of each stored again, after the others
        uow.session.execute(update(Organisation).where(Organisation.id == ids[0]).values(name="เทศบาลทดสอบ ๒"))
        first = min(uow.session.scalars(Member.__table__.select().with_only_columns(Member.id)))
        uow.session.execute(update(Member).where(Member.id == first).values(display_name="renamed"))
        uow.commit()
    with factory() as uow:
        assert uow.people.organisation_ids() == ids
        assert [org.id for org in uow.people.organisations_by_ids(reversed(ids))] == ids
        assert [row.org_id for row in uow.organisations.directory()] == ids
        members = [m.id for m in uow.people.heads_and_admins_of(ids)]
        assert len(members) == 3 and members == sorted(members) and members[0] == first
        assert [m.id for m in uow.people.heads_by_unit(chat_bot.org_id)[unit.id]] == [members[1]]
