"""What every process of the bot shares, built from Settings: engine, unit of work, LINE client, outbox
sender, quota monitor, webhook event store, evidence fetcher, complaint keys, report links.

The web app, the console and the CLI reach it as `current_app.extensions["itabot"]`. The event processor
(the LINE handlers) is not here: only the worker runs it, and `bot/worker.py` builds it on top of these."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from bot.config import Settings, complaint_config, credentials_box
from bot.line.api import LineApi
from bot.line.channels import LineChannels
from bot.line.evidence_fetcher import EvidenceFetcher
from bot.line.outbox_sender import DELIVERY_RETRY, DeliveryPolicy, OutboxSender
from bot.line.quota import QuotaMonitor
from bot.line.tokens import TokenIssuer
from bot.report_links import report_links
from domain.organisations import CredentialsBox
from domain.pseudonyms import configure_pseudonyms
from storage.db import make_engine, make_session_factory
from storage.event_store import EventStore
from storage.uow import UnitOfWork, UnitOfWorkFactory
from usecases.complaint_config import ComplaintConfig
from usecases.current_round import latest_progress_report_link


@dataclass
class Services:
    settings: Settings
    engine: Engine
    uow: UnitOfWorkFactory
    line: LineApi  # the environment's channel (LINE_CHANNEL_*): the default organisation's
    channels: LineChannels  # every organisation's channel, by org_id
    sender: OutboxSender
    quota: QuotaMonitor
    event_store: EventStore
    evidence: EvidenceFetcher
    complaints: ComplaintConfig
    # Set whenever a handler's answers are committed: delivery threads wait on it to send at once.
    answers_committed: threading.Event
    credentials_box: CredentialsBox | None  # None: CREDENTIALS_KEY is not set
    # Set when this process's webhook stored new events: a worker in the same process wakes at once.
    events_arrived: threading.Event = field(default_factory=threading.Event)
    _org_id: int | None = None
    _org_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, settings: Settings) -> Services:
        configure_pseudonyms(settings.secret_key)
        engine = make_engine(settings.database_url)
        complaints = complaint_config(settings)
        keys = complaints.keys.storage_keys()
        uow = UnitOfWorkFactory(make_session_factory(engine), keys)
        line = LineApi(settings.line_channel_access_token, settings.line_api_base_url, settings.line_request_timeout)
        box = credentials_box(settings)
        channels = LineChannels(
            uow, box, settings.org_slug, settings.line_channel_secret, line, settings.line_channel_access_token,
            lambda token: LineApi(token, settings.line_api_base_url, settings.line_request_timeout,
                                  posts_through=line),
            TokenIssuer(settings.line_api_base_url, settings.line_request_timeout))
        sender = OutboxSender(uow, channels, delivery_policy(settings))
        answers_committed = threading.Event()
        evidence = EvidenceFetcher(uow, channels, answers_committed)
        services = cls(settings, engine, uow, line, channels, sender, QuotaMonitor(uow, channels),
                       EventStore(engine, events_key=keys.events), evidence, complaints, answers_committed, box)
        services.event_store.on_stored = services.events_arrived.set
        return services

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
        self.sender.close()
        self.channels.close()
        self.line.close()
        self.event_store.close()
        self.engine.dispose()


def delivery_policy(settings: Settings) -> DeliveryPolicy:
    """How the outbox is delivered: OUTBOX_LEASE_SECONDS, OUTBOX_MAX_ATTEMPTS, OUTBOX_RETRY_BASE_SECONDS,
    OUTBOX_SEND_CONCURRENCY."""
    return DeliveryPolicy(
        lease_seconds=settings.outbox_lease_seconds,
        concurrency=settings.outbox_send_concurrency,
        retry=replace(DELIVERY_RETRY, max_attempts=settings.outbox_max_attempts,
                      base_seconds=settings.outbox_retry_base_seconds),
    )
