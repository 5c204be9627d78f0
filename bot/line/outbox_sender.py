"""Delivery of outbox rows to LINE: claim, send with the row's fixed retry key, record each outcome.

- 200, and 409 "retry key already accepted": delivered (the key makes a resend of a push harmless).
- 5xx, timeouts, network errors: retried with exponential backoff, same retry key; failed after the limit.
- 429 rate limit: the row and the rest of the batch wait (as long as LINE's `Retry-After` says, else
  `rate_limit_pause_seconds`).
- 429 monthly limit: parked, not lost; the quota monitor puts it back when the quota allows.
- other 4xx: failed, with LINE's reason kept.
- replies: a reply has no retry key, and an attempt without a definite answer (timeout, connection dropped
  after sending, 5xx) may have been accepted; a resend then gets "Invalid reply token", exactly as for an
  expired token. So a reply is only ever sent again as the same reply (a token is accepted once: that can
  never double it), and "Invalid reply token" after such an attempt ends the row 'uncertain' (logged,
  counted by `itabot outbox status`), never a push. Only when no attempt can have been accepted (the first
  is refused "Invalid reply token": the token expired unused) does the answer go by push, with the row's
  retry key, the decision stored before the push is sent.
- nobody is pushed who blocked the bot.

Whatever the timing (a slow LINE, a lease that runs out, a worker killed mid-batch): a claim leases its
rows to one owner value and, in the same transaction, marks its replies as going out (committed before any
is sent); the lease is renewed as the batch goes; a fallback push is committed as such, only while the
sender still holds the row, before it is sent; outcomes other than "delivered" are written only by the
holder. A batch's outcomes are recorded together, in one transaction, when its sends are done (a reply's at
once; pipelined, `dispatch_due`: each as its send ends, by one recording thread that writes whatever outcomes
of any claim have come in meanwhile in one transaction, so a send thread never waits for a recording) (a push resent after a crash
carries its key: 409, delivered; a reply resent gets "Invalid reply token": 'uncertain').

Throughput: a batch is two transactions (claim, record) whatever its size, and its rows are sent
concurrently (`DeliveryPolicy.concurrency` calls in flight, over the SDK's pooled keep-alive connections),
one chat's rows one after another in the order they were written. The worker's delivery loops pipeline
(`dispatch_due`): a claim is handed to the send threads and the next claim is made as soon as slots are free,
so one slow LINE call holds up only its own chat, never the next batch; a chat's later rows are not claimed
while an earlier one is out (`claim_due`), so two of one chat are never in flight at once. A chat's rows
never overtake one another: a row to be sent again holds back the later rows of its chat (given back unsent,
and not claimed while it waits), not other chats'. Each row goes out on its organisation's channel, with
that channel's token (`bot.line.channels`).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.line.api import LineApi, Outcome, SendResult
from bot.line.channels import LineChannels, NoChannel, channels_of
from domain.retry import RetryPolicy
from storage.clock import utcnow
from storage.models import OutboxKind
from storage.outbox import ClaimedMessage, Delivery
from storage.uow import UnitOfWork, UnitOfWorkFactory
from views.reminder_flex import RenderError, payload_measure_ids, render_messages

log = logging.getLogger(__name__)

Change = Callable[[UnitOfWork, datetime], object]
CLOSING = "given back unsent: the sender was stopped"
RECORDER_IDLE_SECONDS = 5.0  # the recording thread ends after this long with nothing to record
RECORDER_STOP_SECONDS = 60.0  # close(): the recording thread's last transactions (each bounded by the lock timeout)
UNCERTAIN_REASON = ("a reply LINE may have accepted (an attempt got no definite answer) could not be confirmed "
                    "(last answer: {detail}); not sent again by push")


# 2 s, 4 s, 8 s … up to 10 minutes, ± 20 % so that rows failing together spread out; failed after 8 attempts
DELIVERY_RETRY = RetryPolicy(max_attempts=8, base_seconds=2.0, max_seconds=600.0, jitter=0.2)


@dataclass(frozen=True)
class DeliveryPolicy:
    lease_seconds: float = 30.0
    retry: RetryPolicy = DELIVERY_RETRY  # 5xx, timeouts and network errors
    rate_limit_pause_seconds: float = 30.0
    # LINE calls in flight at once (one chat's rows still one after another); 1: in order
    concurrency: int = 32


@dataclass(frozen=True)
class _Claimed:
    """What a send needs, copied out of the claiming transaction."""

    id: int
    org_id: int
    kind: str
    retry_key: str
    reply_token: str | None
    recipients: list[str]
    messages: list[dict[str, Any]]
    attempts: int
    owner: str  # the claim's lease owner value
    reply_attempted: bool  # an earlier reply attempt may have been accepted: never push this answer
    private: bool  # deleted once finished
    unrenderable: str | None = None  # why a reminder payload could not be made its message (not sent)

    @classmethod
    def of(cls, row: ClaimedMessage, recipients: list[str], owner: str,
           labels: Mapping[int, tuple[int, str]]) -> _Claimed:
        """`labels`: measure id → (number, title) of the row's organisation's measures its reminder payloads
        name (another organisation's measure is not among them: such a payload is not rendered)."""
        try:
            messages, unrenderable = render_messages(row.messages, labels), None
        except RenderError as exc:
            messages, unrenderable = row.messages, str(exc)
        return cls(row.id, row.org_id, row.kind, row.retry_key, row.reply_token, recipients, messages,
                   row.attempts, owner, row.reply_attempted, row.private, unrenderable)

    @property
    def replies(self) -> bool:
        """Sent as a reply (else by push: a push row, or a reply whose token was refused unused)."""
        return self.kind == OutboxKind.REPLY.value and bool(self.reply_token)


@dataclass(frozen=True)
class _Outcome:
    name: str  # what deliver_due counts
    change: Change | Delivery  # delivered rows are recorded together in one statement
    finished: bool  # a private row is scrubbed with it
    pause: float | None = None  # rate limited: seconds the rest of the batch waits


class _Batch:
    """One claim's rows, held by `owner`: which are still to send, which this sender lost to another (its
    lease ran out), and the outcomes so far. Its send threads share it."""

    def __init__(self, sender: OutboxSender, owner: str, rows: list[_Claimed], dispatched: bool = False) -> None:
        self.sender = sender
        self.dispatched = dispatched  # by dispatch_due: each row done frees its slot
        self.owner = owner
        self.to_send = {row.id for row in rows}
        self.private = {row.id for row in rows if row.private}
        self.lost: set[int] = set()
        self.outcomes: dict[int, _Outcome] = {}  # not recorded yet
        self.results: Counter[str] = Counter()  # rows given back unsent (rate limit) are not counted
        self.rate_limited = threading.Event()
        self.pause_seconds = sender.policy.rate_limit_pause_seconds  # LINE's Retry-After once rate limited
        self.renewed_at = time.monotonic()
        self._lock = threading.Lock()
        self._record_lock = threading.Lock()

    def still_held(self, row: _Claimed) -> bool:
        """Before a send: renew the lease of the rows still to send when half of it is gone."""
        lease = self.sender.policy.lease_seconds
        if time.monotonic() - self.renewed_at > lease / 2:
            with self._lock:
                if time.monotonic() - self.renewed_at > lease / 2:
                    with self.sender.uow_factory() as uow:
                        pending = sorted(self.to_send)
                        held = uow.outbox.renew_leases(pending, self.owner, utcnow() + timedelta(seconds=lease))
                        uow.commit()
                    self.lost |= set(pending) - held
                    self.renewed_at = time.monotonic()
        return row.id not in self.lost

    def done(self, row: _Claimed, outcome: _Outcome | None) -> None:
        """A row's send is over. A reply's outcome is recorded at once (group commit: with the outcomes
        of every other row known by then), so that a crash later cannot leave a delivered reply to be
        sent again and ended 'uncertain'; other outcomes go with the next recording. Dispatched (the
        worker's pipelined delivery): every outcome goes to the sender's recording thread at once and the
        send thread is free for its next row without waiting for the transaction."""
        with self._lock:
            self.to_send.discard(row.id)
            if outcome is not None:
                self.outcomes[row.id] = outcome
                if outcome.name != "released":
                    self.results[outcome.name] += 1
        if self.dispatched:
            self.sender._handed_over(1 if outcome is not None else 0)
            if outcome is not None:
                self.sender._recorder.add(self)
            return
        if outcome is not None and row.kind == OutboxKind.REPLY.value:
            self.record()

    def take_outcomes(self) -> list[tuple[int, _Outcome]]:
        with self._lock:
            outcomes = sorted(self.outcomes.items())
            self.outcomes.clear()
        return outcomes

    def record(self) -> None:
        """Every outcome known and not yet recorded, in one transaction: the delivered rows by one
        statement, the others each by their own, the finished private rows scrubbed by one. One recording
        at a time: the threads that finish sends meanwhile find theirs recorded by the next one. Dispatched:
        nothing to do here: `done` handed each outcome to the sender's recording thread (`_Recorder`), which
        writes them with other claims' ones."""
        if self.dispatched:
            return
        with self._record_lock:
            outcomes = self.take_outcomes()
            if outcomes:
                _write_outcomes(self.sender, [(self, outcomes)])
                self.sender._recorded()


def _write_outcomes(sender: OutboxSender, taken: list[tuple[_Batch, list[tuple[int, _Outcome]]]]) -> None:
    """Outcomes of one or more claims, in one transaction: the delivered rows by one statement, the others
    each by their own (written only while their claim still holds the row), the finished private rows
    scrubbed by one."""
    with sender.uow_factory() as uow:
        now = utcnow()
        uow.outbox.mark_delivered([o.change for _, outcomes in taken for _, o in outcomes
                                   if isinstance(o.change, Delivery)], now)
        for _, outcomes in taken:
            for message_id, outcome in outcomes:
                if not isinstance(outcome.change, Delivery) and outcome.change(uow, now) is False:
                    log.info("outbox %s: taken by another sender; its %s not recorded here", message_id,
                             outcome.name)
        private = [message_id for batch, outcomes in taken for message_id, o in outcomes
                   if o.finished and message_id in batch.private]
        uow.outbox.scrub_if_private(private, now)  # nothing to do (no statement) when none is private
        uow.commit()


class _Recorder:
    """Writes the pipelined sends' outcomes (`dispatch_due`) in group commits, in one thread of its own: a
    send thread hands its outcome over and takes its next row at once. (It used to write the outcome itself,
    a transaction per reply or so, its send slot held meanwhile: at 50 ms of LINE latency about 40 % of a
    slot's time went to recordings and to waiting for the claim's other recordings.) What is handed over
    while a transaction is written goes in the next one. Every wait is bounded: the thread wakes at least
    once a second; a transaction is bounded by the database's lock timeout; `stop` joins with a timeout.
    Once stopped, outcomes handed over are written in the calling thread; idle for `RECORDER_IDLE_SECONDS`, the
    thread ends (the next outcome starts another)."""

    def __init__(self, sender: OutboxSender) -> None:
        self._sender = sender
        self._cond = threading.Condition()
        self._batches: dict[_Batch, None] = {}  # in the order handed over
        self._thread: threading.Thread | None = None
        self._stopped = False

    def add(self, batch: _Batch) -> None:
        with self._cond:
            if not self._stopped:
                self._batches[batch] = None
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="outbox-record", daemon=True)
                    self._thread.start()
                self._cond.notify()
                return
        self._write([batch])

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._batches) or self._stopped, timeout=RECORDER_IDLE_SECONDS)
                batches = list(self._batches)
                self._batches.clear()
                if not batches:  # stopped, or nothing for a while: the thread ends (`add` starts another)
                    self._thread = None
                    return
            self._write(batches)

    def _write(self, batches: list[_Batch]) -> None:
        taken = [(batch, outcomes) for batch in batches if (outcomes := batch.take_outcomes())]
        count = sum(len(outcomes) for _, outcomes in taken)
        if not count:
            return
        written = False
        try:
            _write_outcomes(self._sender, taken)
            written = True
        except Exception:
            log.exception("outbox: recording outcomes failed; those rows are sent again when their lease runs out")
        finally:
            self._sender._recorded(count, written)

    def stop(self, timeout: float) -> bool:
        """No more handing over; what was handed over is written. Whether the thread ended within `timeout`."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
            thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()


def _by_chat(rows: list[_Claimed]) -> list[list[_Claimed]]:
    """The rows in groups sent concurrently: one chat's rows together, in claim order (priority, then age)."""
    groups: dict[str, list[_Claimed]] = {}
    for row in rows:
        key = row.recipients[0] if len(row.recipients) == 1 else f"row:{row.id}"
        groups.setdefault(key, []).append(row)
    return list(groups.values())


class OutboxSender:
    def __init__(self, uow_factory: UnitOfWorkFactory, line: LineApi | LineChannels, policy: DeliveryPolicy) -> None:
        """`line`: each organisation's channel (LineChannels), or one client for all."""
        self.uow_factory = uow_factory
        self.channels = channels_of(line)
        self.policy = policy
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        # dispatch_due's slots: rows claimed and not yet done, and how many recordings were made (a chat's
        # next row may be claimed once its earlier one is recorded)
        self._slots = threading.Condition()
        self._outstanding = 0  # slots taken: one per chat's rows of a claim not yet all sent (or given back)
        self._unrecorded = 0  # sent, the outcome handed to the recording thread and not yet written
        self._recordings = 0
        self._recorder = _Recorder(self)
        self._paused_until = 0.0  # LINE's rate limit was hit: no claim before this (time.monotonic())
        self._watching = False  # a delivery loop that found nothing due waits for the next recording
        self._closed = False  # close(): no more claims; rows claimed and not yet sent go back unsent
        self._claiming = False  # a delivery loop is claiming: the others, woken with it, go back to sleep …
        self._claim_again = False  # … and that loop looks again when it is done (what woke them may be newer)

    def close(self) -> None:
        """Stop the send threads. Rows a pipelined claim handed them and not yet sent go back unsent (their
        attempt not counted), so this waits only for the sends already out, each bounded by LINE's request
        timeout (`LINE_REQUEST_TIMEOUT`), and their recording (by the recording thread: `RECORDER_STOP_SECONDS` at most)."""
        with self._slots:
            self._closed = True
            self._slots.notify_all()
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
        if not self._recorder.stop(timeout=RECORDER_STOP_SECONDS):
            log.warning("outbox: outcomes still being recorded %ss after the sender closed", RECORDER_STOP_SECONDS)

    def _executor(self) -> ThreadPoolExecutor:
        """The send threads (RuntimeError once closed)."""
        with self._pool_lock:
            if self._closed:
                raise RuntimeError("the outbox sender is closed")
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.policy.concurrency, thread_name_prefix="line-send")
            return self._pool

    def deliver_due(self, limit: int = 20) -> Counter[str]:
        """Send what is due; returns how many rows ended in each outcome (rows given back unsent because
        LINE's rate limit was hit are not counted)."""
        owner = str(uuid.uuid4())
        claimed = self._claim(limit, owner)
        if not claimed:
            return Counter()
        batch = _Batch(self, owner, claimed)
        groups = _by_chat(claimed)
        try:
            if self.policy.concurrency <= 1 or len(groups) == 1:
                for group in groups:
                    self._send_group(group, batch)
            else:  # every group finishes (its outcomes recorded below) before an error of one is raised
                futures = [self._executor().submit(self._send_group, group, batch) for group in groups]
                wait(futures)
                for future in futures:
                    future.result()
        finally:
            batch.record()
        return batch.results

    def dispatch_due(self, limit: int = 20, wait_seconds: float = 0.5) -> int:
        """The worker's pipelined delivery: claim what is due (at most `limit`, and no more than the free
        slots: `DeliveryPolicy.concurrency` send threads and a few rows ahead), hand it to the send threads and return the number claimed
        without waiting for the sends; the outcomes are handed to the sender's recording thread as each send
        ends and written in group commits (`_Recorder`), the send thread free for its next row at once. So a slow LINE call holds up its own chat only:
        the next claim is made as soon as slots are free. A chat's later rows are not claimed while an
        earlier one is out (storage/outbox.py `claim_due`), so they wait for it and never overtake it.

        Waits at most `wait_seconds` (for slots to free, or, with nothing due but sends in flight, for the
        next recorded outcome, which may make a chat's next row due, or for LINE's rate limit to pass: no
        claim is made while it lasts); returns 1 then ("look again"). Returns 0 (idle) when nothing is
        claimed and nothing is in flight, when nothing due waits for a row in flight (its chat's earlier
        row: so a recording sets off a claim only when it may find something), or when another loop already
        waits for the next recording (one claim per recording, not one per loop). Returns 0 once closed."""
        threads = max(1, self.policy.concurrency)
        enough = min(limit, max(1, threads // 4))  # fewer, larger claims while most slots are busy
        # A few rows claimed ahead wait for a send thread (each for less than one send), so that a thread
        # that finishes takes the next row at once instead of waiting for a recording and a claim.
        capacity = threads + (enough if threads > 1 else 0)
        with self._slots:
            if self._closed:
                return 0
            paused = self._paused_until - time.monotonic()
            if paused > 0:
                self._slots.wait(min(paused, wait_seconds))
                return 1
            if not self._slots.wait_for(lambda: capacity - self._outstanding >= enough, timeout=wait_seconds):
                return 1  # every slot still busy: not idle
            if self._claiming:
                # One claim at a time: the loops woken together (by committed answers) would each claim, most
                # of them finding nothing. The claiming loop looks again when it is done, since what woke
                # this one may have been committed after its claim looked.
                self._claim_again = True
                return 0
            self._claiming, self._claim_again = True, False
            take = min(limit, capacity - self._outstanding)
            self._outstanding += take
            recordings = self._recordings
        owner = str(uuid.uuid4())
        claimed: list[_Claimed] = []
        waiting: list[bool] = []  # with nothing claimed: whether a due row waits for its chat's row out
        try:
            claimed = self._claim(take, owner, waiting if self._outstanding + self._unrecorded > take else None)
        finally:
            with self._slots:
                self._claiming = False
            self._free(take - len(claimed))
        if not claimed:
            with self._slots:
                if self._claim_again and not self._closed:
                    self._claim_again = False
                    return 1
                if self._outstanding + self._unrecorded == 0 or self._watching or not any(waiting) or self._closed:
                    return 0  # idle (new answers wake the loop); one loop at most watches the recordings
                self._watching = True
                try:
                    self._slots.wait_for(lambda: self._recordings != recordings, timeout=wait_seconds)
                finally:
                    self._watching = False
            return 1
        batch = _Batch(self, owner, claimed, dispatched=True)
        groups = _by_chat(claimed)
        # A slot is a send thread's worth: one chat's rows of a claim go one after another in one thread, so
        # they take one slot, not one each (else a few chats' queued rows filled the slots while other chats'
        # due rows waited: with 16 chats only ~11 sends were at LINE at once, every slot taken).
        self._free(len(claimed) - len(groups))
        for index, group in enumerate(groups):
            try:
                self._executor().submit(self._run_group, group, batch)
            except RuntimeError:  # closing: the rest go back unsent, their attempt not counted
                for row in (row for later in groups[index:] for row in later):
                    batch.done(row, _Outcome("released", _released(row, 0.0, CLOSING), False))
                batch.record()
                self._free(len(groups) - index)
                break
        return len(claimed)

    def wait_sent(self, timeout: float) -> bool:
        """Wait, at most `timeout` seconds, until no row `dispatch_due` claimed is still out (sent and
        recorded, or given back); whether none is."""
        with self._slots:
            return self._slots.wait_for(lambda: self._outstanding == 0 and self._unrecorded == 0, timeout=timeout)

    def _run_group(self, rows: list[_Claimed], batch: _Batch) -> None:
        """A send thread's part of a dispatched claim: one chat's rows, then what is known recorded (so the
        chat's next row may be claimed without waiting for the claim's other chats). The group's slot is freed
        when it is done; whatever an error left unsent stays leased to this claim and is sent again when the
        lease runs out."""
        try:
            self._send_group(rows, batch)
        except Exception:
            log.exception("outbox: sending a chat's rows failed; they are sent again when their lease runs out")
        finally:
            try:
                batch.record()
            except Exception:
                log.exception("outbox: recording outcomes failed; those rows are sent again when their lease "
                              "runs out")
            finally:
                self._free(1)

    def _free(self, slots: int) -> None:
        if slots:
            with self._slots:
                self._outstanding -= slots
                self._slots.notify_all()

    def _handed_over(self, outcomes: int) -> None:
        """A dispatched row's send is over: `outcomes` (0 or 1) handed to the recorder (its group's slot is
        freed when the group is done: `_run_group`)."""
        with self._slots:
            self._unrecorded += outcomes
            self._slots.notify_all()

    def _pause(self, seconds: float) -> None:
        with self._slots:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def _recorded(self, handed_over: int = 0, written: bool = True) -> None:
        """A recording is over: `handed_over` of the recorder's outcomes are no longer waiting; `written`:
        committed (a chat's next row may now be due)."""
        with self._slots:
            self._unrecorded -= handed_over
            if written:
                self._recordings += 1
            self._slots.notify_all()

    def _send_group(self, rows: list[_Claimed], batch: _Batch) -> None:
        """One chat's rows in order. After LINE's rate limit (here or in another group) the rest go back;
        after a row of the chat that is to be sent again (or that another sender took), the chat's later
        rows go back too: they wait for it (storage/outbox.py `claim_due`), never overtake it."""
        held_back = False
        for row in rows:
            if batch.dispatched and self._closed:
                batch.done(row, _Outcome("released", _released(row, 0.0, CLOSING), False))
                continue
            if batch.rate_limited.is_set() or held_back:
                pause = batch.pause_seconds if batch.rate_limited.is_set() else 0.0
                batch.done(row, _Outcome("released", _released(row, pause), False))
                continue
            outcome = self._deliver(row) if batch.still_held(row) else None
            if outcome is None:
                log.info("outbox %s: taken by another sender after this one's lease ran out", row.id)
            held_back = outcome is None or outcome.name == Outcome.RETRY.value
            batch.done(row, outcome)
            if outcome is not None and outcome.name == Outcome.RATE_LIMITED.value:
                if outcome.pause is not None:
                    batch.pause_seconds = outcome.pause
                batch.rate_limited.set()
                if batch.dispatched:
                    self._pause(batch.pause_seconds)

    def _claim(self, limit: int, owner: str, waiting: list[bool] | None = None) -> list[_Claimed]:
        """Claim and commit up to `limit` rows. With `waiting` and nothing claimed, appends whether a due row
        waits for its chat's row being sent (`OutboxRepository.due_behind`)."""
        with self.uow_factory() as uow:
            rows = uow.outbox.claim_due(utcnow(), limit, self.policy.lease_seconds, owner)
            if not rows and waiting is not None:
                waiting.append(uow.outbox.due_behind(utcnow()))
            # reminders are queued as payloads (views.reminder_flex): their measures' numbers and titles
            labels: dict[int, dict[int, tuple[int, str]]] = {}  # organisation → measure id → (number, title)
            named = set().union(*(payload_measure_ids(row.messages) for row in rows))
            for measure_id, (org_id, seq, title) in uow.plans.measure_labels(named).items():
                labels.setdefault(org_id, {})[measure_id] = (seq, title)
            blocked: dict[int, set[str]] = {}
            for org_id in {row.org_id for row in rows}:
                pushed = [r for row in rows if row.org_id == org_id and row.kind != OutboxKind.REPLY.value
                          for r in row.recipients]
                blocked[org_id] = uow.people.blocked_user_ids(org_id, pushed) if pushed else set()
            claimed = []
            for row in rows:
                recipients = list(row.recipients)
                if row.kind != OutboxKind.REPLY.value:
                    recipients = [r for r in recipients if r not in blocked[row.org_id]]
                claimed.append(_Claimed.of(row, recipients, owner, labels.get(row.org_id, {})))
            uow.commit()  # the claim, and that its replies are going out, before any is sent
        return claimed

    def _deliver(self, row: _Claimed) -> _Outcome | None:
        """Send one row; the outcome to record (None: another sender took it meanwhile)."""
        if row.unrenderable is not None:
            return self._unrenderable(row, row.unrenderable)
        try:
            line = self.channels.api(row.org_id)  # the row's organisation's channel and token
        except NoChannel as exc:
            log.warning("outbox %s: %s", row.id, exc)
            return self._outcome(row, SendResult(Outcome.RETRY, None, "no LINE channel for the organisation"),
                                 "reply" if row.replies else "push", may_be_delivered=row.reply_attempted)
        if row.replies:
            return self._reply(row, line)
        if not row.recipients:
            if row.kind == OutboxKind.REPLY.value:
                return self._failed(row, "reply token refused and nobody to push to")
            log.info("outbox %s cancelled: recipients blocked the bot", row.id)
            return _Outcome("cancelled", lambda uow, now: uow.outbox.mark_cancelled(
                row.id, row.owner, "every recipient blocked the bot"), True)
        if row.kind == OutboxKind.MULTICAST.value and len(row.recipients) > 1:
            result, via = line.multicast(row.recipients, row.messages, row.retry_key), "multicast"
        else:
            result, via = line.push(row.recipients[0], row.messages, row.retry_key), "push"
        return self._outcome(row, result, via)

    def _reply(self, row: _Claimed, line: LineApi) -> _Outcome | None:
        assert row.reply_token is not None
        result = line.reply(row.reply_token, row.messages)
        may_be_delivered = row.reply_attempted or (result.outcome is Outcome.RETRY and result.maybe_accepted)
        if result.outcome is Outcome.REPLY_TOKEN_INVALID and not may_be_delivered and row.recipients:
            # The first attempt, refused: the token expired unused and nothing reached the person.
            log.info("outbox %s reply attempt %s: reply token no longer valid, sending by push", row.id,
                     row.attempts)
            with self.uow_factory() as uow:  # stored before the push goes, and only while this batch holds it
                holds = uow.outbox.fall_back_to_push(row.id, row.owner)
                uow.commit()
            if not holds:
                return None
            return self._outcome(row, line.push(row.recipients[0], row.messages, row.retry_key), "push")
        return self._outcome(row, result, "reply", may_be_delivered=may_be_delivered)

    def _outcome(self, row: _Claimed, result: SendResult, via: str, may_be_delivered: bool = False) -> _Outcome:
        """The change that records a send's result. `may_be_delivered`: a reply LINE may have accepted, so
        it ends 'uncertain' rather than 'failed'; otherwise a reply's retry forgets its attempt."""
        outcome = result.outcome
        log.info("outbox %s %s via %s attempt %s: %s %s", row.id, row.kind, via, row.attempts, outcome.value,
                 result.request_id or "")
        forget_attempt = via == "reply" and not may_be_delivered
        if outcome is Outcome.DELIVERED:
            return _Outcome(outcome.value, Delivery(row.id, via, result.request_id), True)
        if outcome is Outcome.RETRY and self.policy.retry.may_retry(row.attempts):
            return _Outcome(outcome.value, lambda uow, now: uow.outbox.mark_retry(
                row.id, row.owner, now + timedelta(seconds=self.policy.retry.delay(row.attempts)), result.detail,
                forget_attempt), False)
        if outcome is Outcome.RATE_LIMITED:
            pause = result.retry_after if result.retry_after is not None else self.policy.rate_limit_pause_seconds
            return _Outcome(outcome.value, lambda uow, now: uow.outbox.release(
                row.id, row.owner, now + timedelta(seconds=pause), result.detail, forget_attempt), False, pause)
        if outcome is Outcome.QUOTA_EXHAUSTED:
            def park(uow: UnitOfWork, now: datetime) -> bool:
                uow.outbox.mark_quota_exhausted(row.org_id, now)
                return uow.outbox.mark_parked(row.id, row.owner, result.detail)
            log.warning("outbox %s parked: LINE monthly message quota used up", row.id)
            return _Outcome(outcome.value, park, False)
        if may_be_delivered:
            reason = UNCERTAIN_REASON.format(detail=result.detail or outcome.value)
            log.warning("outbox %s uncertain: %s", row.id, reason)
            return _Outcome("uncertain", lambda uow, now: uow.outbox.mark_uncertain(row.id, row.owner, reason),
                            True)
        # rejected, reply token gone with nobody to push to, or retries used up
        return self._failed(row, result.detail or outcome.value)

    def _unrenderable(self, row: _Claimed, why: str) -> _Outcome:
        """A reminder payload that could not be made its message: nothing was sent. Tried again later, as
        for a 5xx, then parked (kept, put back in line when the quota is next read), never dropped."""
        reason = f"not sent: {why}"
        if self.policy.retry.may_retry(row.attempts):
            delay = timedelta(seconds=self.policy.retry.delay(row.attempts))
            log.error("outbox %s: %s; tried again later", row.id, why)
            return _Outcome(Outcome.RETRY.value, lambda uow, now: uow.outbox.mark_retry(
                row.id, row.owner, now + delay, reason), False)
        log.error("outbox %s: %s; parked after %s attempts", row.id, why, row.attempts)
        return _Outcome("parked", lambda uow, now: uow.outbox.mark_parked(row.id, row.owner, reason), False)

    @staticmethod
    def _failed(row: _Claimed, reason: str) -> _Outcome:
        log.error("outbox %s failed: %s", row.id, reason)
        return _Outcome("failed", lambda uow, now: uow.outbox.mark_failed(row.id, row.owner, reason), True)


def _released(row: _Claimed, pause_seconds: float, reason: str = "waiting: LINE rate limit") -> Change:
    """Given back unsent (LINE's rate limit, its chat's earlier row, the sender closing), the attempt not
    counted; a reply as it was before the claim marked it as going out (no earlier attempt may have been
    accepted: it may still fall back to push)."""
    later = timedelta(seconds=pause_seconds)
    return lambda uow, now: uow.outbox.release(row.id, row.owner, now + later, reason,
                                               not_accepted=not row.reply_attempted)
