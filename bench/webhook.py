"""Webhook throughput: gunicorn on loopback, N signed LINE events posted concurrently.

    .venv/bin/python bench/webhook.py [--events 3000] [--concurrency 16] [--db sqlite|postgresql|both]
                                      [--workers 2] [--threads 8]
    .venv/bin/python bench/webhook.py --end-to-end      # itabot beside the SDK's echo bot (bench/README.md)
    .venv/bin/python bench/webhook.py --orgs 1000 --db postgresql   # /callback against 1,000 /callback/<slug>

For each database it runs, in this order and never at the same time:
  1. a bare Flask endpoint (`POST /callback` returning `{}`) under the same gunicorn settings;
  2. itabot (`bot:create_app()`) against a freshly migrated database (SQLite temp file, or a throwaway
     PostgreSQL cluster from tests.support.pgcluster), with the fake LINE platform receiving its replies.
Each run: start gunicorn, wait for /healthz, post a warm-up (not counted; for itabot, wait until it is
processed), then post N pre-built, pre-signed bodies (one text event each, from many users) over keep-alive
connections and record the time from sending each request to its complete 200 answer.

Prints events/s, p50/p99 time to 200 and errors for both, the ratio itabot/bare, whether the goals are
met (>= 1,000 events/s, p99 < 50 ms, ratio >= 0.5), how long itabot took to process everything after the
last ack, and where the CPU went during the run (to tell a saturated machine from a slow generator).

The load generator is one separate process (spawned) with one thread and one raw keep-alive socket per
concurrent client, sending pre-built request bytes, so it costs little of the CPU it measures; its own
CPU use is printed. It is not a timed test: it only prints figures.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import math
import multiprocessing
import os
import platform
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHANNEL_SECRET = "bench-channel-secret-0123456789ab"
ACCESS_TOKEN = "bench-access-token"
SECRET_KEY = "bench-secret-key"
DESTINATION = "U" + "be" * 16
HELP_TEXT = "ช่วยเหลือ"

GOAL_EVENTS_PER_SECOND = 1000.0
GOAL_P99_MS = 50.0
GOAL_RATIO = 0.5
NOISY_NEIGHBOUR_CORES = 0.2

CLK_TCK = os.sysconf("SC_CLK_TCK")

BARE_APP = textwrap.dedent(
    '''
    """The bare endpoint: Flask, the same gunicorn settings, no signature check, no database."""
    from flask import Flask, request

    app = Flask("bare")


    @app.post("/callback")
    def callback():
        request.get_data(cache=False)
        return {}, 200


    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}, 200
    '''
)


ECHO_APP = textwrap.dedent(
    '''
    """The line-bot-sdk's own Flask echo example: the signature checked and the reply sent inside the request."""
    import os

    from flask import Flask, abort, request
    from linebot.v3 import WebhookHandler
    from linebot.v3.exceptions import InvalidSignatureError
    from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, ReplyMessageRequest, TextMessage
    from linebot.v3.webhooks import MessageEvent, TextMessageContent

    app = Flask("echo")
    configuration = Configuration(access_token=os.environ["LINE_CHANNEL_ACCESS_TOKEN"],
                                  host=os.environ["LINE_API_BASE_URL"])
    handler = WebhookHandler(os.environ["LINE_CHANNEL_SECRET"])


    @app.post("/callback")
    def callback():
        signature = request.headers["X-Line-Signature"]
        body = request.get_data(as_text=True)
        try:
            handler.handle(body, signature)
        except InvalidSignatureError:
            abort(400)
        return "OK"


    @handler.add(MessageEvent, message=TextMessageContent)
    def handle_message(event):
        with ApiClient(configuration) as api_client:
            line_bot_api = MessagingApi(api_client)
            line_bot_api.reply_message_with_http_info(
                ReplyMessageRequest(reply_token=event.reply_token, messages=[TextMessage(text=event.message.text)])
            )


    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}, 200
    '''
)

GOAL_E2E_RATIO = {0.0: 0.7, 0.05: 2.0}  # itabot / echo, events whose reply was delivered per second
GOAL_WORKER_RSS_MB = 200.0


# ----------------------------------------------------------------------------------------------------
# Load generator (runs in a spawned child process; keep this part standard library only)
# ----------------------------------------------------------------------------------------------------
class _ConnectionClosed(OSError):
    def __init__(self, got_bytes: bool) -> None:
        super().__init__("connection closed by the server")
        self.got_bytes = got_bytes


def _read_response(sock: socket.socket, buf: bytes) -> tuple[int, bytes, bool]:
    """Read one HTTP/1.1 response: (status, bytes left over, connection may be kept)."""
    while True:
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            break
        chunk = sock.recv(65536)
        if not chunk:
            raise _ConnectionClosed(bool(buf))
        buf += chunk
    head, rest = buf[:end], buf[end + 4 :]
    lines = head.split(b"\r\n")
    status = int(lines[0].split(None, 2)[1])
    length = 0
    keep = True
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection":
            keep = value.strip().lower() != b"close"
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
    if chunked:  # not expected from Flask's JSON answers; read to the terminating chunk
        while b"0\r\n\r\n" not in rest:
            chunk = sock.recv(65536)
            if not chunk:
                raise _ConnectionClosed(True)
            rest += chunk
        return status, rest[rest.index(b"0\r\n\r\n") + 5 :], keep
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise _ConnectionClosed(True)
        rest += chunk
    return status, rest[length:], keep


def _loadgen_init() -> None:
    # Ctrl-C goes to the whole process group: the parent cleans up, the generator just stops with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _loadgen_pid() -> int:
    return os.getpid()


def _client_ports_by_worker(server_port: int, worker_pids: list[int]) -> dict[int, int]:
    """{client port: gunicorn worker pid} of the established connections each worker has accepted."""
    by_inode: dict[str, int] = {}
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(name) as fh:
            for line in fh.readlines()[1:]:
                parts = line.split()
                if parts[3] == "01" and int(parts[1].rsplit(":", 1)[1], 16) == server_port:
                    by_inode[parts[9]] = int(parts[2].rsplit(":", 1)[1], 16)
    owners: dict[int, int] = {}
    for pid in worker_pids:
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                    if target.startswith("socket:[") and target[8:-1] in by_inode:
                        owners[by_inode[target[8:-1]]] = pid
    return owners


def _balance(socks: list[socket.socket], port: int, worker_pids: list[int],
             connect: Callable[[], socket.socket]) -> list[int]:
    """Reconnect until each gunicorn worker holds an even share of the keep-alive connections (which worker
    accepts a connection is a race; with keep-alive a lopsided split would stay for the whole run)."""
    counts: list[int] = []
    for _ in range(300):
        deadline = time.monotonic() + 2.0
        while True:  # a connection can sit in the accept queue for a moment before a worker takes it
            owners = _client_ports_by_worker(port, worker_pids)
            mine = [owners.get(sock.getsockname()[1]) for sock in socks]
            if None not in mine or time.monotonic() > deadline:
                break
            time.sleep(0.005)
        counts = [mine.count(pid) for pid in worker_pids]
        if max(counts) - min(counts) <= 1:
            break
        crowded = worker_pids[counts.index(max(counts))]
        index = mine.index(crowded)
        socks[index].close()
        socks[index] = connect()
    return counts


def run_load(port: int, requests: list[bytes], concurrency: int, worker_pids: list[int] | None = None,
             timeout: float = 30.0) -> dict[str, Any]:
    """Post every request once over `concurrency` keep-alive connections (closed loop); per-request
    latencies, status counts and the generator's own CPU time. With `worker_pids`, the connections are
    first spread evenly over those gunicorn workers."""
    n = len(requests)
    counter = itertools.count()
    starts = [0.0] * n
    ends = [0.0] * n
    statuses: list[int | str] = [0] * n
    reconnects = Counter[str]()
    barrier = threading.Barrier(concurrency + 1)

    def connect() -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    socks = [connect() for _ in range(concurrency)]
    split = _balance(socks, port, worker_pids, connect) if worker_pids else []

    def client(sock: socket.socket | None) -> None:
        barrier.wait()
        buf = b""
        while True:
            i = next(counter)
            if i >= n:
                break
            status: int | str = "no answer"
            keep = False
            t0 = time.perf_counter()
            for attempt in range(2):
                try:
                    if sock is None:
                        sock = connect()
                        reconnects["connect"] += 1
                    sock.sendall(requests[i])
                    status, buf, keep = _read_response(sock, buf)
                    break
                except OSError as exc:
                    with contextlib.suppress(OSError):
                        if sock is not None:
                            sock.close()
                    sock, buf = None, b""
                    status = type(exc).__name__
                    # an idle keep-alive connection closed before it answered anything: send again
                    if not (isinstance(exc, _ConnectionClosed) and not exc.got_bytes) or attempt:
                        break
                    reconnects["retried"] += 1
            starts[i], ends[i], statuses[i] = t0, time.perf_counter(), status
            if not keep and sock is not None:
                sock.close()
                sock, buf = None, b""
        if sock is not None:
            sock.close()

    threads = [threading.Thread(target=client, args=(sock,), daemon=True) for sock in socks]
    for thread in threads:
        thread.start()
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    barrier.wait()
    for thread in threads:
        thread.join()
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    last_end = max(ends)
    return {
        "latencies": [e - s for s, e in zip(starts, ends, strict=True)],
        "wall": last_end - min(starts),
        "statuses": Counter(str(s) for s in statuses),
        "reconnects": dict(reconnects),
        "cpu": (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime),
        # time.monotonic is CLOCK_MONOTONIC: comparable with the parent's clock
        "last_ack_monotonic": time.monotonic() - (time.perf_counter() - last_end),
        # wall clock, comparable with the fake platform's delivery times
        "first_start_wall": time.time() - (time.perf_counter() - min(starts)),
        "split": split,
    }


# ----------------------------------------------------------------------------------------------------
# /proc accounting: who used the CPU during a run
# ----------------------------------------------------------------------------------------------------
def _proc_table() -> dict[int, tuple[int, int]]:
    """{pid: (ppid, utime+stime ticks)} of every process."""
    table: dict[int, tuple[int, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        fields = data[data.rindex(b")") + 2 :].split()
        table[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return table


def _machine_ticks() -> tuple[int, int]:
    with open("/proc/stat") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def _descendants(table: dict[int, tuple[int, int]], root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in found:
            continue
        found.add(pid)
        todo.extend(children.get(pid, []))
    return found


@dataclass
class CpuSnapshot:
    table: dict[int, tuple[int, int]]
    busy: int
    total: int
    at: float

    @classmethod
    def take(cls) -> CpuSnapshot:
        busy, total = _machine_ticks()
        return cls(_proc_table(), busy, total, time.monotonic())


def cpu_report(before: CpuSnapshot, after: CpuSnapshot, groups: dict[str, int | None]) -> tuple[str, dict[str, float]]:
    """One line: machine busy % and cores used per process group (a root pid and its descendants, or
    -pid for that process alone)."""
    wall = max(after.at - before.at, 1e-9)
    busy = (after.busy - before.busy) / max(after.total - before.total, 1)
    cores: dict[str, float] = {}
    for name, root in groups.items():
        if root is None:
            continue
        pids = {-root} if root < 0 else _descendants(after.table, root)
        ticks = sum(after.table[pid][1] - before.table.get(pid, (0, 0))[1] for pid in pids if pid in after.table)
        cores[name] = ticks / CLK_TCK / wall
    cores["other processes"] = max(0.0, busy * (os.cpu_count() or 1) - sum(cores.values()))
    parts = ", ".join(f"{name} {value:.2f}" for name, value in cores.items())
    return f"machine {busy * 100:.0f}% busy ({os.cpu_count()} CPUs); cores used: {parts}", cores


# ----------------------------------------------------------------------------------------------------
# Processes: gunicorn, the database probe
# ----------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_command() -> list[str]:
    script = Path(sys.executable).parent / "gunicorn"
    return [str(script)] if script.exists() else [sys.executable, "-m", "gunicorn"]


class Gunicorn:
    def __init__(self, name: str, app: str, env: dict[str, str], workers: int, threads: int, log_path: Path,
                 pythonpath: Path | None = None) -> None:
        self.name, self.app, self.env = name, app, env
        self.workers, self.threads, self.log_path, self.pythonpath = workers, threads, log_path, pythonpath
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        self.port = free_port()
        cmd = [*gunicorn_command(), "--worker-class", "gthread", "--workers", str(self.workers),
               "--threads", str(self.threads), "--bind", f"127.0.0.1:{self.port}",
               "--log-level", "warning", "--graceful-timeout", "5", "--timeout", "120"]
        if self.pythonpath is not None:
            cmd += ["--pythonpath", str(self.pythonpath)]
        cmd.append(self.app)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn ({self.name}) exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn ({self.name}) not healthy after {timeout}s:\n{self.log_tail()}")
            time.sleep(0.1)
        # /healthz answered from one worker; wait until every worker has booted too
        while len(self.worker_pids()) < self.workers and time.monotonic() < deadline:
            time.sleep(0.1)

    def worker_pids(self) -> list[int]:
        if self.proc is None:
            return []
        return sorted(pid for pid, (ppid, _) in _proc_table().items() if ppid == self.proc.pid)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def problems_in_log(self) -> int:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return 0
        return sum(1 for line in text.splitlines() if " ERROR " in line or line.startswith("Traceback")
                   or "[CRITICAL]" in line or "WORKER TIMEOUT" in line)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        with contextlib.suppress(ProcessLookupError, PermissionError):  # workers left behind, if any
            os.killpg(proc.pid, signal.SIGKILL)


class DbProbe:
    """Reads status counts without taking part in the bot's locking (no BEGIN IMMEDIATE on SQLite)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._sqlite_path = url.split(":///", 1)[1] if url.startswith("sqlite") else None
        self._conn: Any = None

    def _connection(self) -> Any:
        if self._conn is None:
            if self._sqlite_path is not None:
                self._conn = sqlite3.connect(self._sqlite_path, timeout=30, isolation_level=None)
            else:
                import psycopg

                self._conn = psycopg.connect(self.url.replace("+psycopg", ""), autocommit=True)
        return self._conn

    def counts(self, table: str) -> dict[str, int]:
        rows = self._connection().execute(f"SELECT status, count(*) FROM {table} GROUP BY status").fetchall()
        return {status: count for status, count in rows}

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


# ----------------------------------------------------------------------------------------------------
# The benchmark
# ----------------------------------------------------------------------------------------------------
@dataclass
class Figures:
    name: str
    events: int
    wall: float
    latencies_ms: list[float]
    statuses: Counter[str]
    reconnects: dict[str, int]
    generator_cpu: float
    last_ack: float
    cpu_line: str = ""
    cores: dict[str, float] = field(default_factory=dict)
    conns: list[int] = field(default_factory=list)
    first_start_wall: float = 0.0

    @property
    def per_second(self) -> float:
        return self.events / self.wall if self.wall > 0 else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]

    @property
    def errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != "200")

    def error_text(self) -> str:
        bad = {s: c for s, c in self.statuses.items() if s != "200"}
        return ", ".join(f"{c}× {s}" for s, c in sorted(bad.items())) if bad else ""


@dataclass
class EndToEnd:
    """One system's burst: acks, and when the last reply reached the fake platform."""

    name: str
    latency_ms: float
    db: str
    acks: Figures
    all_delivered: bool
    delivered_after: float  # seconds from the first request sent to the last reply delivered
    kinds: dict[str, int]
    reused_tokens: int
    worker_rss_mb: float
    cpu_line: str
    log_problems: int

    @property
    def per_second(self) -> float:
        return self.acks.events / self.delivered_after if self.delivered_after > 0 else 0.0


class RssSampler:
    """The peak resident memory of one process, sampled every 50 ms from /proc."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, pid: int) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(pid,), daemon=True)
        self._thread.start()

    def _run(self, pid: int) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(OSError, ValueError), open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        self.peak_mb = max(self.peak_mb, int(line.split()[1]) / 1024)
            self._stop.wait(0.05)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None


def build_requests(fake: Any, count: int, users: int, channels: list[tuple[str, Any]] | None = None) -> list[bytes]:
    """Pre-built, pre-signed raw HTTP requests: one text event per body, users in turn. `channels`: the
    (path, FakeChannel) pairs the bodies go to in turn, each signed with its channel's secret (default: the
    fake's own channel on /callback)."""
    from linesim.webhook_sender import USER_AGENT, encode_body

    user_ids = [f"U{index:032x}" for index in range(1, users + 1)]
    out = []
    for index in range(count):
        path, channel = channels[index % len(channels)] if channels else ("/callback", fake)
        event = channel.text_event(user_ids[index % users], HELP_TEXT)
        body = encode_body(DESTINATION, [event])
        head = (
            f"POST {path} HTTP/1.1\r\n"
            "Host: 127.0.0.1\r\n"
            f"User-Agent: {USER_AGENT}\r\n"
            "Content-Type: application/json; charset=utf-8\r\n"
            f"x-line-signature: {channel.sign(body)}\r\n"
            f"Content-Length: {len(body)}\r\n"
            "\r\n"
        )
        out.append(head.encode("ascii") + body)
    return out


class Bench:
    def __init__(self, args: argparse.Namespace, stack: contextlib.ExitStack) -> None:
        self.args = args
        self.stack = stack
        self.tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="itabot-bench-")))
        (self.tmp / "bare").mkdir()
        (self.tmp / "bare" / "bare.py").write_text(BARE_APP)
        (self.tmp / "bare" / "echo.py").write_text(ECHO_APP)
        ctx = multiprocessing.get_context("spawn")
        self.pool = ctx.Pool(1, initializer=_loadgen_init)
        stack.callback(self._stop_pool)
        self.generator_pid = self.pool.apply(_loadgen_pid)

    def _stop_pool(self) -> None:
        self.pool.terminate()
        self.pool.join()

    def log(self, message: str) -> None:
        if not self.args.quiet:
            print(f"  · {message}", file=sys.stderr, flush=True)

    # one load run --------------------------------------------------------------------------------
    def post(self, server: Gunicorn, requests: list[bytes], name: str,
             extra_groups: dict[str, int | None] | None = None) -> Figures:
        groups: dict[str, int | None] = {"gunicorn": server.proc.pid if server.proc else None}
        groups.update(extra_groups or {})
        groups["load generator"] = self.generator_pid
        groups["bench+fake LINE"] = -os.getpid()  # negative: this process alone, not its children
        before = CpuSnapshot.take()
        result = self.pool.apply_async(run_load, (server.port, requests, self.args.concurrency,
                                                  self.balance_over(server))).get(timeout=self.args.run_timeout)
        after = CpuSnapshot.take()
        line, cores = cpu_report(before, after, groups)
        return Figures(name, len(requests), result["wall"], [x * 1000 for x in result["latencies"]],
                       result["statuses"], result["reconnects"], result["cpu"], result["last_ack_monotonic"],
                       line, cores, result["split"], result["first_start_wall"])

    def balance_over(self, server: Gunicorn) -> list[int] | None:
        return None if self.args.no_balance else server.worker_pids()

    def warm(self, server: Gunicorn, warmup: list[bytes]) -> None:
        if warmup:
            self.pool.apply(run_load, (server.port, warmup, self.args.concurrency, self.balance_over(server)))

    # the two servers -----------------------------------------------------------------------------
    def bare(self, requests: list[bytes], warmup: list[bytes], label: str) -> Figures:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ITABOT", "DATABASE", "LINE_"))}
        server = Gunicorn("bare", "bare:app", env, self.args.workers, self.args.threads,
                          self.tmp / f"gunicorn-bare-{label}.log", pythonpath=self.tmp / "bare")
        self.stack.callback(server.stop)
        server.start()
        try:
            self.log(f"bare endpoint on {server.url}: warm-up {len(warmup)}, then {len(requests)} requests")
            self.warm(server, warmup)
            return self.post(server, requests, "bare")
        finally:
            server.stop()

    def itabot(self, db_url: str, label: str, pg_pid: int | None) -> tuple[Figures, Figures, list[str]]:
        from linesim import FakeLinePlatform
        from storage import migrate

        args = self.args
        t0 = time.monotonic()
        migrate.upgrade(db_url)
        self.log(f"migrated {label} in {time.monotonic() - t0:.1f}s")
        fake = FakeLinePlatform(channel_secret=CHANNEL_SECRET, access_token=ACCESS_TOKEN)
        fake.start()
        self.stack.callback(fake.stop)
        t0 = time.monotonic()
        warmup = build_requests(fake, args.warmup, args.users)
        measured = build_requests(fake, args.events, args.users)
        self.log(f"built and signed {len(warmup) + len(measured)} bodies in {time.monotonic() - t0:.1f}s")

        bare = self.bare(measured, warmup, label)

        instance = self.tmp / f"instance-{label}"
        env = dict(os.environ)
        env.update({
            "ITABOT_ENV": "test",
            "LINE_CHANNEL_SECRET": CHANNEL_SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": db_url,
            "LINE_API_BASE_URL": fake.base_url,
            "LOG_LEVEL": "WARNING",
            "ITABOT_INSTANCE_DIR": str(instance),
        })
        server = Gunicorn("itabot", "bot:create_app()", env, args.workers, args.threads,
                          self.tmp / f"gunicorn-itabot-{label}.log")
        self.stack.callback(server.stop)
        probe = DbProbe(db_url)
        self.stack.callback(probe.close)
        notes: list[str] = []
        try:
            server.start()
            self.log(f"itabot on {server.url}: warm-up {len(warmup)}")
            self.warm(server, warmup)
            replies_before = len(fake.deliveries())
            self.log(f"itabot: {len(measured)} events, concurrency {args.concurrency}")
            whole_before = CpuSnapshot.take()
            figures = self.post(server, measured, "itabot", {"postgres": pg_pid})
            total = len(warmup) + len(measured)
            # The web only acknowledges; a worker process processes. Start one now that the acks are
            # measured, and time how fast it drains the backlog (warm-up events included).
            worker_started = time.monotonic()
            worker_cmd = self.worker_command()
            worker = subprocess.Popen(worker_cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.stack.callback(_terminate, worker)
            settled, took = self.wait_processed(probe, total, worker_started, fake)
            _terminate(worker)
            whole_after = CpuSnapshot.take()
            _, whole = cpu_report(whole_before, whole_after, {"gunicorn": server.proc.pid if server.proc else None,
                                                              "worker": worker.pid, "postgres": pg_pid})
            span = whole_after.at - whole_before.at
            cost = ", ".join(f"{name} {cores * span / len(measured) * 1000:.2f} ms"
                             for name, cores in whole.items() if name != "other processes")
            notes.append(f"CPU per event from the first request until everything was processed: {cost}")
            inbox = probe.counts("inbox_events")
            outbox = probe.counts("outbox_messages")
            deliveries = fake.deliveries()[replies_before:]
            kinds = Counter(d.kind for d in deliveries)
            kind_text = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items())) or "nothing"
            if settled:
                notes.append(f"one `itabot {' '.join(worker_cmd[1:])}` started after the last ack processed and answered "
                             f"all {total} events in {took:.2f}s ({total / max(took, 1e-9):.0f} events/s, its "
                             "start included)")
            else:
                notes.append(f"NOT all events processed {took:.0f}s after the last ack: inbox {inbox}")
            notes.append(f"fake LINE received {kind_text} for the {len(measured)} measured events; "
                         f"inbox {inbox}; outbox {outbox}")
            problems = server.problems_in_log()
            if problems:
                notes.append(f"gunicorn log has {problems} error lines; tail:\n{server.log_tail(15)}")
        finally:
            server.stop()
            probe.close()
            fake.stop()
        return bare, figures, notes

    # end to end: the SDK's echo pattern and itabot (web + worker), replies to the fake platform ---------
    def itabot_env(self, db_url: str, fake: Any, label: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "ITABOT_ENV": "test",
            "LINE_CHANNEL_SECRET": CHANNEL_SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": db_url,
            "LINE_API_BASE_URL": fake.base_url,
            "LOG_LEVEL": "WARNING",
            "ITABOT_INSTANCE_DIR": str(self.tmp / f"instance-{label}"),
        })
        return env

    def end_to_end(self, db_url: str, label: str, pg_pid: int | None) -> list[EndToEnd]:
        """Per latency: the echo bot, then itabot with its worker running during the load."""
        from linesim import FakeLinePlatform
        from storage import migrate

        args = self.args
        migrate.upgrade(db_url)
        fake = FakeLinePlatform(channel_secret=CHANNEL_SECRET, access_token=ACCESS_TOKEN)
        fake.start()
        self.stack.callback(fake.stop)
        rows: list[EndToEnd] = []
        try:
            for latency in args.latency:
                fake.latency = latency / 1000
                echo_env = {k: v for k, v in os.environ.items() if not k.startswith(("ITABOT", "DATABASE", "LINE_"))}
                echo_env.update({"LINE_CHANNEL_SECRET": CHANNEL_SECRET, "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
                                 "LINE_API_BASE_URL": fake.base_url})
                echo = Gunicorn("echo", "echo:app", echo_env, args.workers, args.threads,
                                self.tmp / f"gunicorn-echo-{label}.log", pythonpath=self.tmp / "bare")
                rows.append(self.e2e_run(fake, echo, None, latency, label, pg_pid))
                env = self.itabot_env(db_url, fake, label)
                server = Gunicorn("itabot", "bot:create_app()", env, args.workers, args.threads,
                                  self.tmp / f"gunicorn-itabot-{label}.log")
                worker_cmd = self.worker_command()
                rows.append(self.e2e_run(fake, server, (worker_cmd, env), latency, label, pg_pid))
        finally:
            fake.stop()
        return rows

    def e2e_run(self, fake: Any, server: Gunicorn, worker: tuple[list[str], dict[str, str]] | None,
                latency: float, label: str, pg_pid: int | None) -> EndToEnd:
        args = self.args
        name = "itabot" if worker else "echo"
        self.stack.callback(server.stop)
        process: subprocess.Popen[bytes] | None = None
        rss = RssSampler()
        try:
            server.start()
            if worker is not None:
                with open(self.tmp / f"worker-{label}.log", "ab") as worker_log:
                    process = subprocess.Popen(worker[0], env=worker[1], stdout=subprocess.DEVNULL, stderr=worker_log)
                self.stack.callback(_terminate, process)
            # Reply tokens live a minute from when the "user" sent the event: the bodies are built (and their
            # tokens issued) just before they are posted, not before the servers start.
            warmup = build_requests(fake, args.warmup, args.users)
            self.log(f"{name} ({label}, LINE {latency:g} ms): warm-up {len(warmup)}")
            before = len(fake.deliveries())
            self.warm(server, warmup)
            if not self.wait_deliveries(fake, before + len(warmup)):
                self.log(f"{name}: warm-up replies not all delivered")
            measured = build_requests(fake, args.events, args.users)
            time.sleep(0.5)  # let the worker go idle: the measured burst starts from a quiet system
            before = len(fake.deliveries())
            if process is not None:
                rss.start(process.pid)
            self.log(f"{name}: {len(measured)} events")
            whole_before = CpuSnapshot.take()
            timeline = contextlib.nullcontext(None)
            if args.timeline and process is not None:
                from bench.e2e_timeline import sampling

                timeline = sampling({"worker": process.pid, "gunicorn": server.proc.pid if server.proc else None,
                                     "postgres": pg_pid, "bench+fake": -os.getpid()})
            with timeline as sampler:
                figures = self.post(server, measured, name, {"worker": process.pid if process else None,
                                                             "postgres": pg_pid})
                delivered = self.wait_deliveries(fake, before + len(measured))
            whole_after = CpuSnapshot.take()
            rss.stop()
            if sampler is not None:
                from bench.e2e_timeline import collect, report

                time.sleep(0.3)  # the last outcomes recorded
                events = collect(worker[1]["DATABASE_URL"] if worker else "", fake.deliveries()[before:],
                                 figures.first_start_wall - 0.05)
                print(f"\n-- timeline: itabot, {label}, LINE {latency:g} ms --")
                print("\n".join(report(events, latency / 1000, sampler)), flush=True)
            deliveries = fake.deliveries()[before:]
            last = max((d.at for d in deliveries), default=figures.first_start_wall)
            kinds = Counter(d.kind for d in deliveries)
            tokens = Counter(d.reply_token for d in deliveries if d.reply_token)
            groups = {"gunicorn": server.proc.pid if server.proc else None,
                      "worker": process.pid if process else None, "postgres": pg_pid,
                      "load generator": self.generator_pid, "bench+fake LINE": -os.getpid()}
            whole_line, _ = cpu_report(whole_before, whole_after, groups)
            problems = server.problems_in_log()
            return EndToEnd(name, latency, label, figures, delivered, last - figures.first_start_wall,
                            dict(kinds), sum(1 for c in tokens.values() if c > 1), rss.peak_mb, whole_line,
                            problems)
        finally:
            rss.stop()
            if process is not None:
                _terminate(process)
            server.stop()

    def worker_command(self) -> list[str]:
        """`itabot worker` as the docs advise deploying it: one process per core (`--processes`,
        docs/scaling.md: a worker process uses at most one core, its GIL's; on SQLite too, since its writers
        wait for each other on a file lock instead of trying again: storage/sqlite_write_lock.py).
        `--worker-processes` and `--worker-args` override."""
        processes = self.args.worker_processes or os.cpu_count() or 1
        return [str(Path(sys.executable).parent / "itabot"), "worker", "--processes", str(processes),
                *self.args.worker_args.split()]

    def wait_deliveries(self, fake: Any, expected: int) -> bool:
        """Until the fake platform has recorded `expected` deliveries. Polled every 10 ms: it counts only those
        recorded since the last look (`deliveries()` filters a copy of all of them under the lock the fake's
        request threads take, in this process: ~1 ms a poll once a few thousand are recorded)."""
        deadline = time.monotonic() + self.args.settle_timeout
        seen = 0
        while True:
            seen += len(fake.state.deliveries_from(seen))
            if seen >= expected:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)

    def wait_processed(self, probe: DbProbe, expected: int, since: float, fake: Any) -> tuple[bool, float]:
        """Until `expected` inbox rows exist, none pending/processing, and no outbox row is unsent."""
        deadline = time.monotonic() + self.args.settle_timeout
        while True:
            inbox = probe.counts("inbox_events")
            outbox = probe.counts("outbox_messages")
            done = (sum(inbox.values()) >= expected and not inbox.get("pending") and not inbox.get("processing")
                    and not outbox.get("pending") and not outbox.get("sending"))
            now = time.monotonic()
            if done or now > deadline:
                return done, now - since
            time.sleep(0.05)


    # many organisations: /callback against /callback/<slug> spread over N organisations, worker running ---
    def many_orgs(self, db_url: str, label: str, pg_pid: int | None) -> tuple[list[Figures], list[str]]:
        """N organisations with their own channels; gunicorn and one `itabot worker` run throughout. The same
        load, one text event per body, goes to `/callback` (the environment's channel), then spread round-robin
        over the N `/callback/<slug>` (each signed with its own secret), then to `/callback` again (how far
        two equal runs differ right now); the worker finishes each run's backlog before the next starts."""
        import base64

        from bot.app import create_app
        from bot.config import Settings
        from linesim import FakeLinePlatform
        from storage import migrate
        from storage.clock import utcnow
        from usecases.organisations import NewCredentials, add_organisation

        args = self.args
        migrate.upgrade(db_url)
        fake = FakeLinePlatform(channel_secret=CHANNEL_SECRET, access_token=ACCESS_TOKEN)
        fake.start()
        self.stack.callback(fake.stop)
        env = self.itabot_env(db_url, fake, label)
        env["CREDENTIALS_KEY"] = base64.b64encode(os.urandom(32)).decode()
        t0 = time.monotonic()
        app = create_app(Settings.from_env(env, load_dotenv=False))
        services = app.extensions["itabot"]
        services.org_id()  # the default organisation first, as `itabot db upgrade` makes it
        channels: list[tuple[str, Any]] = []
        with services.uow() as uow:
            for n in range(args.orgs):
                slug, secret, token = f"org-{n}", f"bench-secret-{n:04d}-0123456789abcdef", f"bench-token-{n:04d}"
                add_organisation(uow, services.credentials_box, slug, f"เทศบาลทดสอบ {n}", "Asia/Bangkok",
                                 NewCredentials(secret, token), utcnow())
                channels.append((f"/callback/{slug}", fake.add_channel(slug, channel_secret=secret,
                                                                      access_token=token)))
            uow.commit()
        services.close()
        self.log(f"{args.orgs} organisations with their own channels added in {time.monotonic() - t0:.1f}s")

        server = Gunicorn("itabot", "bot:create_app()", env, args.workers, args.threads,
                          self.tmp / f"gunicorn-orgs-{label}.log")
        self.stack.callback(server.stop)
        probe = DbProbe(db_url)
        self.stack.callback(probe.close)
        rows: list[Figures] = []
        notes: list[str] = []
        worker: subprocess.Popen[bytes] | None = None
        try:
            server.start()
            with open(self.tmp / f"worker-orgs-{label}.log", "ab") as worker_log:
                worker = subprocess.Popen(self.worker_command(), env=env, stdout=subprocess.DEVNULL,
                                          stderr=worker_log)
            self.stack.callback(_terminate, worker)
            # warm-up: both URLs, every organisation --org-warmup times. Each gunicorn worker opens an
            # organisation's sealed secret on its first request and keeps it for its life: a request lands on
            # either worker, so after k posts an organisation is still cold in a given worker with odds 1/2^k
            # (2: a quarter of them, the first run's default; 8, the default: steady state, 1 in 256)
            warmup = build_requests(fake, args.warmup, args.users) + build_requests(
                fake, args.org_warmup * args.orgs, args.users, channels)
            self.log(f"warm-up: {len(warmup)} requests, then the worker's backlog")
            started = time.monotonic()
            self.warm(server, warmup)
            expected = len(warmup)
            settled, took = self.wait_processed(probe, expected, started, fake)
            notes.append(f"warm-up: {len(warmup)} events acknowledged and processed in {took:.1f}s"
                         + ("" if settled else " (NOT all)"))
            runs = [("/callback", None), (f"/callback/<slug> ×{args.orgs}", channels), ("/callback again", None)]
            for name, spread in runs:
                measured = build_requests(fake, args.events, args.users, spread)
                time.sleep(0.5)  # the worker idle: each burst starts from a quiet system
                self.log(f"{name}: {len(measured)} events, concurrency {args.concurrency}, worker running")
                figures = self.post(server, measured, name, {"worker": worker.pid, "postgres": pg_pid})
                expected += len(measured)
                settled, took = self.wait_processed(probe, expected, figures.last_ack, fake)
                notes.append(f"{name}: the worker finished the backlog {took:.1f}s after the last ack"
                             + ("" if settled else " (NOT all)"))
                rows.append(figures)
            replies = Counter(d.channel for d in fake.deliveries())
            notes.append(f"fake LINE: {sum(replies.values())} messages delivered over {len(replies)} channels")
            problems = server.problems_in_log()
            if problems:
                notes.append(f"gunicorn log has {problems} error lines; tail:\n{server.log_tail(15)}")
        finally:
            if worker is not None:
                _terminate(worker)
            server.stop()
            probe.close()
            fake.stop()
        return rows, notes

def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


# ----------------------------------------------------------------------------------------------------
# Output
# ----------------------------------------------------------------------------------------------------
def _mark(ok: bool) -> str:
    return "yes" if ok else "NO"


def print_section(title: str, bare: Figures, itabot: Figures, notes: list[str]) -> dict[str, Any]:
    print(f"\n== {title} ==")
    print(f"  {'':8} {'events/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7}")
    for fig in (bare, itabot):
        print(f"  {fig.name:8} {fig.per_second:9.0f} {fig.percentile(0.50):8.1f} {fig.percentile(0.99):8.1f} "
              f"{max(fig.latencies_ms):8.1f} {fig.errors:7d}")
    ratio = itabot.per_second / bare.per_second if bare.per_second else 0.0
    ok_rate = itabot.per_second >= GOAL_EVENTS_PER_SECOND
    ok_p99 = itabot.percentile(0.99) < GOAL_P99_MS
    ok_ratio = ratio >= GOAL_RATIO
    print(f"  ratio itabot/bare events/s: {ratio:.2f}")
    print(f"  goals: >= {GOAL_EVENTS_PER_SECOND:.0f} events/s: {_mark(ok_rate)} · p99 < {GOAL_P99_MS:.0f} ms: "
          f"{_mark(ok_p99)} · ratio >= {GOAL_RATIO}: {_mark(ok_ratio)} · no errors: {_mark(not itabot.errors)}")
    for fig in (bare, itabot):
        if fig.errors:
            print(f"  {fig.name} errors: {fig.error_text()}")
        if fig.reconnects:
            print(f"  {fig.name} load generator reconnects: {fig.reconnects}")
    for note in notes:
        print(f"  {note}")
    for fig in (bare, itabot):
        if fig.cores.get("other processes", 0) > NOISY_NEIGHBOUR_CORES:
            print(f"  WARNING: other processes used {fig.cores['other processes']:.2f} cores during the {fig.name} "
                  "run: its figures are disturbed; run again on a quiet machine")
    for fig in (bare, itabot):
        print(f"  CPU during {fig.name} run ({fig.wall:.2f}s): {fig.cpu_line}")
        conns = " / ".join(str(c) for c in fig.conns) if fig.conns else "?"
        print(f"    connections per gunicorn worker: {conns}; generator CPU {fig.generator_cpu / fig.wall:.2f} "
              f"cores ({fig.generator_cpu / fig.events * 1e6:.0f} µs/request); gunicorn CPU "
              f"{fig.cores.get('gunicorn', 0) * fig.wall / fig.events * 1000:.2f} ms/request during the run")
    return {"events_per_second": itabot.per_second, "p99": itabot.percentile(0.99), "ratio": ratio,
            "ok": ok_rate and ok_p99 and ok_ratio and not itabot.errors}


def print_end_to_end(title: str, rows: list[EndToEnd]) -> list[str]:
    """The table of both systems per latency, the ratios and the goals; summary lines."""
    print(f"\n== end to end, {title} ==")
    print(f"  {'LINE':>6} {'system':8} {'acks/s':>7} {'p99 ack':>8} {'all replies':>12} {'events/s':>9} "
          f"{'worker RSS':>11}  replies")
    for row in rows:
        delivered = f"{row.delivered_after:10.2f} s" if row.all_delivered else "   NOT ALL"
        rss = f"{row.worker_rss_mb:8.0f} MB" if row.name == "itabot" else ""
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(row.kinds.items()))
        print(f"  {row.latency_ms:4g}ms {row.name:8} {row.acks.per_second:7.0f} {row.acks.percentile(0.99):6.1f}ms "
              f"{delivered:>12} {row.per_second:9.0f} {rss:>11}  {kinds}"
              + (f"; {row.reused_tokens} tokens used twice" if row.reused_tokens else "")
              + (f"; {row.acks.errors} errors" if row.acks.errors else "")
              + (f"; {row.log_problems} error lines in gunicorn's log" if row.log_problems else ""))
    summary = []
    for echo, bot in zip(rows[0::2], rows[1::2], strict=True):
        ratio = bot.per_second / echo.per_second if echo.per_second else 0.0
        goal = GOAL_E2E_RATIO.get(round(bot.latency_ms / 1000, 3))
        ack_ok = bot.acks.per_second >= GOAL_EVENTS_PER_SECOND and bot.acks.percentile(0.99) < GOAL_P99_MS
        line = (f"{title}, LINE {bot.latency_ms:g} ms: itabot/echo end to end {ratio:.2f}"
                + (f" (goal >= {goal}: {_mark(ratio >= goal)})" if goal else "")
                + f", acks {bot.acks.per_second / max(echo.acks.per_second, 1e-9):.2f}×; web while the worker runs "
                f">= {GOAL_EVENTS_PER_SECOND:.0f} acks/s and p99 < {GOAL_P99_MS:.0f} ms: {_mark(ack_ok)}; "
                f"worker RSS < {GOAL_WORKER_RSS_MB:.0f} MB: {_mark(bot.worker_rss_mb < GOAL_WORKER_RSS_MB)}; "
                f"exactly once: {_mark(bot.all_delivered and not bot.reused_tokens and sum(bot.kinds.values()) == bot.acks.events)}")
        print(f"  {line}")
        summary.append(line)
    for row in rows:
        print(f"  CPU {row.name} {row.latency_ms:g} ms, first request to last reply: {row.cpu_line}")
        if row.acks.cores.get("other processes", 0) > NOISY_NEIGHBOUR_CORES:
            print(f"  WARNING: other processes used {row.acks.cores['other processes']:.2f} cores during the "
                  f"{row.name} {row.latency_ms:g} ms run: its figures are disturbed")
    return summary


def print_many_orgs(title: str, rows: list[Figures], notes: list[str]) -> str:
    """The three runs side by side, the goals for the spread one; the summary line."""
    print(f"\n== {title}: one `itabot worker` running ==")
    print(f"  {'':24} {'acks/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'errors':>6} {'worker cores':>12} "
          f"{'gunicorn ms/req':>15}  vs /callback")
    base = rows[0].per_second
    for fig in rows:
        print(f"  {fig.name:24} {fig.per_second:7.0f} {fig.percentile(0.50):7.1f} {fig.percentile(0.99):7.1f} "
              f"{max(fig.latencies_ms):7.1f} {fig.errors:6d} {fig.cores.get('worker', 0):12.2f} "
              f"{fig.cores.get('gunicorn', 0) * fig.wall / fig.events * 1000:15.2f}  ×{fig.per_second / base:.2f}")
    spread = rows[1]
    ok_rate = spread.per_second >= GOAL_EVENTS_PER_SECOND
    ok_p99 = spread.percentile(0.99) < GOAL_P99_MS
    line = (f"{title}: {spread.name} {spread.per_second:.0f} acks/s (×{spread.per_second / base:.2f} of /callback), "
            f"p99 {spread.percentile(0.99):.1f} ms; goals >= {GOAL_EVENTS_PER_SECOND:.0f} acks/s: {_mark(ok_rate)} · "
            f"p99 < {GOAL_P99_MS:.0f} ms: {_mark(ok_p99)} · no errors: {_mark(not spread.errors)}")
    print(f"  {line}")
    for note in notes:
        print(f"  {note}")
    for fig in rows:
        if fig.errors:
            print(f"  {fig.name} errors: {fig.error_text()}")
        print(f"  CPU during {fig.name} ({fig.wall:.2f}s): {fig.cpu_line}")
        if fig.cores.get("other processes", 0) > NOISY_NEIGHBOUR_CORES:
            print(f"  WARNING: other processes used {fig.cores['other processes']:.2f} cores during {fig.name}: "
                  "its figures are disturbed")
    return line


# ----------------------------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=None, help="measured events (default 3000; 1500 end to end)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker (default 8)")
    parser.add_argument("--warmup", type=int, default=200, help="warm-up requests, not counted (default 200)")
    parser.add_argument("--users", type=int, default=200, help="distinct LINE users sending (default 200)")
    parser.add_argument("--settle-timeout", type=float, default=180.0,
                        help="seconds to wait for the bot to process everything after the last ack")
    parser.add_argument("--run-timeout", type=float, default=600.0, help="seconds allowed for one load run")
    parser.add_argument("--no-balance", action="store_true",
                        help="keep whatever split of connections over the workers the kernel gives")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--end-to-end", action="store_true",
                        help="the SDK's echo bot and itabot (web + worker during the load), until every reply "
                             "is delivered, per --latency (default events 1500)")
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0, 50.0],
                        help="with --end-to-end: the fake LINE platform's latency in ms (default 0 50)")
    parser.add_argument("--timeline", action="store_true",
                        help="with --end-to-end: print where each itabot burst's time went (bench/e2e_timeline.py)")
    parser.add_argument("--worker-args", default="",
                        help="with --end-to-end or --orgs: extra `itabot worker` options")
    parser.add_argument("--worker-processes", type=int, default=0,
                        help="with --end-to-end or --orgs: `itabot worker --processes` (default: one per core, "
                             "as docs/scaling.md advises)")
    parser.add_argument("--orgs", type=int, default=0,
                        help="N organisations with their own channels: the load on /callback, then spread over the "
                             "N /callback/<slug>, then on /callback again, with one `itabot worker` running "
                             "(issue #18; 1000 for its goal; use with --db postgresql)")
    parser.add_argument("--org-warmup", type=int, default=8,
                        help="with --orgs: warm-up posts per organisation before the measured runs (default 8: "
                             "nearly every organisation open in every gunicorn worker, as in a long-running "
                             "deployment; 1–2 measure organisations first seen)")
    args = parser.parse_args(argv)
    if args.events is None:
        args.events = 1500 if args.end_to_end else 3000
    if min(args.events, args.concurrency, args.workers, args.threads, args.users) < 1 or args.warmup < 0:
        parser.error("counts must be positive")
    return args


def _on_sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace, stack: contextlib.ExitStack) -> int:
    import gunicorn

    bench = Bench(args, stack)
    print(f"itabot webhook benchmark — nproc {os.cpu_count()}, {platform.machine()}, Python "
          f"{platform.python_version()}, gunicorn {gunicorn.__version__} gthread")
    print(f"settings: --events {args.events} (+{args.warmup} warm-up) --concurrency {args.concurrency} "
          f"--workers {args.workers} --threads {args.threads} --users {args.users}; one text event "
          f"({HELP_TEXT!r}) per signed body; load generator: 1 process, {args.concurrency} keep-alive connections")
    if args.end_to_end or args.orgs:
        print(f"itabot worker: --processes {args.worker_processes or 'one per core'}"
              f"{' ' + args.worker_args if args.worker_args else ''}")
    summary: dict[str, dict[str, Any]] = {}
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    if args.end_to_end:
        return run_end_to_end(bench, dbs, stack)
    if args.orgs:
        return run_many_orgs(bench, dbs, stack)
    for db in dbs:
        if db == "sqlite":
            url = f"sqlite:///{bench.tmp / 'itabot.db'}"
            bare, itabot, notes = bench.itabot(url, "sqlite", None)
            summary["SQLite"] = print_section("SQLite (temp file, WAL)", bare, itabot, notes)
        else:
            from tests.support.pgcluster import PostgresCluster

            t0 = time.monotonic()
            cluster = PostgresCluster()
            stack.callback(cluster.stop)
            url = cluster.start()
            bench.log(f"PostgreSQL cluster up in {time.monotonic() - t0:.1f}s")
            pg_pid = int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
            bare, itabot, notes = bench.itabot(url, "postgresql", pg_pid)
            summary["PostgreSQL"] = print_section("PostgreSQL (throwaway cluster, fsync off)", bare, itabot, notes)
            cluster.stop()
        sys.stdout.flush()
    print("\nsummary: " + "; ".join(
        f"{name} {s['events_per_second']:.0f} events/s, p99 {s['p99']:.1f} ms, ratio {s['ratio']:.2f} — "
        f"{'all goals met' if s['ok'] else 'goals NOT met'}" for name, s in summary.items()))
    return 0


def run_end_to_end(bench: Bench, dbs: list[str], stack: contextlib.ExitStack) -> int:
    lines: list[str] = []
    for db in dbs:
        if db == "sqlite":
            lines += print_end_to_end("SQLite", bench.end_to_end(f"sqlite:///{bench.tmp / 'e2e.db'}", "sqlite", None))
        else:
            from tests.support.pgcluster import PostgresCluster

            cluster = PostgresCluster()
            stack.callback(cluster.stop)
            url = cluster.start()
            pg_pid = int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
            lines += print_end_to_end("PostgreSQL", bench.end_to_end(url, "postgresql", pg_pid))
            cluster.stop()
        sys.stdout.flush()
    print("\nsummary:\n  " + "\n  ".join(lines))
    return 0


def run_many_orgs(bench: Bench, dbs: list[str], stack: contextlib.ExitStack) -> int:
    lines: list[str] = []
    for db in dbs:
        if db == "sqlite":
            rows, notes = bench.many_orgs(f"sqlite:///{bench.tmp / 'orgs.db'}", "sqlite", None)
            lines.append(print_many_orgs("SQLite", rows, notes))
        else:
            from tests.support.pgcluster import PostgresCluster

            cluster = PostgresCluster()
            stack.callback(cluster.stop)
            url = cluster.start()
            pg_pid = int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
            rows, notes = bench.many_orgs(url, "postgresql", pg_pid)
            lines.append(print_many_orgs("PostgreSQL", rows, notes))
            cluster.stop()
        sys.stdout.flush()
    print("\nsummary:\n  " + "\n  ".join(lines))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started in the background
    stack = contextlib.ExitStack()
    code = 1
    try:
        code = run(args, stack)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping servers and removing temp dirs", file=sys.stderr)
        code = 130
    finally:
        # shield the cleanup from a second Ctrl-C / SIGTERM
        old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            stack.close()
        finally:
            signal.signal(signal.SIGINT, old_int)
            signal.signal(signal.SIGTERM, previous)
    return code


if __name__ == "__main__":
    sys.exit(main())
