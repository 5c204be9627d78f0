"""Where one end-to-end burst's time goes (`bench/webhook.py --end-to-end --timeline`, issue #17).

Nothing in the bot is instrumented for it: every stage of an event leaves a time behind.
- stored: the inbox row's `received_at` (the webhook stores before it answers 200, so ≈ the ack);
- processed: the inbox row's `processed_at` (the batch's done mark, just before its commit);
- answer written: the reply row's `created_at` (in the same transaction);
- claimed: the reply row's `reply_attempted_at` (the delivery claim's time; its `lease_owner` names the claim);
- sent: the fake LINE platform's delivery time (the call carried out; LINE's answer follows `latency` later);
- recorded: the reply row's `delivered_at` (the outcome's transaction).
The reply row and its delivery are matched to the event by the reply token. A sampler thread reads the
worker's, gunicorn's and PostgreSQL's CPU ticks from /proc every `interval` seconds during the burst.

Printed: per stage the p50/p90/max of the gap, per time bin what was stored/processed/claimed/sent, the
backlogs, the sends in flight at LINE and claimed-not-recorded rows (the sender's slots), each process's cores;
the claim sizes; how many distinct chats the burst came from and the gaps between one chat's events.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _children_table() -> dict[int, tuple[int, int]]:
    """{pid: (ppid, utime+stime ticks)} of every process (bench/webhook.py's `/proc` accounting)."""
    from bench.webhook import _proc_table  # imported here: bench/webhook.py imports this module lazily too

    return _proc_table()


def _group_ticks(table: dict[int, tuple[int, int]], root: int) -> int:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    if root < 0:  # this process alone, not its children
        return table.get(-root, (0, 0))[1]
    total, todo, seen = 0, [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += table.get(pid, (0, 0))[1]
        todo.extend(children.get(pid, []))
    return total


@dataclass
class CpuSampler:
    """Cores used per process group (root pid and its descendants) over time, from /proc."""

    groups: dict[str, int]
    interval: float = 0.25
    samples: list[tuple[float, dict[str, int]]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True, name="cpu-sampler")
        self._thread.start()

    def _run(self) -> None:
        while True:
            table = _children_table()
            self.samples.append((time.time(), {name: _group_ticks(table, pid) for name, pid in self.groups.items()}))
            if self._stop.wait(self.interval):
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def cores_between(self, start: float, end: float) -> dict[str, float]:
        """Cores each group used from the last sample at or before `start` to the first at or after `end`."""
        before = [s for s in self.samples if s[0] <= start] or self.samples[:1]
        after = [s for s in self.samples if s[0] >= end] or self.samples[-1:]
        if not before or not after or after[0][0] <= before[-1][0]:
            return {}
        (t0, a), (t1, b) = before[-1], after[0]
        return {name: (b[name] - a[name]) / CLK_TCK / (t1 - t0) for name in self.groups}


@dataclass
class EventTimes:
    chat: str
    stored: float
    processed: float | None = None
    written: float | None = None
    claimed: float | None = None
    claim: str | None = None
    sent: float | None = None
    recorded: float | None = None


def _ts(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def collect(db_url: str, deliveries: Iterable[Any], since: float) -> list[EventTimes]:
    """Every event stored at or after `since` (wall clock), with its reply's times."""
    from sqlalchemy import create_engine, select

    from storage.models import InboxEvent, OutboxMessage

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            events = conn.execute(select(InboxEvent.chat_key, InboxEvent.payload, InboxEvent.received_at,
                                         InboxEvent.processed_at)).all()
            replies = conn.execute(select(OutboxMessage.reply_token, OutboxMessage.created_at,
                                          OutboxMessage.reply_attempted_at, OutboxMessage.lease_owner,
                                          OutboxMessage.delivered_at).where(OutboxMessage.kind == "reply")).all()
    finally:
        engine.dispose()
    by_token = {row.reply_token: row for row in replies if row.reply_token}
    sent = {d.reply_token: d.at for d in deliveries if getattr(d, "reply_token", None)}
    out = []
    for row in events:
        stored = _ts(row.received_at)
        if stored is None or stored < since:
            continue
        payload = row.payload or {}
        token = payload.get("replyToken") if isinstance(payload, dict) else None
        times = EventTimes(row.chat_key, stored, _ts(row.processed_at))
        reply = by_token.get(token)
        if reply is not None:
            times.written, times.claimed = _ts(reply.created_at), _ts(reply.reply_attempted_at)
            times.claim, times.recorded = reply.lease_owner, _ts(reply.delivered_at)
        times.sent = sent.get(token)
        out.append(times)
    return out


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(q * len(ordered) + 0.5) - 1))] if ordered else float("nan")


def report(events: list[EventTimes], latency: float, cpu: CpuSampler | None, bin_seconds: float = 0.5) -> list[str]:
    """The printed lines."""
    lines: list[str] = []
    if not events:
        return ["timeline: no events found"]
    t0 = min(e.stored for e in events)
    stages = [("stored → processed", "stored", "processed"), ("processed → claimed", "processed", "claimed"),
              ("written → claimed", "written", "claimed"), ("claimed → sent", "claimed", "sent"),
              ("sent → recorded", "sent", "recorded"), ("stored → sent (user waits)", "stored", "sent")]
    lines.append(f"timeline of {len(events)} events (t=0 the first stored); gaps in ms: p50 / p90 / max")
    for label, a, b in stages:
        gaps = [(getattr(e, b) - getattr(e, a)) * 1000 for e in events
                if getattr(e, a) is not None and getattr(e, b) is not None]
        if gaps:
            lines.append(f"  {label:28} {_pct(gaps, 0.5):8.1f} {_pct(gaps, 0.9):8.1f} {max(gaps):8.1f}  ({len(gaps)})")
    # chats
    by_chat: dict[str, list[float]] = {}
    for e in events:
        by_chat.setdefault(e.chat, []).append(e.stored)
    gaps = [(b - a) * 1000 for times in by_chat.values() for a, b in zip(sorted(times), sorted(times)[1:], strict=False)]
    lines.append(f"  chats: {len(by_chat)} distinct for {len(events)} events ({len(events) / len(by_chat):.1f} each); "
                 f"one chat's consecutive events stored {_pct(gaps, 0.5):.0f} ms apart (p50), p10 {_pct(gaps, 0.1):.0f} ms")
    # a chat's next event processed only after its earlier reply was sent? (order waits)
    held = []  # a reply written while its chat's earlier reply was out (claimed, not recorded): it waits
    for chat_events in _group(events).values():
        for earlier, later in itertools.pairwise(chat_events):
            if (earlier.claimed and earlier.recorded and later.written
                    and earlier.claimed <= later.written < earlier.recorded):
                held.append((earlier.recorded - later.written) * 1000)
    lines.append(f"  replies written while their chat's earlier reply was out (they wait for its recording): "
                 f"{len(held)}, waiting p50 {_pct(held, 0.5):.0f} ms, max {max(held, default=0):.0f} ms")
    claims = Counter(e.claim for e in events if e.claim)
    sizes = Counter(claims.values())
    lines.append(f"  delivery claims: {len(claims)} for {sum(claims.values())} replies; sizes "
                 + ", ".join(f"{size}×{count}" for size, count in sorted(sizes.items())))
    batches = Counter(e.processed for e in events if e.processed)
    bsizes = Counter(batches.values())
    lines.append(f"  processing batches (same done mark): {len(batches)}; sizes "
                 + ", ".join(f"{size}×{count}" for size, count in sorted(bsizes.items())))
    # bins
    end = max(max(e.recorded or e.stored for e in events), max(e.sent or e.stored for e in events))
    lines.append(f"  per {bin_seconds:g} s: stored/processed/claimed/sent in the bin; backlog at its end: inbox "
                 "(stored, not processed), outbox (written, not claimed); mean in flight at LINE, claimed not "
                 "recorded; cores")
    names = list(cpu.groups) if cpu else []
    lines.append(f"  {'t s':>5} {'stor':>5} {'proc':>5} {'clm':>5} {'sent':>5} {'inbox':>6} {'outbx':>6} "
                 f"{'@LINE':>6} {'claimd':>6} " + " ".join(f"{n[:8]:>8}" for n in names))
    t = t0
    while t < end:
        u = t + bin_seconds

        def within(attr: str, lo: float = t, hi: float = u) -> int:
            return sum(1 for e in events if (v := getattr(e, attr)) is not None and lo <= v < hi)

        def backlog(a: str, b: str, at: float = u) -> int:
            return sum(1 for e in events if (va := getattr(e, a)) is not None and va < at
                       and ((vb := getattr(e, b)) is None or vb >= at))

        steps = 20
        at_line = claimed = 0.0
        for k in range(steps):
            s = t + bin_seconds * (k + 0.5) / steps
            at_line += sum(1 for e in events if e.sent is not None and e.sent - 0.0005 <= s < e.sent + latency)
            claimed += sum(1 for e in events if e.claimed is not None and e.claimed <= s
                           and (e.recorded is None or e.recorded > s))
        cores = cpu.cores_between(t, u) if cpu else {}
        lines.append(f"  {t - t0:5.1f} {within('stored'):5d} {within('processed'):5d} {within('claimed'):5d} "
                     f"{within('sent'):5d} {backlog('stored', 'processed'):6d} {backlog('written', 'claimed'):6d} "
                     f"{at_line / steps:6.1f} {claimed / steps:6.1f} "
                     + " ".join(f"{cores.get(n, float('nan')):8.2f}" for n in names))
        t = u
    if cpu:
        whole = cpu.cores_between(t0, end)
        lines.append("  cores over the whole burst: " + ", ".join(f"{n} {c:.2f}" for n, c in whole.items()))
    return lines


def _group(events: list[EventTimes]) -> dict[str, list[EventTimes]]:
    out: dict[str, list[EventTimes]] = {}
    for e in sorted(events, key=lambda e: e.stored):
        out.setdefault(e.chat, []).append(e)
    return out


@contextlib.contextmanager
def sampling(groups: dict[str, int | None], interval: float = 0.25) -> Any:
    sampler = CpuSampler({k: v for k, v in groups.items() if v}, interval)
    sampler.start()
    try:
        yield sampler
    finally:
        sampler.stop()
