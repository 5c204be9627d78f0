"""Row-level security on PostgreSQL (#18, migration 0013): a unit of work scoped to an organisation sees,
changes and inserts only that organisation's rows, even with a query that forgets its `org_id` filter; system-
level work (unscoped) sees every one. The bot connects as an ordinary role (tests/conftest.py), since a
superuser passes row-level security. On SQLite scoping changes nothing (the repositories' filters are the
wall: tests/test_isolation.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from storage.clock import utcnow
from storage.db import make_engine, make_session_factory
from storage.models import InboxEvent, Member, Unit
from storage.tenancy import org_scope
from storage.uow import UnitOfWorkFactory


@pytest.fixture
def factory(database_url: str) -> Iterator[UnitOfWorkFactory]:
    engine = make_engine(database_url)
    yield UnitOfWorkFactory(make_session_factory(engine))
    engine.dispose()


@pytest.fixture
def two_orgs(factory: UnitOfWorkFactory) -> tuple[int, int]:
    with factory() as uow:
        a = uow.people.ensure_organisation("org-a", "เทศบาลเอ", "Asia/Bangkok").id
        b = uow.people.ensure_organisation("org-b", "เทศบาลบี", "Asia/Bangkok").id
        now = utcnow()
        uow.people.get_or_create_member(a, "U" + "a" * 32, now)
        uow.people.get_or_create_member(b, "U" + "b" * 32, now)
        uow.commit()
    return a, b


def unit_orgs(factory: UnitOfWorkFactory, org_id: int | None = None) -> set[int]:
    """A deliberately unscoped query: every unit, no org_id filter."""
    with factory(org_id) as uow:
        return set(uow.session.scalars(select(Unit.org_id)))


def test_the_bot_connects_as_an_ordinary_role(factory: UnitOfWorkFactory, on_postgresql: bool) -> None:
    if not on_postgresql:
        pytest.skip("PostgreSQL only")
    with factory() as uow:
        row = uow.session.execute(text(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
    assert tuple(row) == (False, False)


def test_an_unscoped_query_in_a_scoped_unit_of_work_sees_only_its_organisation(
        factory: UnitOfWorkFactory, two_orgs: tuple[int, int], on_postgresql: bool) -> None:
    a, b = two_orgs
    assert unit_orgs(factory) == {a, b}  # system-level: every organisation
    if not on_postgresql:  # SQLite: scoping is accepted and changes nothing
        assert unit_orgs(factory, a) == {a, b}
        return
    assert unit_orgs(factory, a) == {a}
    assert unit_orgs(factory, b) == {b}
    with org_scope(a):  # the adapters' way: every unit of work opened inside
        assert unit_orgs(factory) == {a}
        with org_scope(None):
            assert unit_orgs(factory) == {a, b}
    with factory(a) as uow:
        # lookups by id, counts and joins of another organisation's rows find nothing
        b_member = uow.session.scalar(select(func.min(Member.id)).where(Member.org_id == b))
        assert b_member is None
        assert uow.people.member(b, "U" + "b" * 32) is None
        assert uow.people.units(b) == []
        # an unfiltered UPDATE touches only its own rows
        changed = uow.session.execute(update(Member).values(display_name="แก้ทุกแถว"))
        assert changed.rowcount == 1  # type: ignore[attr-defined]
        uow.commit()
        # the scope holds for the next transaction of the same unit of work (after the commit)
        assert set(uow.session.scalars(select(Member.org_id))) == {a}
    with factory() as uow:
        names = {row[0]: row[1] for row in uow.session.execute(select(Member.org_id, Member.display_name))}
    assert names == {a: "แก้ทุกแถว", b: None}
    # a pooled connection that served a scoped unit of work is unscoped again afterwards (SET LOCAL)
    for _ in range(3):
        assert unit_orgs(factory) == {a, b}


def test_a_scoped_unit_of_work_cannot_write_rows_of_another_organisation(
        factory: UnitOfWorkFactory, two_orgs: tuple[int, int], on_postgresql: bool) -> None:
    if not on_postgresql:
        pytest.skip("PostgreSQL only")
    a, b = two_orgs
    with factory(a) as uow, pytest.raises(DBAPIError, match="row-level security"):
        uow.people.add_unit(b, "กองแทรก", [], utcnow())
    with factory(a) as uow:
        member = uow.people.member(a, "U" + "a" * 32)
        assert member is not None
        member.org_id = b  # moving a row into another organisation is refused as well
        with pytest.raises(DBAPIError, match="row-level security"):
            uow.flush()
    assert "กองแทรก" not in {u.name for u in _all_units(factory)}


def _all_units(factory: UnitOfWorkFactory) -> list[Unit]:
    with factory() as uow:
        return list(uow.session.scalars(select(Unit)))


def test_a_public_page_is_scoped_to_its_organisation_after_the_slug(
        factory: UnitOfWorkFactory, two_orgs: tuple[int, int], on_postgresql: bool) -> None:
    if not on_postgresql:
        pytest.skip("PostgreSQL only")
    a, b = two_orgs
    with factory() as uow:
        org = uow.people.organisation("org-b")
        assert org is not None
        uow.scope_to(org.id)  # mid-transaction, as bot/web/public_pages.py does
        assert set(uow.session.scalars(select(Unit.org_id))) == {b}
        assert uow.session.scalar(select(func.count()).select_from(InboxEvent)) == 0
    assert unit_orgs(factory) == {a, b}


def test_every_table_with_an_org_id_has_the_policy() -> None:
    """A new tenant table must be added to the row-level security migration (or a later one)."""
    import importlib.util
    from pathlib import Path

    from storage.models import Base

    path = Path(__file__).resolve().parents[1] / "storage/migrations/versions/0013_row_level_security.py"
    spec = importlib.util.spec_from_file_location("rls_migration", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with_org = {name for name, table in Base.metadata.tables.items() if "org_id" in table.c}
    assert with_org == set(migration.TENANT_TABLES)
