"""The databases a benchmark runs on: a SQLite file in a temporary folder, or a throwaway PostgreSQL cluster
(tests.support.pgcluster: initdb/pg_ctl on a free port, removed afterwards)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

CHOICES = ("sqlite", "postgresql", "both")


def chosen(choice: str) -> list[str]:
    """The databases `--db` names: "sqlite", "postgresql" or both of them."""
    return ["sqlite", "postgresql"] if choice == "both" else [choice]


@contextmanager
def database(kind: str, tmp: str) -> Iterator[str]:
    """A fresh database of `kind`, as a URL; a PostgreSQL cluster is stopped and removed afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp}/bench.db"
        return
    from tests.support.pgcluster import PostgresCluster

    cluster = PostgresCluster()
    try:
        cluster.start()
        yield cluster.create_database("bench")
    finally:
        cluster.stop()
