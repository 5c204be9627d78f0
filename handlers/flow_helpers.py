"""What the conversation flows share: reading typed words, quick-reply labels and button data, the
organisation's today, and evidence (photos, files, videos) sent in a flow."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo

from domain.thai_text import squeeze, to_arabic_digits
from handlers.base import Context
from handlers.events import IncomingEvent
from texts import chat
from views import messages

EVIDENCE_TYPES = frozenset({"image", "file", "video"})


@lru_cache(maxsize=8192)  # every event is compared with many command words: each word's key once
def word_key(text: str) -> str:
    """A typed word as it is compared: no spaces (Thai words get broken by stray ones), Arabic digits,
    lower case."""
    return squeeze(to_arabic_digits(text)).lower()


def is_word(event: IncomingEvent, words: Iterable[str]) -> bool:
    """The event is a text saying one of `words`."""
    return event.is_text and word_key(event.text or "") in {word_key(w) for w in words}


def text_of(event: IncomingEvent) -> str:
    """The text typed, stripped; "" for anything that is not a text."""
    return (event.text or "").strip() if event.is_text else ""


def choice_of(event: IncomingEvent, labels: Mapping[str, str],
           synonyms: Mapping[str, Iterable[str]] | None = None) -> str | None:
    """The value of the quick-reply label typed or tapped, or of one of its typed synonyms."""
    if not event.is_text:
        return None
    said = word_key(event.text or "")
    for label, value in labels.items():
        if said == word_key(label) or said in {word_key(w) for w in (synonyms or {}).get(value, ())}:
            return value
    return None


def postback_arg(event: IncomingEvent, prefix: str) -> int | None:
    """The number after `prefix` in a button's postback data ("report:pick:12" → 12), else None."""
    data = event.postback_data or ""
    if event.type != "postback" or not data.startswith(prefix):
        return None
    tail = data[len(prefix):]
    return int(tail) if tail.isdigit() else None


def local_today(ctx: Context) -> date:
    """Today in the organisation's time zone."""
    return ctx.now.astimezone(ZoneInfo(ctx.org.timezone)).date()


# -- evidence ----------------------------------------------------------------------------------------------
def is_evidence(event: IncomingEvent) -> bool:
    """A photo, file or video LINE keeps for us to download (it has a message id)."""
    return event.type == "message" and event.message_type in EVIDENCE_TYPES and bool(event.message_id)


@dataclass(frozen=True)
class EvidenceTexts:
    """A flow's answers to evidence: received ({kind}, {count}), already received, over the limit ({limit})."""

    received: str
    duplicate: str
    limit: str


def record_evidence(event: IncomingEvent, ctx: Context, owner_kind: str, owner_id: int, *, limit: int,
                    texts: EvidenceTexts, choices: list[str]) -> None:
    """Record a photo or file sent in a flow (downloaded after the commit) under the flow's draft, up to
    `limit` of them, and say how many there are."""
    assert event.message_id is not None
    kind = chat.MEDIA_KIND_NAMES.get(event.message_type or "", chat.MEDIA_KIND_FALLBACK)
    count = ctx.uow.evidence.count_for_owner(owner_kind, owner_id)
    if count >= limit:
        ctx.reply(messages.text(texts.limit.format(limit=limit), choices))
        return
    row = ctx.uow.evidence.add(ctx.org.id, owner_kind, owner_id, event.message_id,
                               event.message_type or "file", event.file_name, ctx.now)
    template = texts.received if row else texts.duplicate
    ctx.reply(messages.text(template.format(kind=kind, count=count + (1 if row else 0)), choices))
