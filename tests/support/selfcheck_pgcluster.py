"""Self-check for tests/support/pgcluster.py (needs the PostgreSQL server binaries).

Not part of the normal suite: every test here is skipped unless this file is named
explicitly on the pytest command line (or ITABOT_PGCLUSTER_SELFCHECK=1 is set)::

    .venv/bin/pytest tests/support/test_pgcluster_selfcheck.py -q
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.pgcluster import ENV_VAR, PostgresCluster, find_pg_bin

THIS_FILE = Path(__file__).resolve()
REPO_ROOT = THIS_FILE.parents[2]


def _explicitly_requested(config: pytest.Config) -> bool:
    if os.environ.get("ITABOT_PGCLUSTER_SELFCHECK") == "1":
        return True
    base = Path(config.invocation_params.dir)
    for arg in config.invocation_params.args:
        path = arg.split("::", 1)[0]
        if path.endswith(".py") and (base / path).resolve() == THIS_FILE:
            return True
    return False


@pytest.fixture(autouse=True)
def _only_when_requested(request: pytest.FixtureRequest) -> None:
    if not _explicitly_requested(request.config):
        pytest.skip("pgcluster self-check runs only when its file is named explicitly")


def test_cluster_lifecycle_and_skip_locked(tmp_path: Path) -> None:
    pg = PostgresCluster()
    url = pg.start()
    root = pg.root
    assert root is not None and root.is_dir()
    try:
        assert url == f"postgresql+psycopg://itabot@127.0.0.1:{pg.port}/itabot"
        assert pg.url == url

        engine = sa.create_engine(url)
        with engine.connect() as conn:
            version = conn.execute(sa.text("select version()")).scalar_one()
            assert version.startswith("PostgreSQL 15")
            assert conn.execute(sa.text("select current_database()")).scalar_one() == "itabot"
            assert conn.execute(sa.text("show server_encoding")).scalar_one() == "UTF8"
            assert conn.execute(sa.text("show fsync")).scalar_one() == "off"
            assert conn.execute(sa.text("show max_connections")).scalar_one() == "200"

        # a second, empty database
        url2 = pg.create_database("itabot_second")
        assert url2.endswith(f":{pg.port}/itabot_second")
        engine2 = sa.create_engine(url2)
        with engine2.connect() as conn:
            assert conn.execute(sa.text("select current_database()")).scalar_one() == "itabot_second"
            n_tables = conn.execute(
                sa.text("select count(*) from information_schema.tables where table_schema = 'public'")
            ).scalar_one()
            assert n_tables == 0

        # SELECT ... FOR UPDATE SKIP LOCKED across two concurrent transactions
        with engine2.begin() as conn:
            conn.execute(sa.text("create table jobs (id int primary key, state text not null)"))
            conn.execute(sa.text("insert into jobs values (1, 'new'), (2, 'new'), (3, 'new')"))
        claim = sa.text("select id from jobs where state = 'new' order by id limit 1 for update skip locked")
        with engine2.connect() as c1, engine2.connect() as c2:
            t1 = c1.begin()
            t2 = c2.begin()
            assert c1.execute(claim).scalar_one() == 1
            assert c2.execute(claim).scalar_one() == 2
            rest = (
                c2.execute(sa.text("select id from jobs order by id for update skip locked")).scalars().all()
            )
            assert rest == [2, 3]  # row 1 is locked by c1 and skipped
            t1.rollback()
            t2.rollback()
        engine.dispose()
        engine2.dispose()
    finally:
        pg.stop()
    assert not root.exists()
    assert pg.root is None
    pg.stop()  # idempotent


def test_context_manager_with_base_dir(tmp_path: Path) -> None:
    with PostgresCluster(base_dir=tmp_path / "pgbase") as pg:
        root = pg.root
        assert root is not None and root.parent == tmp_path / "pgbase"
        engine = sa.create_engine(pg.url)
        with engine.connect() as conn:
            assert conn.execute(sa.text("select 1")).scalar_one() == 1
        engine.dispose()
    assert not root.exists()


def test_run_cli_sets_env_and_propagates_exit_code() -> None:
    code = textwrap.dedent(
        f"""
        import os, sys
        import sqlalchemy as sa
        url = os.environ[{ENV_VAR!r}]
        assert url.startswith("postgresql+psycopg://itabot@127.0.0.1:"), url
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            print("VERSION", conn.execute(sa.text("select version()")).scalar_one())
            print("DATADIR", conn.execute(sa.text("show data_directory")).scalar_one())
        engine.dispose()
        sys.exit(7)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-m", "tests.support.pgcluster", "run", "--", sys.executable, "-c", code],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 7, proc.stdout + proc.stderr
    lines = dict(line.split(" ", 1) for line in proc.stdout.splitlines() if " " in line)
    assert lines["VERSION"].startswith("PostgreSQL 15")
    data_dir = Path(lines["DATADIR"])
    assert data_dir.name == "data"
    assert not data_dir.parent.exists()  # the whole temp dir was removed


def test_find_pg_bin() -> None:
    assert os.access(find_pg_bin("pg_ctl"), os.X_OK)
    with pytest.raises(RuntimeError, match="no_such_pg_tool"):
        find_pg_bin("no_such_pg_tool")
