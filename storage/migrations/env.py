"""Alembic environment: uses the project's engine setup (SQLite WAL etc.) and its metadata."""

from __future__ import annotations

from alembic import context

from storage.db import is_sqlite, make_engine
from storage.schema import Base, include_object

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True, include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if is_sqlite(url):
                # A batch migration rebuilds a table (copy, drop, rename): dropping one that other tables
                # reference fails with foreign keys on. As SQLite advises, they are off around the migrations
                # (set outside any transaction, on the raw connection) and checked when they are done.
                raw = connection.connection.dbapi_connection
                assert raw is not None
                raw.execute("PRAGMA foreign_keys=OFF")
            context.configure(connection=connection, target_metadata=target_metadata,
                              render_as_batch=is_sqlite(url), compare_type=True,
                              include_object=include_object)
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
            if is_sqlite(url):
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                connection.commit()
                if broken:
                    raise RuntimeError(f"the migrations left {len(broken)} rows with a broken foreign key")
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
