"""Conversations as declared state machines (python-telegram-bot's ConversationHandler, our way).

A `Flow` declares its states in one table: for each state (a `StrEnum` member, stored as its value) a
`Question` says which kinds of input it takes (`Input.TEXT | Input.EVIDENCE`), the step that reads them,
the question asked on entering the state and the re-prompt for anything else. A step takes the chat's next
event and returns the next state, `END`, or `AGAIN` (not understood: the state's re-prompt). Entry points
start a flow. `Conversations` is the one handler that runs them: it keeps each chat's state in the database,
answers an input kind the state does not take with the state's re-prompt, asks a state's question when the
flow enters it, and holds the fallbacks of every flow: "ยกเลิก" ends any flow, a new command word switches
flows, and flows left alone for longer than the timeout end (with a note, now or when the person comes
back). Steps see the flow's data as a plain dict and never touch the storage row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Flag, StrEnum, auto
from typing import Any, Protocol

from handlers.base import Context
from handlers.events import IncomingEvent
from handlers.flow_helpers import is_evidence
from storage.conversation_models import Conversation
from texts import chat
from views import messages

CONVERSATION_TIMEOUT = timedelta(minutes=30)
MENU_START_SUFFIX = ":start"
CANCEL_WORDS = frozenset(chat.CANCEL_WORDS)
START = "start"  # the state stored while an entry step runs


class Control(StrEnum):
    """What a step may return besides a state of its flow."""

    END = "end"  # the flow is over
    AGAIN = "again"  # not understood: the state's re-prompt, and the flow stays where it is


END = Control.END
AGAIN = Control.AGAIN


class Input(Flag):
    """The kinds of input a state takes, combined with |: `Input.TEXT | Input.EVIDENCE`."""

    TEXT = auto()
    POSTBACK = auto()  # a button's data
    EVIDENCE = auto()  # a photo, file or video LINE keeps for us to download
    LOCATION = auto()
    OTHER = auto()  # stickers, voice messages, evidence without a message id, anything else


def input_of(event: IncomingEvent) -> Input:
    if event.is_text:
        return Input.TEXT
    if event.type == "postback":
        return Input.POSTBACK
    if is_evidence(event):
        return Input.EVIDENCE
    if event.type == "message" and event.message_type == "location" and event.location is not None:
        return Input.LOCATION
    return Input.OTHER


@dataclass
class Convo:
    """A chat's place in a flow, as steps see it."""

    state: str
    data: dict[str, Any] = field(default_factory=dict)
    id: int | None = None  # the conversation row's id, for evidence recorded in it


Step = Callable[[IncomingEvent, Context, Convo], str]
Prompt = Callable[[Context, Convo], None]  # what the bot says in a state (`ctx.event` is the event at hand)


@dataclass(frozen=True)
class Question:
    """One state of a flow: what it takes, what reads it, what it asks and what it says to anything else."""

    accepts: Input
    step: Step
    ask: Prompt  # said when the flow enters the state
    again: Prompt  # said to an input kind it does not take, or when the step returns AGAIN


def say(text: str, choices: list[str] | None = None) -> Prompt:
    """A prompt that is one fixed text with quick replies."""
    def prompt(ctx: Context, convo: Convo) -> None:
        ctx.reply(messages.text(text, choices))
    return prompt


class Flow(Protocol):
    name: str
    private: bool  # a complaint: its notes are private outbox rows and its events are scrubbed

    @property
    def states(self) -> Mapping[str, Question]:
        """The table: every state a step can return, with its question."""
        ...

    def entry(self, event: IncomingEvent, ctx: Context) -> Step | None:
        """The step that starts this flow for the event, or None when the event doesn't start it."""
        ...

    def on_end(self, ctx: Context, convo: Convo, reason: str) -> None:
        """Clean up what a flow left behind when it is cancelled or expires (`reason`)."""
        ...


def is_menu_start(event: IncomingEvent) -> bool:
    """A rich-menu button that starts a flow ("report:start", "complaint:start"): a command word, tapped."""
    return event.type == "postback" and (event.postback_data or "").endswith(MENU_START_SUFFIX)


def is_cancel(event: IncomingEvent) -> bool:
    return event.is_text and (event.text or "").strip().lower() in CANCEL_WORDS


class Conversations:
    """The handler that runs flows."""

    def __init__(self, flows: list[Flow], timeout: timedelta = CONVERSATION_TIMEOUT) -> None:
        self.flows = {flow.name: flow for flow in flows}
        self.timeout = timeout

    def _row(self, ctx: Context) -> Conversation | None:
        key = ctx.personal_chat_key
        return ctx.uow.conversations.get(ctx.org.id, key) if key else None

    def _entry(self, event: IncomingEvent, ctx: Context) -> tuple[Flow, Step] | None:
        for flow in self.flows.values():
            step = flow.entry(event, ctx)
            if step is not None:
                return flow, step
        return None

    def matches(self, event: IncomingEvent, ctx: Context) -> bool:
        if ctx.personal_chat_key is None or event.type not in ("message", "postback"):
            return False
        return self._row(ctx) is not None or is_cancel(event) or self._entry(event, ctx) is not None

    def handle(self, event: IncomingEvent, ctx: Context) -> str:
        row = self._row(ctx)
        flow = self.flows.get(row.flow) if row else None
        expired = row is not None and (flow is None or row.expires_at <= ctx.now)
        if expired:
            assert row is not None
            self.expire(ctx, row, reply=True)
            row = flow = None
        if row is not None and flow is not None:
            if is_cancel(event):
                self._end(ctx, row, flow, "cancelled")
                ctx.reply(messages.text(chat.FLOW_CANCELLED.get(flow.name, chat.FLOW_CANCELLED_GENERIC)))
                return f"{flow.name}:cancelled"
            # A command word typed mid-flow (or its rich-menu button) starts that flow afresh; anything else
            # is the step's to answer.
            started = self._entry(event, ctx) if event.is_text or is_menu_start(event) else None
            if started is None:
                return self._step(event, ctx, flow, row)
            self._end(ctx, row, flow, "switched")
            ctx.reply(messages.text(chat.FLOW_SWITCHED.get(flow.name, chat.FLOW_SWITCHED_GENERIC)))
            new_flow, step = started
            return self._start(event, ctx, new_flow, step)
        started = self._entry(event, ctx)
        if started is None:
            if expired:  # the note says how to start again
                return "conversation:expired"
            if is_cancel(event):
                ctx.reply(messages.text(chat.NOTHING_TO_CANCEL))
                return "cancel:nothing"
            ctx.reply(messages.text(chat.NOT_UNDERSTOOD))
            return "conversation:none"
        return self._start(event, ctx, *started)

    def _start(self, event: IncomingEvent, ctx: Context, flow: Flow, step: Step) -> str:
        key = ctx.personal_chat_key
        assert key is not None
        # The row exists from the start so that evidence sent in the flow has an owner.
        row = ctx.uow.conversations.save(ctx.org.id, key, flow.name, START, {}, ctx.now, self.timeout)
        return self._step(event, ctx, flow, row, step)

    def _step(self, event: IncomingEvent, ctx: Context, flow: Flow, row: Conversation,
              entry: Step | None = None) -> str:
        """Run the entry step, or the step of the state the chat is in when it takes this kind of input;
        then re-prompt (the step did not understand), ask the question of the state entered, or end."""
        before = row.state
        if flow.private:  # about a complaint: answers keep nothing once sent, the event is scrubbed
            ctx.private = ctx.scrub_event = True
        convo = Convo(state=row.state, data=dict(row.data or {}), id=row.id)
        if entry is not None:
            after = entry(event, ctx, convo)
        else:
            current = flow.states[before]
            after = current.step(event, ctx, convo) if input_of(event) in current.accepts else AGAIN
        if after == AGAIN:
            if entry is not None:
                raise ValueError(f"flow {flow.name}: an entry step has no state to stay in")
            flow.states[before].again(ctx, convo)
            after = before
        elif after != END:
            entered = flow.states.get(after)
            if entered is None:
                raise ValueError(f"flow {flow.name}: unknown state {after!r}")
            if after != before:
                entered.ask(ctx, convo)
        if after == END:
            ctx.uow.conversations.end(row)
        else:
            ctx.uow.conversations.save(ctx.org.id, row.chat_key, flow.name, str(after), convo.data, ctx.now,
                                       self.timeout)
        return f"{flow.name}:{before}->{after}"

    def _end(self, ctx: Context, row: Conversation, flow: Flow, reason: str) -> None:
        if flow.private:
            ctx.private = ctx.scrub_event = True
        flow.on_end(ctx, Convo(row.state, dict(row.data or {}), row.id), reason)
        ctx.uow.conversations.end(row)

    def expire(self, ctx: Context, row: Conversation, *, reply: bool) -> None:
        """End a flow left alone too long and tell the person (as the answer to their next message, or
        by push when the worker sweeps it). A flow resting in one of its `idle_states` (nothing typed is
        waiting to be saved: an officer's case left open after an action) ends without a push."""
        flow = self.flows.get(row.flow)
        if not reply and flow is not None and row.state in getattr(flow, "idle_states", frozenset()):
            self._end(ctx, row, flow, "expired")
            return
        if flow is not None:
            self._end(ctx, row, flow, "expired")
        else:
            ctx.uow.conversations.end(row)
        note = messages.text(chat.FLOW_EXPIRED.get(row.flow, chat.FLOW_EXPIRED_GENERIC))
        if reply:
            ctx.reply(note)
        else:
            ctx.push(row.chat_key, note)
