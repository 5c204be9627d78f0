"""The test run's shared compiled-statement cache (tests/support/statement_cache.py): a second engine takes
what the first compiled, and runs it alike."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from storage.db import make_engine, make_session_factory
from storage.models import Organisation
from storage.uow import UnitOfWorkFactory
from tests.conftest import fresh_database
from tests.support import statement_cache


def test_a_second_engine_takes_the_first_ones_statements_and_runs_them_alike(
        migrated_template: str, tmp_path: Path) -> None:
    shared = statement_cache.shared
    statement = select(Organisation.slug, Organisation.name).where(Organisation.slug.in_(["a", "b"])).order_by(
        Organisation.id)
    found = []
    for n in range(2):
        (tmp_path / str(n)).mkdir()
        engine = make_engine(fresh_database(migrated_template, tmp_path / str(n)))
        try:
            assert engine._compiled_cache is shared
            with engine.begin() as connection:
                connection.execute(Organisation.__table__.insert(), [
                    {"slug": slug, "name": f"เทศบาล {slug} {n}", "timezone": "Asia/Bangkok"} for slug in "abc"])
            misses = shared.misses
            with engine.connect() as connection:
                found.append(list(connection.execute(statement)))
            compiled_now = shared.misses - misses
            # the ORM's flush statements too: a unit of work on this engine adds and reads an organisation
            with UnitOfWorkFactory(make_session_factory(engine))() as uow:
                uow.session.add(Organisation(slug="d", name=f"ง {n}", timezone="Asia/Bangkok"))
                uow.commit()
                assert uow.session.scalar(select(Organisation.name).where(Organisation.slug == "d")) == f"ง {n}"
        finally:
            engine.dispose()
        assert compiled_now == (1 if n == 0 else 0)  # compiled for the first engine, taken by the second
    assert found == [[("a", "เทศบาล a 0"), ("b", "เทศบาล b 0")], [("a", "เทศบาล a 1"), ("b", "เทศบาล b 1")]]


def test_dialects_that_compile_differently_do_not_share(migrated_template: str, tmp_path: Path) -> None:
    engine = make_engine(fresh_database(migrated_template, tmp_path))
    try:
        with engine.connect():
            pass
        kind = statement_cache.shared.kind(engine.dialect)
        other = type(engine.dialect)(paramstyle="named" if engine.dialect.paramstyle != "named" else "qmark")
        assert statement_cache.shared.kind(other) != kind
    finally:
        engine.dispose()
