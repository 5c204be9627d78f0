"""Downloads evidence (photos, files) from LINE's content API right after the handler's commit.

LINE keeps content for a limited, unguaranteed time, so it is fetched at once. 202 (still preparing) and
network errors are retried with backoff; 410 (the sender unsent it) and files over the size limit are
marked and the sender told; nothing is fetched twice.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from bot.line.api import Content, ContentState, LineApi
from bot.line.channels import LineChannels, NoChannel, channels_of
from domain.retry import RetryPolicy
from storage.clock import utcnow
from storage.evidence import EvidenceStatus, EvidenceToFetch
from storage.models import Priority
from storage.uow import UnitOfWork, UnitOfWorkFactory
from texts import chat
from views import messages

log = logging.getLogger(__name__)

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
# content still being prepared, or the network failing: again after 2 s, 4 s … at most a minute; 10 attempts
EVIDENCE_RETRY = RetryPolicy(max_attempts=10, base_seconds=2.0, max_seconds=60.0)
LEASE = timedelta(seconds=90)


def owner_chat(uow: UnitOfWork, owner_kind: str, owner_id: int) -> str | None:
    """Whom to tell about a problem with a piece of evidence: the person whose flow or report it is.
    Anything else (complaints included) is not told by push."""
    if owner_kind == "conversation":
        return uow.conversations.chat_of(owner_id)
    if owner_kind == "progress_report":
        report = uow.plans.report(owner_id)
        member = uow.people.member_by_id(report.reporter_member_id) if report and report.reporter_member_id else None
        return member.line_user_id if member else None
    return None


class EvidenceFetcher:
    def __init__(self, uow_factory: UnitOfWorkFactory, line: LineApi | LineChannels, wake_delivery: threading.Event,
                 max_bytes: int = MAX_EVIDENCE_BYTES) -> None:
        """`line`: each organisation's channel (LineChannels), or one client for all."""
        self.uow_factory = uow_factory
        self.channels = channels_of(line)
        self.wake_delivery = wake_delivery
        self.max_bytes = max_bytes

    def fetch_due(self, limit: int = 5) -> int:
        with self.uow_factory() as uow:
            claimed = uow.evidence.claim_due(utcnow(), limit, LEASE)
            uow.commit()
        for item in claimed:
            try:
                self._fetch(item)
            except Exception:  # the lease runs out and it is tried again
                log.exception("evidence %s: download failed", item.id)
        return len(claimed)

    def _fetch(self, item: EvidenceToFetch) -> None:
        try:  # downloaded with the token of the organisation whose channel received it
            content = self.channels.api(item.org_id).content(item.line_message_id)
        except NoChannel as exc:
            content = Content(ContentState.ERROR, detail=str(exc))
        now = utcnow()
        notice: str | None = None
        with self.uow_factory() as uow:
            if content.state is ContentState.READY:
                if len(content.data) > self.max_bytes:
                    uow.evidence.mark(item.id, EvidenceStatus.TOO_LARGE, f"{len(content.data)} bytes")
                    notice = chat.EVIDENCE_TOO_LARGE
                else:
                    uow.evidence.mark_ready(item.id, content.data, content.content_type, now)
            elif content.state is ContentState.GONE:
                uow.evidence.mark(item.id, EvidenceStatus.GONE, content.detail)
                notice = chat.EVIDENCE_GONE
            elif not EVIDENCE_RETRY.may_retry(item.attempts):
                uow.evidence.mark(item.id, EvidenceStatus.FAILED, content.detail or content.state.value)
                notice = chat.EVIDENCE_FAILED
            else:
                delay = timedelta(seconds=EVIDENCE_RETRY.delay(item.attempts))
                uow.evidence.mark(item.id, EvidenceStatus.PENDING, content.detail or content.state.value,
                                  retry_at=now + delay)
            if notice is not None:
                self._notify(uow, item, notice, now)
            uow.commit()
        log.info("evidence %s: %s (attempt %s)", item.id, content.state.value, item.attempts)
        if notice is not None:
            self.wake_delivery.set()

    def _notify(self, uow: UnitOfWork, item: EvidenceToFetch, template: str, now: datetime) -> None:
        chat_id = owner_chat(uow, item.owner_kind, item.owner_id)
        if chat_id is None:
            return
        kind = chat.MEDIA_KIND_NAMES.get(item.message_type, chat.MEDIA_KIND_FALLBACK)
        body = template.format(kind=kind, limit_mb=self.max_bytes // (1024 * 1024))
        uow.outbox.add_push(item.org_id, chat_id, [messages.text(body)], Priority.NORMAL, now)
