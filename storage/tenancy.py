"""Which organisation the current work is for, so the database can wall off the others (#18).

An adapter that works for one organisation says so once, `with org_scope(org_id): ...` (the worker around an
event, the console and the public pages around a request, the scheduler around each organisation's run);
every unit of work opened inside is scoped to it. On PostgreSQL a scoped unit of work sets
`itabot.org_id` for each of its transactions (`set_config(..., true)`, i.e. SET LOCAL: it ends with the
transaction, a pooled connection keeps nothing), and the row-level security policies of the tenant tables
(migration 0013) then show and accept only that organisation's rows: a query that forgets its `org_id`
filter returns nothing of another organisation instead of leaking it. SQLite has no row-level security:
there the repositories' `org_id` filters are the wall (tests/test_isolation.py tries every surface).

A console operator (the hosting vendor, bound to no organisation) works under `OPERATOR_SCOPE`: it sees the
organisations, never their data; creating an organisation and sealing its credentials are scoped to it.

System-level work — the worker claiming events and delivering the outbox across organisations, retention
sweeps, migrations — runs unscoped and sees every organisation, as it must. `org_scope(None)` says so
explicitly inside a scoped block.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

SETTING = "itabot.org_id"
# The scope of a console operator's requests (#18): no organisation has this id, so every tenant table shows
# nothing, except the operators' own rows (org_id NULL) of console_users, console_login_failures and
# audit_log (migration 0017). Operators read and change the `organisations` table, which is no tenant table.
OPERATOR_SCOPE = 0
_current: ContextVar[int | None] = ContextVar("itabot_org_scope", default=None)


def current_org_scope() -> int | None:
    """The organisation units of work opened now are scoped to, or None (system-level, every one)."""
    return _current.get()


@contextmanager
def org_scope(org_id: int | None) -> Iterator[None]:
    """Scope every unit of work opened inside to `org_id` (None: unscoped, system-level)."""
    token = _current.set(org_id)
    try:
        yield
    finally:
        _current.reset(token)


def enter_org_scope(org_id: int | None) -> object:
    """For frameworks with before/after hooks (a Flask request): set the scope; give the token back to
    `leave_org_scope` when done."""
    return _current.set(org_id)


def leave_org_scope(token: object) -> None:
    try:
        _current.reset(token)  # type: ignore[arg-type]
    except ValueError:  # set in another context (a framework that copied it): end the scope all the same
        _current.set(None)
