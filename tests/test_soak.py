"""The fault-injection soak of issue #14: 100 users (heads reporting progress, one of them through the guided
flow with a photo; citizens filing anonymous, confidential and identified complaints, some with a photo and
a file; followers by code; officers opening the complaints and messaging the complainants through the case
card) over signed webhooks to gunicorn (2 processes) and 2 `itabot worker` processes on PostgreSQL, while
the fake LINE platform answers late, past the request timeout, 500, 429 with Retry-After, resets
connections before and after accepting, and a worker is SIGKILLed and replaced mid-run; one stored event
cannot be parsed (a poison). Every user gets every answer exactly once, in order; every push of a new
complaint or relayed message exactly once, relays in order; every photo and file stored once; no officer
or log shown who an anonymous or confidential complainant is; nothing left pending, nothing failed but the
poison. bench/soak.py runs a larger one and prints the figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from linesim import FakeLinePlatform
from tests.conftest import make_env
from tests.support.soak import POISONED, SoakConfig, SoakRun, soak_env

pytestmark = pytest.mark.slow


def test_soak_every_answer_exactly_once_in_order_through_faults_and_kills(
        database_url: str, on_postgresql: bool, fake_line: FakeLinePlatform, tmp_path: Path) -> None:
    if not on_postgresql:
        pytest.skip("several worker processes share one database: PostgreSQL only (scripts/test runs it)")
    config = SoakConfig(heads=86, citizens=6, officers=6, guided_heads=1, shortcut_reports=1, kill_at=(0.4,),
                        timeout=150.0)
    env = soak_env(lambda **extra: make_env(database_url, fake_line.base_url, tmp_path, **extra), config)
    logs = tmp_path / "logs"
    logs.mkdir()
    report = SoakRun(config, fake_line, env, logs).run()
    print("\n".join(report.lines()))
    assert report.finished, "\n".join(report.lines())
    assert report.users >= 100
    assert report.doubled == {} and report.lost == {} and report.wrong == [], "\n".join(report.lines())
    assert report.answers == report.expected_answers == report.events
    assert report.reply_tokens_reused == 0 and report.retry_keys_reused == 0
    assert report.complaints == config.citizens and report.officer_pushes == config.citizens * config.officers
    assert report.notices == report.expected_notices, "\n".join(report.lines())
    assert report.notices_doubled == report.notices_lost == report.relays_out_of_order == [], \
        "\n".join(report.lines())
    assert report.evidence_sent > 0 and report.evidence_stored == report.evidence_sent, "\n".join(report.lines())
    assert report.privacy == [], "\n".join(report.privacy)
    assert report.kills == report.kills_survived == 1
    assert not {"pending", "processing"} & {k for k, v in report.inbox.items() if v}, report.inbox
    assert report.failed_chats == [POISONED]  # the injected poison event, and nothing else
    assert not {"pending", "sending", "failed", "parked"} & {k for k, v in report.outbox.items() if v}, report.outbox
    injected = report.chaos
    assert all(injected.get(kind, 0) > 0 for kind in ("late", "timeout", "500", "429", "reset_after",
                                                       "reset_before")), injected
    assert report.problems == [], "\n".join(report.problems[:20])
