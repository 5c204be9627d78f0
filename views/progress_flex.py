"""Flex messages of progress reporting: the carousel of a unit's measures and the admin summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from texts import chat
from views.messages import clip_text

CAROUSEL_MAX = 12
ALT_TEXT_LIMIT = 1500
TITLE_LIMIT = 240
GREEN, GREY, RED, AMBER = "#1DB446", "#8C8C8C", "#D93025", "#E37400"


@dataclass(frozen=True)
class MeasureCard:
    measure_id: int
    seq: int
    issue_no: int | None
    title: str
    period: str
    reported: str | None  # "กำลังดำเนินการ 50%" when reported this round


@dataclass(frozen=True)
class SummaryRow:
    seq: int
    reported: int
    expected: int
    status: str
    overdue: bool


def _text(body: str, **style: Any) -> dict[str, Any]:
    return {"type": "text", "text": body or "-", "wrap": True, **style}


def _measure_bubble(card: MeasureCard) -> dict[str, Any]:
    header = chat.MEASURE_LABEL.format(seq=card.seq)
    if card.issue_no is not None:
        header += " · " + chat.MEASURE_ISSUE.format(no=card.issue_no)
    status = (chat.MEASURE_REPORTED.format(status=card.reported, percent="") if card.reported
              else chat.MEASURE_NOT_REPORTED)
    return {
        "type": "bubble",
        "size": "kilo",
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": [
            _text(header, weight="bold", size="sm", color=GREEN),
            _text(clip_text(card.title, TITLE_LIMIT), size="sm", maxLines=6),
            _text(card.period, size="xs", color=GREY),
            _text(status, size="xs", color=GREEN if card.reported else AMBER),
        ]},
        "footer": {"type": "box", "layout": "vertical", "contents": [{
            "type": "button", "style": "primary", "height": "sm", "color": GREEN,
            "action": {"type": "postback", "label": chat.MEASURE_BUTTON,
                       "data": f"report:pick:{card.measure_id}", "displayText": chat.MEASURE_LABEL.format(seq=card.seq)},
        }]},
    }


def _more_bubble(remaining: int, next_page: int) -> dict[str, Any]:
    return {
        "type": "bubble", "size": "kilo",
        "body": {"type": "box", "layout": "vertical", "justifyContent": "center", "contents": [
            _text(chat.MORE_MEASURES.format(count=remaining), weight="bold", align="center")]},
        "footer": {"type": "box", "layout": "vertical", "contents": [{
            "type": "button", "style": "secondary", "height": "sm",
            "action": {"type": "postback", "label": chat.MORE_BUTTON, "data": f"report:page:{next_page}",
                       "displayText": chat.MORE_BUTTON},
        }]},
    }


def measure_carousel(cards: list[MeasureCard], page: int, unit: str) -> dict[str, Any]:
    """One page of measures: up to 12 bubbles, the last one a "next page" button when more remain."""
    per_page = CAROUSEL_MAX - 1 if len(cards) > CAROUSEL_MAX else CAROUSEL_MAX
    shown = cards[page * per_page:(page + 1) * per_page]
    bubbles = [_measure_bubble(card) for card in shown]
    remaining = len(cards) - (page + 1) * per_page
    if remaining > 0:
        bubbles.append(_more_bubble(remaining, page + 1))
    return {"type": "flex", "altText": clip_text(chat.CAROUSEL_ALT.format(unit=unit, count=len(cards)),
                                                 ALT_TEXT_LIMIT),
            "contents": {"type": "carousel", "contents": bubbles}}


SUMMARY_ROWS_PER_BUBBLE = 10


def summary_carousel(title: str, subtitle: str, totals: str, overdue_line: str | None,
                     rows: list[SummaryRow], alt: str) -> dict[str, Any]:
    """The admin summary: a head bubble with the totals, then the measures ten to a bubble."""
    head_contents = [_text(title, weight="bold", size="lg"), _text(subtitle, size="xs", color=GREY),
                     _text(totals, size="sm")]
    if overdue_line:
        head_contents.append(_text(overdue_line, size="sm", color=RED, weight="bold"))
    bubbles: list[dict[str, Any]] = [{"type": "bubble", "body": {"type": "box", "layout": "vertical",
                                                                 "spacing": "sm", "contents": head_contents}}]
    capacity = (CAROUSEL_MAX - 1) * SUMMARY_ROWS_PER_BUBBLE
    for start in range(0, min(len(rows), capacity), SUMMARY_ROWS_PER_BUBBLE):
        chunk = rows[start:start + SUMMARY_ROWS_PER_BUBBLE]
        lines = [_text(chat.SUMMARY_ROW.format(seq=r.seq, reported=r.reported, expected=r.expected,
                                                status=r.status)
                       + (f" · {chat.SUMMARY_OVERDUE_BADGE}" if r.overdue else ""),
                       size="xs", color=RED if r.overdue else (GREEN if r.reported >= r.expected else None))
                 for r in chunk]
        for line in lines:
            if line.get("color") is None:
                line.pop("color")
        bubbles.append({"type": "bubble", "body": {"type": "box", "layout": "vertical", "spacing": "xs",
                                                   "contents": lines}})
    if len(rows) > capacity:
        bubbles[-1]["body"]["contents"].append(
            _text(chat.SUMMARY_MORE.format(count=len(rows) - capacity), size="xs", color=GREY))
    return {"type": "flex", "altText": clip_text(alt, ALT_TEXT_LIMIT),
            "contents": {"type": "carousel", "contents": bubbles}}
