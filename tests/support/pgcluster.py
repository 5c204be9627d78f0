"""Throwaway PostgreSQL cluster for tests.

Starts a private PostgreSQL server (initdb + pg_ctl) in a temporary directory,
listening on 127.0.0.1 with trust authentication, and removes everything again
on stop.  When running as root (as CI does), the server commands are run as the
``postgres`` system user, because initdb/postgres refuse to run as root.

Library use::

    with PostgresCluster() as pg:
        engine = sqlalchemy.create_engine(pg.url)

Command line use (runs a command against a fresh cluster and exits with its code)::

    python -m tests.support.pgcluster run -- pytest -q

The command gets ``ITABOT_TEST_DATABASE_URL`` set to the cluster's SQLAlchemy URL.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import glob
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["ENV_VAR", "PostgresCluster", "find_pg_bin", "main"]

ENV_VAR = "ITABOT_TEST_DATABASE_URL"
SUPERUSER = "itabot"
DEFAULT_DB = "itabot"
SERVICE_USER = "postgres"
START_TIMEOUT = 60  # seconds, for pg_ctl -w
LOG_TAIL_LINES = 40

_SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "32MB",
    "logging_collector": "off",
    "log_min_messages": "warning",
}


def find_pg_bin(name: str) -> str:
    """Path of a PostgreSQL server binary: on PATH, else the newest /usr/lib/postgresql/*/bin/<name>."""
    found = shutil.which(name)
    if found:
        return found

    def version_key(path: str) -> tuple[int, ...]:
        ver = Path(path).parent.parent.name  # /usr/lib/postgresql/<ver>/bin/<name>
        return tuple(int(p) for p in re.findall(r"\d+", ver)) or (0,)

    candidates = [p for p in glob.glob(f"/usr/lib/postgresql/*/bin/{name}") if os.access(p, os.X_OK)]
    if candidates:
        return max(candidates, key=version_key)
    raise RuntimeError(
        f"PostgreSQL binary {name!r} not found: not on PATH and not in /usr/lib/postgresql/*/bin/. "
        "Install the PostgreSQL server package (e.g. apt-get install postgresql-15)."
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _conf_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no server log)"
    return "\n".join(text.splitlines()[-lines:]) or "(server log is empty)"


class PostgresCluster:
    """A temporary PostgreSQL cluster. ``start()`` returns the SQLAlchemy URL of database "itabot"."""

    def __init__(self, base_dir: str | Path | None = None, port: int | None = None):
        self.base_dir = Path(base_dir) if base_dir is not None else None
        self._requested_port = port
        self.port: int = port or 0
        self.url: str = ""
        self.root: Path | None = None  # temp dir holding data/, sock/ and the server log
        self._running = False
        self._as_service_user = os.geteuid() == 0
        self._atexit_registered = False

    # ------------------------------------------------------------------ paths
    @property
    def data_dir(self) -> Path:
        assert self.root is not None, "cluster not started"
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.root is not None, "cluster not started"
        return self.root / "sock"

    @property
    def log_file(self) -> Path:
        assert self.root is not None, "cluster not started"
        return self.root / "server.log"

    def url_for(self, dbname: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    # --------------------------------------------------------------- commands
    def _cmd(self, argv: list[str]) -> list[str]:
        if not self._as_service_user:
            return argv
        runuser = shutil.which("runuser") or next(
            (p for p in ("/usr/sbin/runuser", "/sbin/runuser") if os.access(p, os.X_OK)), None
        )
        if runuser is None:
            raise RuntimeError("running as root but 'runuser' was not found; cannot drop to user postgres")
        return [runuser, "-u", SERVICE_USER, "--", *argv]

    def _run(self, argv: list[str], what: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_MESSAGES"] = "C"
        try:
            proc = subprocess.run(
                self._cmd(argv),
                cwd=self.root,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(self._error_text(f"{what} timed out after {timeout}s", argv, exc)) from None
        if proc.returncode != 0:
            raise _CommandFailed(self._error_text(f"{what} failed (exit {proc.returncode})", argv, proc))
        return proc

    def _error_text(self, headline: str, argv: list[str], proc: Any) -> str:
        def text(v: Any) -> str:
            if isinstance(v, bytes):
                v = v.decode(errors="replace")
            return (v or "").strip()

        parts = [f"PostgresCluster: {headline}", "command: " + " ".join(self._cmd(argv))]
        if text(proc.stdout):
            parts.append("--- stdout ---\n" + text(proc.stdout))
        if text(proc.stderr):
            parts.append("--- stderr ---\n" + text(proc.stderr))
        if self.root is not None:
            parts.append(f"--- server log tail ({self.log_file}) ---\n" + _tail(self.log_file))
        return "\n".join(parts)

    # -------------------------------------------------------------- lifecycle
    def _make_root(self) -> None:
        if self.base_dir is not None:
            self.base_dir.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix="itabot-pg-", dir=self.base_dir))
        self.socket_dir.mkdir()
        if self._as_service_user:
            import pwd

            pw = pwd.getpwnam(SERVICE_USER)
            for p in (self.root, self.socket_dir):
                os.chown(p, pw.pw_uid, pw.pw_gid)
            os.chmod(self.root, 0o700)
            os.chmod(self.socket_dir, 0o700)
            self._ensure_traversable(pw.pw_uid, pw.pw_gid)

    def _ensure_traversable(self, uid: int, gid: int) -> None:
        """Every ancestor of the temp dir must be searchable by the postgres user.

        Ancestors inside the system temp dir (e.g. pytest's 0700 ``tmp_path`` tree) get o+x
        (search only, no listing); anything else that blocks the postgres user is an error.
        """
        assert self.root is not None
        system_tmp = Path(tempfile.gettempdir()).resolve()
        for parent in self.root.resolve().parents:
            st = parent.stat()
            if (
                st.st_mode & 0o001
                or (st.st_uid == uid and st.st_mode & 0o100)
                or (st.st_gid == gid and st.st_mode & 0o010)
            ):
                continue
            if parent != system_tmp and system_tmp in parent.parents:
                os.chmod(parent, stat.S_IMODE(st.st_mode) | 0o001)
                continue
            raise RuntimeError(
                f"directory {parent} is not traversable by user {SERVICE_USER!r} "
                f"(mode {stat.S_IMODE(st.st_mode):o}); choose another base_dir (e.g. under /tmp)"
            )

    def _initdb(self) -> None:
        initdb = find_pg_bin("initdb")
        base = [
            initdb,
            "-D",
            str(self.data_dir),
            "-A",
            "trust",
            "-U",
            SUPERUSER,
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        ]
        try:
            self._run([*base, "--locale=C.UTF-8"], "initdb")
        except _CommandFailed:
            # C.UTF-8 not available on this system: fall back to plain C
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self._run([*base, "--locale=C"], "initdb")

        settings = dict(_SERVER_SETTINGS)
        settings["unix_socket_directories"] = str(self.socket_dir)
        lines = ["", "# added by tests/support/pgcluster.py"]
        lines += [f"{k} = {_conf_quote(v)}" for k, v in settings.items()]
        with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")

    def _pg_ctl_start(self) -> None:
        pg_ctl = find_pg_bin("pg_ctl")
        self._run(
            [
                pg_ctl,
                "start",
                "-w",
                "-t",
                str(START_TIMEOUT),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-o",
                f"-p {self.port}",
            ],
            "pg_ctl start",
            timeout=START_TIMEOUT + 10,
        )

    def start(self) -> str:
        if self._running:
            return self.url
        try:
            self._make_root()
            self._initdb()
            attempts = 1 if self._requested_port else 5
            for attempt in range(attempts):
                if not self._requested_port:
                    self.port = _free_port()
                try:
                    self._pg_ctl_start()
                    break
                except _CommandFailed:
                    # a port picked at random may have been grabbed meanwhile: retry with another
                    if attempt + 1 < attempts and "could not bind" in _tail(self.log_file, 200):
                        continue
                    raise
            self._running = True
            if not self._atexit_registered:
                atexit.register(self.stop)
                self._atexit_registered = True
            self._create_db(DEFAULT_DB)
        except BaseException:
            self.stop()
            raise
        self.url = self.url_for(DEFAULT_DB)
        return self.url

    def _admin_connect(self) -> Any:
        import psycopg

        deadline = time.monotonic() + 10
        while True:
            try:
                return psycopg.connect(
                    host="127.0.0.1",
                    port=self.port,
                    user=SUPERUSER,
                    dbname="postgres",
                    autocommit=True,
                    connect_timeout=5,
                )
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise

                time.sleep(0.1)

    def _create_db(self, name: str) -> None:
        from psycopg import sql

        with self._admin_connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def create_database(self, name: str) -> str:
        """Create a new empty database and return its SQLAlchemy URL."""
        if not self._running:
            raise RuntimeError("PostgresCluster.create_database() called before start()")
        self._create_db(name)
        return self.url_for(name)

    def server_cpu_seconds(self) -> float | None:
        """CPU time the server has used so far (the postmaster and the backends that have exited, from
        /proc), or None where that cannot be read: with the tests' own CPU time, what a run costs."""
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (AssertionError, OSError, ValueError, IndexError):
            return None
        utime, stime, cutime, cstime = (int(f) for f in fields[11:15])  # stat fields 14-17, in clock ticks
        return (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """Stop the server (fast shutdown; tolerates an already-stopped server) and remove the temp dir."""
        if self.root is None:
            return
        root = self.root
        try:
            if (self.data_dir / "postmaster.pid").exists():
                pg_ctl = find_pg_bin("pg_ctl")
                for mode in ("fast", "immediate"):
                    try:
                        self._run(
                            [pg_ctl, "stop", "-w", "-t", "30", "-D", str(self.data_dir), "-m", mode],
                            f"pg_ctl stop -m {mode}",
                            timeout=40,
                        )
                        break
                    except (RuntimeError, OSError):
                        if not (self.data_dir / "postmaster.pid").exists():
                            break  # already stopped
        finally:
            self._running = False
            self.root = None
            self.url = ""
            if not self._requested_port:
                self.port = 0
            shutil.rmtree(root, ignore_errors=True)
            if root.exists():  # e.g. server still writing during removal: try once more
                time.sleep(0.2)
                shutil.rmtree(root, ignore_errors=True)
            if self._atexit_registered:
                atexit.unregister(self.stop)
                self._atexit_registered = False

    def __enter__(self) -> PostgresCluster:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _CommandFailed(RuntimeError):
    """A server command exited non-zero (message includes output and log tail)."""


# ---------------------------------------------------------------------- CLI
class _Terminated(BaseException):
    pass


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated(signum)


def _run_command(command: list[str]) -> int:
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        print("pgcluster run: no command given (usage: run -- <command...>)", file=sys.stderr)
        return 2

    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    cluster = PostgresCluster()
    proc: subprocess.Popen[bytes] | None = None
    try:
        t0 = time.monotonic()
        try:
            url = cluster.start()
        except RuntimeError as exc:
            print(exc, file=sys.stderr)
            return 1
        print(f"pgcluster: PostgreSQL ready in {time.monotonic() - t0:.1f}s at {url}", file=sys.stderr)
        env = dict(os.environ, **{ENV_VAR: url})
        try:
            proc = subprocess.Popen(command, env=env)
        except OSError as exc:
            print(f"pgcluster run: cannot run {command[0]!r}: {exc}", file=sys.stderr)
            return 127
        rc = proc.wait()
        cpu = cluster.server_cpu_seconds()
        if cpu is not None:
            print(f"pgcluster: the PostgreSQL server used {cpu:.1f} s of CPU", file=sys.stderr)
        return 128 - rc if rc < 0 else rc
    except (KeyboardInterrupt, _Terminated) as exc:
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(OSError):
                proc.send_signal(signal.SIGTERM if isinstance(exc, _Terminated) else signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except (subprocess.TimeoutExpired, KeyboardInterrupt, _Terminated):
                proc.kill()
                proc.wait()
        return 143 if isinstance(exc, _Terminated) else 130
    finally:
        # shield the cleanup from a second Ctrl-C / SIGTERM
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            cluster.stop()
        finally:
            signal.signal(signal.SIGINT, old_int)
            signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.pgcluster",
        description="Throwaway PostgreSQL cluster for the test suite.",
    )
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser(
        "run",
        help=f"start a cluster, run a command with {ENV_VAR} set, stop the cluster",
        usage="%(prog)s -- <command...>",
    )
    run.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.action == "run":
        return _run_command(args.command)
    parser.error(f"unknown action {args.action!r}")  # pragma: no cover
    return 2  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
