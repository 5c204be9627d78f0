"""Unit of work: one transaction, with the repositories that work inside it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from storage.audit_log import AuditLogRepository
from storage.complaints import ComplaintRepository
from storage.console_users import ConsoleUserRepository
from storage.conversations import ConversationRepository
from storage.evidence import EvidenceRepository
from storage.inbox import InboxRepository
from storage.keys import StorageKeys
from storage.outbox import OutboxRepository
from storage.people import PeopleRepository
from storage.plan_uploads import PlanUploadRepository
from storage.plans import PlanRepository
from storage.report_settings import ReportSettingsRepository
from storage.schedule_settings import ScheduleRepository


class UnitOfWork:
    """`with uow_factory() as uow: ...; uow.commit()` — leaving the block without commit rolls back.

    Every query is a method of a repository (`uow.plans`, `uow.people`, …); `session` is for storage/ only
    (tests/test_architecture.py checks that nothing else reaches for it)."""

    def __init__(self, session_factory: sessionmaker[Session], keys: StorageKeys | None = None) -> None:
        self._session_factory = session_factory
        self._keys = keys or StorageKeys()

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.inbox = InboxRepository(self.session, self._keys.events)
        self.outbox = OutboxRepository(self.session)
        self.people = PeopleRepository(self.session)
        self.plans = PlanRepository(self.session)
        self.conversations = ConversationRepository(self.session, self._keys.drafts)
        self.evidence = EvidenceRepository(self.session)
        self.complaints = ComplaintRepository(self.session)
        self.schedule = ScheduleRepository(self.session)
        self.console_users = ConsoleUserRepository(self.session)
        self.audit = AuditLogRepository(self.session)
        self.plan_uploads = PlanUploadRepository(self.session)
        self.report_settings = ReportSettingsRepository(self.session)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        # close() ends an uncommitted transaction with a rollback, and leaves loaded objects readable.
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def flush(self) -> None:
        """Write the changes made so far (new rows get their ids, constraints are checked), not committing."""
        self.session.flush()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of the transaction that an exception undoes alone (SAVEPOINT … RELEASE, or ROLLBACK TO
        on the way out of an exception, which is raised again); what came before it stays."""
        with self.session.begin_nested():
            yield

    def ping(self) -> None:
        """A round trip to the database (`SELECT 1`): raises when it cannot be reached."""
        self.session.execute(text("SELECT 1"))

    def rollback(self) -> None:
        self.session.rollback()


class UnitOfWorkFactory:
    def __init__(self, session_factory: sessionmaker[Session], keys: StorageKeys | None = None) -> None:
        self.session_factory = session_factory
        self.keys = keys or StorageKeys()

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.keys)
