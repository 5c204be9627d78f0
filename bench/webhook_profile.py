"""Where one web process's CPU goes per webhook request (#17, #18), in process.

    .venv/bin/python bench/webhook_profile.py                   # --orgs 1000 --requests 3000 --threads 8 --db sqlite
    .venv/bin/python bench/webhook_profile.py --db postgresql --top 30
    .venv/bin/python bench/webhook_profile.py --no-profile      # CPU per request only (the profiler costs ~2×)

On a freshly migrated database it adds N organisations with long-lived credentials, warms every callback once,
then posts pre-signed one-text bodies through the Flask app's WSGI stack (Werkzeug's test client, no sockets)
from T threads at once, as gunicorn's gthread workers do, so the group commit gathers requests as it does under
load: first R to `/callback`, then R spread round-robin over the N `/callback/<slug>`. Per phase it prints
requests/s, p50/p99 and the process's CPU per request (every thread: the request threads and the event
store's writer) — on PostgreSQL the server's CPU per request too (from /proc: the postmaster and its backends) —
and with the profiler on, the functions with the most own time over all threads. Not a timed
test: it only prints figures.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.databases import CHOICES, chosen, database  # noqa: E402

JOIN_SECONDS = 300.0


class ThreadProfiles:
    """A cProfile profiler in every thread started while it is on (threading.setprofile), merged at the end."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()

    def _install(self, frame: Any, event: str, arg: Any) -> None:
        sys.setprofile(None)
        profile = cProfile.Profile()
        with self._lock:
            self.profiles.append(profile)
        profile.enable()

    def start(self) -> None:
        threading.setprofile(self._install)

    def stop(self) -> None:
        threading.setprofile(None)  # type: ignore[arg-type]

    def report(self, top: int) -> str:
        out = io.StringIO()
        stats: pstats.Stats | None = None
        for profile in self.profiles:
            profile.create_stats()
            if stats is None:
                stats = pstats.Stats(profile, stream=out)
            else:
                stats.add(profile)
        if stats is None:
            return "(nothing profiled)"
        stats.sort_stats("tottime").print_stats(top)
        return out.getvalue()


def _run_threads(calls: list[Callable[[], int]], threads: int, expect: int) -> tuple[float, float, list[float]]:
    """The calls from `threads` threads; (wall seconds, process CPU seconds, latencies in ms)."""
    latencies: list[float] = []
    failures: list[str] = []
    index = iter(range(len(calls)))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                n = next(index, None)
            if n is None:
                return
            t0 = time.perf_counter()
            status = calls[n]()
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(elapsed)
                if status != expect:
                    failures.append(str(status))

    workers = [threading.Thread(target=work, name=f"client-{n}", daemon=True) for n in range(threads)]
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=JOIN_SECONDS)
        if worker.is_alive():
            raise RuntimeError(f"a client thread did not finish within {JOIN_SECONDS:g}s")
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    if failures:
        raise RuntimeError(f"{len(failures)} answers were not {expect}: {sorted(set(failures))[:5]}")
    return wall, cpu, latencies


def _line(name: str, wall: float, cpu: float, latencies: list[float], server_cpu: float | None) -> None:
    p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) >= 100 else max(latencies)
    server = "" if server_cpu is None else f"  PostgreSQL {server_cpu / len(latencies) * 1000:5.2f} ms/request"
    print(f"  {name:<34} {len(latencies) / wall:7.0f} req/s  p50 {statistics.median(latencies):6.2f} ms  "
          f"p99 {p99:6.2f} ms  CPU {cpu / len(latencies) * 1000:5.2f} ms/request{server}", flush=True)


def _stat_cpu(pid: int, children_too: bool) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(f) for f in fields[11:15 if children_too else 13])  # utime stime [cutime cstime]
    return ticks / os.sysconf("SC_CLK_TCK")


def server_cpu(postmaster: int | None) -> float | None:
    """CPU seconds the PostgreSQL server has used so far: the postmaster, its live processes (the backends)
    and those that have exited. None on SQLite (its CPU is the process's own) or where /proc cannot tell."""
    if postmaster is None:
        return None
    try:
        total = _stat_cpu(postmaster, children_too=True)
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                    if int(stat.rsplit(")", 1)[1].split()[1]) == postmaster:
                        total += _stat_cpu(int(entry.name), children_too=False)
                except (OSError, ValueError, IndexError):
                    continue  # gone meanwhile
        return total
    except (OSError, ValueError, IndexError):
        return None


def postmaster_of(engine: Any) -> int | None:
    """The PostgreSQL server's process id (the parent of a backend's), on this machine; None on SQLite."""
    if engine.dialect.name != "postgresql":
        return None
    from sqlalchemy import text
    with engine.connect() as connection:
        backend = int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
    try:
        return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def run(kind: str, orgs: int, requests: int, threads: int, profile: bool, top: int) -> None:
    from bot.app import create_app
    from bot.config import Settings
    from linesim import events
    from linesim.webhook_sender import encode_body, sign
    from storage import migrate
    from storage.clock import utcnow
    from usecases.organisations import NewCredentials, add_organisation

    with tempfile.TemporaryDirectory() as tmp, database(kind, tmp) as url:
        migrate.upgrade(url)
        env = {"ITABOT_ENV": "production", "LINE_CHANNEL_SECRET": "env-secret", "LINE_CHANNEL_ACCESS_TOKEN": "env-t",
               "SECRET_KEY": "bench", "COMPLAINT_KEY": base64.b64encode(os.urandom(32)).decode(),
               "CREDENTIALS_KEY": base64.b64encode(os.urandom(32)).decode(), "DATABASE_URL": url,
               "ITABOT_INSTANCE_DIR": tmp, "LINE_API_BASE_URL": "http://127.0.0.1:9", "LOG_LEVEL": "WARNING"}
        app = create_app(Settings.from_env(env, load_dotenv=False))
        services = app.extensions["itabot"]
        services.org_id()
        with services.uow() as uow:
            for n in range(orgs):
                add_organisation(uow, services.credentials_box, f"org-{n}", f"เทศบาล {n}", "Asia/Bangkok",
                                 NewCredentials(f"secret-{n}", f"token-{n}"), utcnow())
            uow.commit()
        clients = threading.local()

        def body(tag: str, user: int) -> bytes:
            event = events.message_event(f"U{user % 200:032x}", f"rt-{tag}-{user}", events.text_message("ช่วยเหลือ"))
            return encode_body(events.DEFAULT_DESTINATION, [event])

        def post(path: str, data: bytes, secret: str) -> Callable[[], int]:
            headers = {"x-line-signature": sign(secret, data), "Content-Type": "application/json; charset=utf-8"}

            def call() -> int:
                client = getattr(clients, "client", None)
                if client is None:
                    client = clients.client = app.test_client()
                return int(client.post(path, data=data, headers=headers).status_code)
            return call

        warm = [post("/callback", body("w", i), "env-secret") for i in range(200)]
        warm += [post(f"/callback/org-{n}", body(f"w{n}", n), f"secret-{n}") for n in range(orgs)]
        _run_threads(warm, threads, 200)
        phases = [("/callback", [post("/callback", body("a", i), "env-secret") for i in range(requests)]),
                  (f"/callback/<slug> ×{orgs}", [post(f"/callback/org-{i % orgs}", body(f"s{i % orgs}", i),
                                                     f"secret-{i % orgs}") for i in range(requests)])]
        print(f"{kind}: {orgs} organisations, {requests} requests per phase from {threads} threads", flush=True)
        postmaster = postmaster_of(services.engine)
        for name, calls in phases:
            profiles = ThreadProfiles() if profile else None
            if profiles is not None:
                # the event store's writer thread is already running: restart it under the profiler
                services.event_store._started_in = None
                profiles.start()
            server0 = server_cpu(postmaster)
            try:
                wall, cpu, latencies = _run_threads(calls, threads, 200)
            finally:
                if profiles is not None:
                    profiles.stop()
            server1 = server_cpu(postmaster)
            _line(name, wall, cpu, latencies, None if server0 is None or server1 is None else server1 - server0)
            if profiles is not None:
                print(profiles.report(top))
        services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--db", choices=CHOICES, default="sqlite")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    for kind in chosen(args.db):
        run(kind, args.orgs, args.requests, args.threads, not args.no_profile, args.top)


if __name__ == "__main__":
    main()
