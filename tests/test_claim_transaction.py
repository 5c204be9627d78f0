"""A claim spread over several organisations is one transaction (#18): each organisation's part runs in a
savepoint under its own scope (on PostgreSQL row-level security shows it only its own rows), and one
organisation's failure undoes, delays and loses nothing of another's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select, update

from handlers.base import Context
from handlers.events import IncomingEvent
from storage.clock import utcnow
from storage.inbox import storable_event, store_new_events
from storage.models import InboxEvent, InboxStatus, Member, OutboxMessage
from storage.report_models import ReportSettingsRow
from tests.support.inprocess import ChatBot
from tests.support.orgs import add_organisation

ANN, BEN, CAT, DAN = "U" + "a" * 32, "U" + "b" * 32, "U" + "c" * 32, "U" + "d" * 32


def _store(bot: ChatBot, org_id: int, events: list[dict[str, Any]]) -> None:
    """Events stored in `org_id`'s inbox, as its own webhook stores them."""
    with bot.services.engine.begin() as connection:
        store_new_events(connection, org_id, [storable_event(e) for e in events], utcnow())


@pytest.fixture
def three_orgs(chat_bot: ChatBot) -> tuple[int, int, int]:
    """The bot's own organisation and two more, each with a member of its own."""
    a = chat_bot.org_id
    b = add_organisation(chat_bot, "tambon-b", "เทศบาลตำบลบี")
    c = add_organisation(chat_bot, "tambon-c", "เทศบาลตำบลซี")
    with chat_bot.services.uow() as uow:
        for org_id, user in ((a, DAN), (b, DAN), (c, DAN)):
            uow.people.get_or_create_member(org_id, user, utcnow())
        uow.commit()
    return a, b, c


def _inbox(bot: ChatBot) -> dict[tuple[int, str], tuple[str, int]]:
    """{(organisation, sender): (status, attempts)} of every stored event (one each here)."""
    with bot.services.uow() as uow:
        return {(row.org_id, row.chat_key): (row.status, row.attempts)
                for row in uow.session.scalars(select(InboxEvent))}


def _replies(bot: ChatBot) -> set[tuple[int, str]]:
    """(organisation, recipient) of every outbox row."""
    with bot.services.uow() as uow:
        return {(row.org_id, row.recipients[0]) for row in uow.session.scalars(select(OutboxMessage))}


@pytest.fixture
def commits(chat_bot: ChatBot) -> Iterator[list[int]]:
    """Every commit on the bot's engine, counted."""
    seen: list[int] = []

    def count(_connection: Any) -> None:
        seen.append(1)

    event.listen(chat_bot.services.engine, "commit", count)
    try:
        yield seen
    finally:
        event.remove(chat_bot.services.engine, "commit", count)


def test_a_claim_over_three_organisations_is_one_transaction_and_answers_each_in_its_own(
        chat_bot: ChatBot, three_orgs: tuple[int, int, int], commits: list[int]) -> None:
    bot = chat_bot
    a, b, c = three_orgs
    _store(bot, a, [bot.fake.text_event(ANN, "ช่วยเหลือ")])
    _store(bot, b, [bot.fake.text_event(BEN, "ช่วยเหลือ"), bot.fake.text_event(BEN, "ยกเลิก")])
    _store(bot, c, [bot.fake.text_event(CAT, "ช่วยเหลือ")])
    commits.clear()
    assert bot.processing.processor.process_due(20) == 4
    assert len(commits) == 2  # the claim's, and the one transaction that handled all four events
    assert _inbox(bot) == {(a, ANN): (InboxStatus.DONE.value, 1), (b, BEN): (InboxStatus.DONE.value, 1),
                           (c, CAT): (InboxStatus.DONE.value, 1)}
    assert _replies(bot) == {(a, ANN), (b, BEN), (c, CAT)}
    with bot.services.uow() as uow:
        assert [uow.people.member(org, user) is not None for org, user in ((a, ANN), (b, BEN), (c, CAT))] \
            == [True, True, True]
        assert uow.people.member(a, BEN) is None and uow.people.member(b, ANN) is None


class SeesWhat:
    """Records, for each event, the organisations an unscoped query of members shows (no org_id filter) and
    whether another organisation's member, looked up by its primary key, can be had."""

    def __init__(self, others: dict[int, int]) -> None:
        self.others = others  # organisation → the id of a member of another organisation
        self.seen: dict[int, tuple[set[int], bool]] = {}
        self.kept: list[Member] = []  # each sender's record, held on to (as a cache of the handler's might)

    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return event.is_text and event.text == "scope?"

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        assert ctx.member is not None
        self.kept.append(ctx.member)
        session = ctx.uow.session
        orgs = set(session.scalars(select(Member.org_id).distinct()))
        other = session.get(Member, self.others[ctx.org.id])
        self.seen[ctx.org.id] = (orgs, other is not None)
        ctx.reply({"type": "text", "text": "ok"})
        return "scope"


class Booms:
    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return event.is_text and event.text == "boom"

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        raise RuntimeError("on purpose")


@pytest.mark.parametrize("path", ["together", "each organisation in its own savepoint"])
def test_each_organisations_part_of_a_shared_transaction_sees_only_its_own_rows(
        chat_bot: ChatBot, three_orgs: tuple[int, int, int], on_postgresql: bool, path: str) -> None:
    """PostgreSQL: the scope is set again for every organisation's part (were it set once, or left unset, the
    second and third would see another's members) and taken off before the done marks (left on, the other
    organisations' events would stay unfinished); a member of another organisation, read earlier in the same
    transaction, cannot be had from the session by its id. Both ways a claim runs: its organisations together
    in one savepoint, and (a failing event in the claim) each organisation's part in a savepoint of its own."""
    if not on_postgresql:
        pytest.skip("row-level security is PostgreSQL's; on SQLite the repositories' filters are the wall")
    bot = chat_bot
    a, b, c = three_orgs
    with bot.services.uow() as uow:
        dan = {org: uow.people.member(org, DAN) for org in (a, b, c)}
        ids = {org: member.id for org, member in dan.items() if member is not None}
    sees = SeesWhat({a: ids[c], b: ids[a], c: ids[b]})
    bot.processing.processor.application.add_handler(sees, group=-1)
    bot.processing.processor.application.add_handler(Booms(), group=-1)
    _store(bot, a, [bot.fake.text_event(DAN, "scope?")])
    _store(bot, b, [bot.fake.text_event(DAN, "scope?")])
    _store(bot, c, [bot.fake.text_event(DAN, "scope?")])
    if path != "together":
        _store(bot, c, [bot.fake.text_event(ANN, "boom")])
    assert bot.processing.processor.process_due(20) == (3 if path == "together" else 4)
    assert sees.seen == {a: ({a}, False), b: ({b}, False), c: ({c}, False)}
    assert sorted(status for status, _ in _inbox(bot).values()) \
        == [InboxStatus.DONE.value] * 3 + ([] if path == "together" else [InboxStatus.PENDING.value])


class FailsIn:
    """Fails every event of one organisation, after writing its sender's member record."""

    def __init__(self, org_id: int) -> None:
        self.org_id = org_id

    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return ctx.org.id == self.org_id

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        assert ctx.member is not None
        raise RuntimeError("on purpose")


def test_one_organisations_failing_handler_leaves_the_others_answered_in_the_same_claim(
        chat_bot: ChatBot, three_orgs: tuple[int, int, int]) -> None:
    bot = chat_bot
    a, b, c = three_orgs
    bot.processing.processor.application.add_handler(FailsIn(b), group=-1)
    _store(bot, a, [bot.fake.text_event(ANN, "ช่วยเหลือ")])
    _store(bot, b, [bot.fake.text_event(BEN, "ช่วยเหลือ"), bot.fake.text_event(BEN, "ยกเลิก")])
    _store(bot, c, [bot.fake.text_event(CAT, "ช่วยเหลือ")])
    assert bot.processing.processor.process_due(20) == 4
    assert _replies(bot) == {(a, ANN), (c, CAT)}
    with bot.services.uow() as uow:
        rows = sorted((row.org_id, row.status, row.attempts) for row in uow.session.scalars(select(InboxEvent)))
        assert uow.people.member(b, BEN) is None  # written by the failed event: undone with it
        assert uow.people.member(a, ANN) is not None and uow.people.member(c, CAT) is not None
    # Ben's first event waits for its retry, his second behind it (its attempt not counted)
    assert rows == sorted([(a, InboxStatus.DONE.value, 1), (b, InboxStatus.PENDING.value, 1),
                           (b, InboxStatus.PENDING.value, 0), (c, InboxStatus.DONE.value, 1)])


def test_one_organisations_broken_settings_leave_the_others_answered_in_the_same_claim(
        chat_bot: ChatBot, three_orgs: tuple[int, int, int]) -> None:
    """B's chat digit style is no style at all: every answer of B fails (recorded, retried), A's and C's go."""
    bot = chat_bot
    a, b, c = three_orgs
    with bot.services.uow() as uow:
        uow.session.add(ReportSettingsRow(org_id=b, chat_digits="broken"))
        uow.commit()
    _store(bot, a, [bot.fake.text_event(ANN, "ช่วยเหลือ")])
    _store(bot, b, [bot.fake.text_event(BEN, "ช่วยเหลือ")])
    _store(bot, c, [bot.fake.text_event(CAT, "ช่วยเหลือ")])
    assert bot.processing.processor.process_due(20) == 3
    assert _replies(bot) == {(a, ANN), (c, CAT)}
    assert _inbox(bot) == {(a, ANN): (InboxStatus.DONE.value, 1), (b, BEN): (InboxStatus.PENDING.value, 1),
                           (c, CAT): (InboxStatus.DONE.value, 1)}


class Unprintable(RuntimeError):
    def __str__(self) -> str:
        raise ValueError("no words for it")


class FailsUnrecordably:
    """Fails in a way its failure cannot even be recorded (its message cannot be made): the organisation's
    whole part of the claim fails."""

    def __init__(self, org_id: int) -> None:
        self.org_id = org_id
        self.broken = True

    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        return self.broken and ctx.org.id == self.org_id

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        ctx.reply({"type": "text", "text": "never sent"})
        raise Unprintable()


def test_an_organisations_part_failing_as_a_whole_is_undone_alone_and_its_events_are_kept(
        chat_bot: ChatBot, three_orgs: tuple[int, int, int], commits: list[int]) -> None:
    """B's part fails beyond its events' savepoints: it is rolled back alone, A's and C's commit, and B's
    events are then tried one at a time (their failure unrecordable there too: they stay claimed until their
    lease runs out, then are claimed again — never lost, never done)."""
    bot = chat_bot
    a, b, c = three_orgs
    fault = FailsUnrecordably(b)
    bot.processing.processor.application.add_handler(fault, group=-1)
    _store(bot, a, [bot.fake.text_event(ANN, "ช่วยเหลือ")])
    _store(bot, b, [bot.fake.text_event(BEN, "ช่วยเหลือ")])
    _store(bot, c, [bot.fake.text_event(CAT, "ช่วยเหลือ")])
    commits.clear()
    assert bot.processing.processor.process_due(20) == 3
    # the claim's, the one transaction A's and C's parts committed in; B's event alone then commits nothing
    assert len(commits) == 2
    assert _replies(bot) == {(a, ANN), (c, CAT)}
    assert _inbox(bot) == {(a, ANN): (InboxStatus.DONE.value, 1), (b, BEN): (InboxStatus.PROCESSING.value, 1),
                           (c, CAT): (InboxStatus.DONE.value, 1)}
    with bot.services.uow() as uow:  # its lease over: claimed again
        uow.session.execute(update(InboxEvent).where(InboxEvent.org_id == b).values(lease_until=utcnow()))
        uow.commit()
    fault.broken = False  # mended
    assert bot.processing.processor.process_due(20) == 1
    assert _replies(bot) == {(a, ANN), (b, BEN), (c, CAT)}


def test_an_event_claimed_again_mid_claim_takes_effect_once_and_the_other_organisations_commit(
        chat_bot: ChatBot, three_orgs: tuple[int, int, int]) -> None:
    """Worker A's lease on a claim over two organisations runs out and worker B claims B's event again: A's
    transaction commits its other organisation's event and nothing of the one it lost; B's run answers it."""
    bot = chat_bot
    a, b, _ = three_orgs
    _store(bot, b, [bot.fake.text_event(BEN, "ช่วยเหลือ")])
    _store(bot, a, [bot.fake.text_event(ANN, "ช่วยเหลือ")])
    with bot.services.uow() as uow:
        stale = uow.inbox.claim_due(utcnow(), 10, 0.0)  # worker A: its lease is over at once
        uow.commit()
    with bot.services.uow() as uow:
        fresh = uow.inbox.claim_due(utcnow(), 1, 60.0)  # worker B takes B's event (the oldest) again
        uow.commit()
    assert {e.org_id for e in stale} == {a, b} and [e.org_id for e in fresh] == [b]
    processor = bot.processing.processor
    processor._handle_claimed({event.org_id: [event] for event in stale})
    assert _replies(bot) == {(a, ANN)}
    assert _inbox(bot)[(b, BEN)] == (InboxStatus.PROCESSING.value, 2)
    processor._process(fresh[0])
    assert _replies(bot) == {(a, ANN), (b, BEN)}
    assert {status for status, _ in _inbox(bot).values()} == {InboxStatus.DONE.value}
