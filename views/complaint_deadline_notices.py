"""The day's bundle of complaint deadline notices for one officer: one text message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.digits import ARABIC
from texts import chat
from views import messages
from views.complaint_views import category_name, local_date

MAX_NOTICES_PER_PUSH = 20  # ~200 characters each: well inside a text message's 5,000


@dataclass(frozen=True)
class DeadlineNotice:
    complaint_id: int
    category: str
    name: str  # first_answer | feedback | close
    due: datetime
    missed: bool  # False: a reminder that the deadline is near


def notice_text(notice: DeadlineNotice, tz: str) -> str:
    template = chat.COMPLAINT_DEADLINE_MISSED if notice.missed else chat.COMPLAINT_DEADLINE_REMINDER
    return template.format(id=notice.complaint_id, category=category_name(notice.category),
                           name=chat.COMPLAINT_DEADLINE_NAMES[notice.name], due=local_date(notice.due, tz))


def deadline_bundle_message(notices: list[DeadlineNotice], today: date, tz: str) -> dict[str, Any]:
    """Missed deadlines first, then the nearest; past the cap, a count (the case list shows them all)."""
    ordered = sorted(notices, key=lambda n: (not n.missed, n.due, n.complaint_id))
    shown = ordered[:MAX_NOTICES_PER_PUSH]
    parts = [chat.COMPLAINT_DEADLINE_BUNDLE_HEADER.format(day=ARABIC.date(today), count=len(ordered))]
    parts += [notice_text(n, tz) for n in shown]
    if len(ordered) > len(shown):
        parts.append(chat.COMPLAINT_DEADLINE_BUNDLE_MORE.format(count=len(ordered) - len(shown)))
    return messages.text("\n\n".join(parts))
