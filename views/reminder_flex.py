"""Messages of the scheduler: a unit head's daily reminder (one Flex message, a button per measure that
starts the report flow on it), the notice to administrators of long-overdue reports, the quota notice.

A reminder is queued as a compact payload (`reminder_payload`: the unit's name, the day, the digit style and
each measure's id and days late, a few hundred bytes) and made the Flex message (15–20 KB) when it is sent
(`render_reminder`, with the measures' numbers and titles read then): 20,000 reminders of one run are then
a few MB to write, not hundreds (#18)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from domain.digits import ARABIC, DigitStyle, Numerals, localise_message
from texts import chat
from views import messages
from views.messages import clip_text
from views.progress_flex import AMBER, GREEN, GREY, RED

PER_BUBBLE = 5
MAX_BUBBLES = 12
ALT_LIMIT = 400


@dataclass(frozen=True)
class DueMeasure:
    measure_id: int
    seq: int
    title: str
    deadline: date
    days_late: int  # negative: days left


def due_text(item: DueMeasure) -> tuple[str, str]:
    due = ARABIC.date(item.deadline)
    if item.days_late < 0:
        return chat.REMINDER_DUE_IN.format(due=due, days=-item.days_late), GREY
    if item.days_late == 0:
        return chat.REMINDER_DUE_TODAY.format(due=due), AMBER
    return chat.REMINDER_OVERDUE.format(due=due, days=item.days_late), RED


@lru_cache(maxsize=4096)  # every head of an organisation gets the same rows: build each once (never mutated)
def _row(item: DueMeasure) -> dict[str, Any]:
    when, colour = due_text(item)
    return {"type": "box", "layout": "vertical", "spacing": "xs", "contents": [
        {"type": "text", "text": f"{chat.MEASURE_LABEL.format(seq=item.seq)} {clip_text(item.title, 120)}",
         "wrap": True, "size": "sm", "maxLines": 3},
        {"type": "text", "text": when, "size": "xs", "color": colour, "wrap": True},
        {"type": "button", "style": "primary", "height": "sm", "color": GREEN,
         "action": {"type": "postback", "label": chat.REMINDER_BUTTON.format(seq=item.seq)[:20],
                    "data": f"report:pick:{item.measure_id}",
                    "displayText": chat.REMINDER_BUTTON.format(seq=item.seq)}},
    ]}


def reminder_message(unit: str, items: list[DueMeasure], more: int, today: date) -> dict[str, Any]:
    """All of a person's due measures in one message: bubbles of five, at most twelve bubbles."""
    chunks = [items[i:i + PER_BUBBLE] for i in range(0, len(items), PER_BUBBLE)][:MAX_BUBBLES]
    hidden = max(0, more) + len(items) - sum(len(c) for c in chunks)
    bubbles = []
    for n, chunk in enumerate(chunks):
        body: list[dict[str, Any]] = []
        if n == 0:
            body += [{"type": "text", "text": chat.REMINDER_TITLE, "weight": "bold", "color": GREEN},
                     {"type": "text", "text": unit or "-", "size": "sm", "wrap": True},
                     {"type": "text", "text": chat.REMINDER_INTRO.format(count=len(items) + max(0, more)),
                      "size": "xs", "color": GREY, "wrap": True},
                     {"type": "separator"}]
        for item in chunk:
            body += [_row(item), {"type": "separator"}]
        if n == len(chunks) - 1 and hidden:
            body.append({"type": "text", "text": chat.REMINDER_MORE.format(count=hidden), "size": "xs",
                         "wrap": True, "color": GREY})
        body.append({"type": "text", "text": chat.REMINDER_FOOTER, "size": "xxs", "color": GREY, "wrap": True})
        bubbles.append({"type": "bubble", "size": "mega",
                        "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": body}})
    contents: dict[str, Any] = bubbles[0] if len(bubbles) == 1 else {"type": "carousel", "contents": bubbles}
    summary = ", ".join(f"{chat.MEASURE_LABEL.format(seq=i.seq)} {due_text(i)[0]}" for i in items[:5])
    alt = clip_text(chat.REMINDER_ALT.format(count=len(items) + max(0, more), items=summary), ALT_LIMIT)
    return {"type": "flex", "altText": alt, "contents": contents}


REMINDER_PAYLOAD = "itabot-reminder"  # the `type` of an outbox message that is a reminder's payload


class RenderError(ValueError):
    """A reminder payload that cannot be made a message (a measure it names is gone, a malformed payload)."""


def reminder_payload(unit: str, items: list[tuple[int, int]], more: int, today: date, digits: str) -> dict[str, Any]:
    """A reminder as the outbox keeps it: `items` (measure id, days late; negative: days left) in the order
    shown, `more` measures not shown, `digits` the organisation's chat digit style when it was queued."""
    return {"type": REMINDER_PAYLOAD, "unit": unit, "today": today.isoformat(), "more": more, "digits": digits,
            "items": [[measure_id, late] for measure_id, late in items]}


def payload_measure_ids(messages: list[dict[str, Any]]) -> set[int]:
    """The measures the reminder payloads among `messages` name (to read their numbers and titles)."""
    found: set[int] = set()
    for message in messages:
        if message.get("type") == REMINDER_PAYLOAD:
            try:
                found.update(int(item[0]) for item in message["items"])
            except (KeyError, TypeError, ValueError, IndexError):
                continue  # render_reminder says so
    return found


def render_messages(messages: list[dict[str, Any]], measures: Mapping[int, tuple[int, str]]) -> list[dict[str, Any]]:
    """`messages` with each reminder payload made its Flex message (others as they are); raises RenderError."""
    if not any(m.get("type") == REMINDER_PAYLOAD for m in messages):
        return messages
    return [render_reminder(m, measures) if m.get("type") == REMINDER_PAYLOAD else m for m in messages]


def render_reminder(payload: dict[str, Any], measures: Mapping[int, tuple[int, str]]) -> dict[str, Any]:
    """The Flex message of a reminder payload, in its digit style; `measures`: id → (seq, title)."""
    try:
        today = date.fromisoformat(payload["today"])
        items = []
        for measure_id, late in payload["items"]:
            seq, title = measures[int(measure_id)]
            items.append(DueMeasure(int(measure_id), seq, title, today - timedelta(days=int(late)), int(late)))
        message = reminder_message(str(payload["unit"]), items, int(payload["more"]), today)
        numerals = Numerals(DigitStyle(payload["digits"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise RenderError(f"reminder payload not renderable ({type(exc).__name__})") from None
    localised: dict[str, Any] = localise_message(message, numerals)
    return localised


def escalation_message(lines: list[tuple[str, int, int]]) -> dict[str, Any]:
    shown = [chat.ESCALATION_LINE.format(unit=u, seq=s, days=d) for u, s, d in lines[:30]]
    if len(lines) > 30:
        shown.append(chat.WEEKLY_MORE.format(count=len(lines) - 30))
    return messages.text(chat.ESCALATION_TEXT.format(lines="\n".join(shown)))


def quota_notice_message(level: str, limit: int, used: int, projected: int) -> dict[str, Any]:
    return messages.text(chat.QUOTA_NOTICE[level].format(limit=limit, used=used, projected=projected))
