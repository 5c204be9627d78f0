"""Unit of work: one transaction, with the repositories that work inside it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from storage.audit_log import AuditLogRepository
from storage.complaints import ComplaintRepository
from storage.console_users import ConsoleUserRepository
from storage.conversations import ConversationRepository
from storage.evidence import EvidenceRepository
from storage.inbox import InboxRepository
from storage.keys import StorageKeys
from storage.organisations import OrganisationRepository
from storage.outbox import OutboxRepository
from storage.people import PeopleRepository
from storage.plan_uploads import PlanUploadRepository
from storage.plans import PlanRepository
from storage.report_settings import ReportSettingsRepository
from storage.schedule_settings import ScheduleRepository
from storage.tenancy import SETTING, current_org_scope

_SET_SCOPE = text("SELECT set_config(:name, :value, true)")


class UnitOfWork:
    """`with uow_factory() as uow: ...; uow.commit()` — leaving the block without commit rolls back.

    Every query is a method of a repository (`uow.plans`, `uow.people`, …); `session` is for storage/ only
    (tests/test_architecture.py checks that nothing else reaches for it).

    Scoped to an organisation (`org_id`, by default the one of `storage.tenancy.org_scope` when it is
    opened), each of its transactions on PostgreSQL sets `itabot.org_id`: row-level security then shows
    only that organisation's rows. Unscoped (system-level work), it sees every organisation."""

    def __init__(self, session_factory: sessionmaker[Session], keys: StorageKeys | None = None,
                 org_id: int | None = None) -> None:
        self._session_factory = session_factory
        self._keys = keys or StorageKeys()
        self.org_id = org_id

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self._scoped = False
        if self.org_id is not None:
            self._start_scope()
        self.inbox = InboxRepository(self.session, self._keys.events)
        self.outbox = OutboxRepository(self.session)
        self.people = PeopleRepository(self.session)
        self.organisations = OrganisationRepository(self.session)
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

    def scope_to(self, org_id: int) -> None:
        """Scope this unit of work to `org_id` from now on (the transaction under way included): for a page
        that learns its organisation from the first query (a public page's slug)."""
        self.org_id = org_id
        self._start_scope()

    def _start_scope(self) -> None:
        if self.session.get_bind().dialect.name != "postgresql":
            return  # no row-level security on SQLite: the repositories' filters are the wall
        if not self._scoped:
            event.listen(self.session, "after_begin", self._scope_transaction)
            self._scoped = True
        if self.session.in_transaction():
            self._scope_transaction(self.session, None, self.session.connection())

    def _scope_transaction(self, _session: Session, _transaction: SessionTransaction | None,
                           connection: Any) -> None:
        """SET LOCAL itabot.org_id for the transaction just begun (and for each after a commit). A savepoint
        begun inside it keeps it: nothing to set (the worker begins one per event)."""
        if _transaction is not None and _transaction.nested:
            return
        connection.execute(_SET_SCOPE, {"name": SETTING, "value": str(self.org_id)})

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
        on the way out of an exception, which is raised again); what came before it stays. What the
        repositories keep in memory for a batch (members, conversations) is forgotten when it is undone, and
        replies deferred meanwhile can no longer be written (`OutboxRepository.savepoint_undone`)."""
        try:
            with self.session.begin_nested():
                yield
        except BaseException:
            self.people.forget_cached()
            self.conversations.forget_cached()
            self.outbox.savepoint_undone()
            self.forget_prefetched()
            raise

    def forget_prefetched(self) -> None:
        """Drop what was read ahead for organisations whose turn has not come (`scoped`)."""
        self.people.forget_waiting()
        self.conversations.forget_waiting()
        self.report_settings.forget_waiting()

    @contextmanager
    def scoped_savepoint(self, org_id: int) -> Iterator[None]:
        """`scoped(org_id)` in a savepoint of its own: an exception undoes that organisation's work alone (and,
        on PostgreSQL, its scope with it)."""
        with self.savepoint(), self.scoped(org_id):
            yield

    @contextmanager
    def scoped(self, org_id: int, restore: bool = True) -> Iterator[None]:
        """Work that is `org_id`'s alone, inside a transaction that serves several organisations (the worker's
        claim: one transaction, each organisation's events in turn).

        On PostgreSQL `itabot.org_id` is set for it (`set_config(..., true)`) and, on the way out, set back to
        this unit of work's own scope (`restore=False`: left for the caller to end with `end_scopes`, after
        the next organisation has set its own); a savepoint rolled back around it undoes the setting too.
        Row-level security then walls off every other organisation's rows, as in a unit of work scoped to
        `org_id`. The session keeps no other organisation's rows on the way in and none of this one's on the way
        out (a lookup by primary key answered from the session would pass the wall); what was read for it ahead
        of its turn (`PeopleRepository.prefetch_members_of`, …) is put in the session then."""
        previous = self.org_id
        self._forget_tenant_rows()
        try:
            self.org_id = org_id
            self._set_scope(org_id)
            self.people.admit(org_id)
            self.conversations.admit(org_id)
            self.report_settings.admit(org_id)
            yield
            self.session.flush()
            if restore:
                self._set_scope(previous)
        finally:
            self.org_id = previous
            self._forget_tenant_rows()

    def end_scopes(self) -> None:
        """After `scoped(..., restore=False)`: back to this unit of work's own scope."""
        self._set_scope(self.org_id)

    def hold_replies(self) -> None:
        """Inside `scoped(org_id)`: the replies deferred in this organisation's turn are kept for
        `write_held_replies`, as written under its scope (the one in force now, not the rows' own `org_id`:
        row-level security still checks each row against the organisation whose turn wrote it)."""
        if self.org_id is None:
            raise RuntimeError("replies are held only in an organisation's scope")
        self.outbox.hold_deferred(self.org_id)

    def write_held_replies(self) -> None:
        """Every organisation's held replies, each under that organisation's scope, in one pipeline on
        PostgreSQL; this unit of work's own scope is in force again after."""
        self.outbox.write_held(self.org_id)

    def _set_scope(self, org_id: int | None) -> None:
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.connection().execute(_SET_SCOPE, {"name": SETTING,
                                                           "value": "" if org_id is None else str(org_id)})

    def _forget_tenant_rows(self) -> None:
        """Take every organisation's rows (the objects with an `org_id`) out of the session, and forget what the
        repositories keep of them (organisations themselves stay: they are no tenant rows)."""
        self.people.forget_cached()
        self.conversations.forget_cached()
        self.report_settings.forget_admitted()
        for obj in list(self.session.identity_map.values()):
            if hasattr(obj, "org_id"):
                self.session.expunge(obj)

    def ping(self) -> None:
        """A round trip to the database (`SELECT 1`): raises when it cannot be reached."""
        self.session.execute(text("SELECT 1"))

    def rollback(self) -> None:
        self.session.rollback()


class UnitOfWorkFactory:
    def __init__(self, session_factory: sessionmaker[Session], keys: StorageKeys | None = None) -> None:
        self.session_factory = session_factory
        self.keys = keys or StorageKeys()

    def __call__(self, org_id: int | None = None) -> UnitOfWork:
        """A unit of work scoped to `org_id`, else to the current `org_scope` (None there: unscoped)."""
        return UnitOfWork(self.session_factory, self.keys, org_id if org_id is not None else current_org_scope())
