"""The composition root: builds engine, unit of work, LINE client, sender and processor from Settings."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from bot.config import Settings
from bot.event_store import EventStore
from bot.evidence_fetcher import EvidenceFetcher
from bot.line_api import LineApi
from bot.outbox_sender import DeliveryPolicy, OutboxSender
from bot.privacy import configure_pseudonyms
from bot.quota import QuotaMonitor
from bot.report_links import report_links
from handlers import build_application, build_flows
from handlers.complaint_config import ComplaintConfig, config_from_settings
from handlers.conversation import Conversations
from handlers.processor import EventProcessor, ProcessingPolicy
from storage.db import make_engine, make_session_factory
from storage.report_service import latest_progress_report_link
from storage.uow import UnitOfWork, UnitOfWorkFactory


@dataclass
class Services:
    settings: Settings
    engine: Engine
    uow: UnitOfWorkFactory
    line: LineApi
    sender: OutboxSender
    processor: EventProcessor
    quota: QuotaMonitor
    event_store: EventStore
    conversations: Conversations
    evidence: EvidenceFetcher
    complaints: ComplaintConfig
    _org_id: int | None = None
    _org_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, settings: Settings) -> Services:
        configure_pseudonyms(settings.secret_key)
        engine = make_engine(settings.database_url)
        uow = UnitOfWorkFactory(make_session_factory(engine))
        line = LineApi(settings.line_channel_access_token, settings.line_api_base_url, settings.line_request_timeout)
        sender = OutboxSender(uow, line, DeliveryPolicy(
            lease_seconds=settings.outbox_lease_seconds,
            max_attempts=settings.outbox_max_attempts,
            retry_base_seconds=settings.outbox_retry_base_seconds,
        ))
        complaints = config_from_settings(settings)
        reports = report_links(settings)
        conversations = Conversations(build_flows(complaints, reports=reports))
        processor = EventProcessor(
            uow, build_application(complaints, conversations, reports=reports), settings.secret_key,
            ProcessingPolicy(lease_seconds=settings.inbox_lease_seconds, max_attempts=settings.inbox_max_attempts,
                             retry_base_seconds=settings.inbox_retry_base_seconds),
        )
        evidence = EvidenceFetcher(uow, line, processor.answers_committed)
        return cls(settings, engine, uow, line, sender, processor, QuotaMonitor(uow, line), EventStore(engine),
                   conversations, evidence, complaints)

    def report_link(self, uow: UnitOfWork, org_id: int) -> str | None:
        """A signed link to the current round's full progress report, for the weekly summary."""
        return latest_progress_report_link(uow, report_links(self.settings), org_id)

    def org_id(self) -> int:
        """The organisation this deployment serves (created with its default units on first use)."""
        if self._org_id is None:
            with self._org_lock:
                if self._org_id is None:
                    self._org_id = self._ensure_org()
        return self._org_id

    def _ensure_org(self) -> int:
        s = self.settings
        for _ in range(2):
            try:
                with self.uow() as uow:
                    org = uow.people.ensure_organisation(s.org_slug, s.org_name, s.timezone)
                    uow.commit()
                    return org.id
            except IntegrityError:  # another process created it at the same moment
                continue
        raise RuntimeError("could not create the organisation row")

    def close(self) -> None:
        self.line.close()
        self.engine.dispose()
