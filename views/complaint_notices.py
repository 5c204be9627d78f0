"""What a complainant is pushed when their case changes status or an officer writes to them, and what the
officer is told of how the complainant was reached — in LINE and from the console alike."""

from __future__ import annotations

from domain.complaints.workflow import RelayOutcome
from texts import chat
from views import messages
from views.complaint_views import status_label
from views.messages import MessageBuilder


def status_push(status: str, public: str | None) -> MessageBuilder:
    """What the complainant gets when their case changes status, in LINE and from the console alike."""
    public_line = chat.COMPLAINT_PUBLIC_LINE.format(text=public) if public else ""
    return lambda code: messages.text(chat.COMPLAINT_STATUS_PUSH.format(
        code=code, status=status_label(status), public=public_line))


def message_push(text: str) -> MessageBuilder:
    """What the complainant gets when an officer writes to them."""
    return lambda code: messages.text(chat.COMPLAINT_MESSAGE_PUSH.format(code=code, text=text))


def told_text(outcome: str) -> str:
    told = {RelayOutcome.PUSHED.value: chat.COMPLAINT_TOLD_PUSHED, RelayOutcome.WAITING.value: chat.COMPLAINT_TOLD_WAITING}
    return told.get(outcome, chat.COMPLAINT_TOLD_UNREACHABLE)
