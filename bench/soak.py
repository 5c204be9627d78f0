"""The fault-injection soak of issue #14, larger than tests/test_soak.py, with its figures.

    .venv/bin/python bench/soak.py                         # --heads 54 --citizens 30 --officers 6: 100 users
    .venv/bin/python bench/soak.py --heads 70 --citizens 66 --officers 11 --bot-workers 3 --kills 0.25,0.5,0.75

On a throwaway PostgreSQL cluster: gunicorn (`--web-workers` processes) and `--bot-workers` `itabot worker`
processes; heads report progress (shortcut and guided flow with a photo), citizens file anonymous,
confidential and identified complaints (every other one with a photo and a file), followers follow the
anonymous ones by code and PIN, officers open each complaint and message its complainant through the case
card (`--relays` messages), and the complainant answers (tests/support/soak.py). It runs twice on fresh
databases: once calm (no faults, no kills), then with the fake LINE platform's random faults (late, past
the request timeout, 500, 429 with Retry-After, connection reset after and before accepting; `--rates`)
and workers SIGKILLed and replaced at the given shares of the answers. It prints, per run: events,
answers, doubled, lost, wrong or out of order; notices (new complaints and relayed messages) doubled, lost,
relays out of order; evidence stored once per file sent; privacy leaks (an officer or a log shown an
anonymous or confidential complainant's account or code); reply tokens and retry keys used twice, faults
injected, kills survived, the end state of the inbox and the outbox (`uncertain`: a reply LINE took but
never confirmed, not sent again), time, events/s, answer latency and when the last user of each kind was
done; then the faulty run's time as a ratio of the calm one. Exit status 1 if anything was doubled, lost,
out of order, stored other than once or leaked.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from linesim import FakeLinePlatform  # noqa: E402
from storage import migrate  # noqa: E402
from tests.conftest import ACCESS_TOKEN, CHANNEL_SECRET, make_env  # noqa: E402
from tests.support.pgcluster import PostgresCluster  # noqa: E402
from tests.support.soak import DEFAULT_RATES, SoakConfig, SoakReport, SoakRun, soak_env  # noqa: E402


def run(config: SoakConfig, database_url: str, tmp: Path, label: str) -> SoakReport:
    migrate.upgrade(database_url)
    fake = FakeLinePlatform(channel_secret=CHANNEL_SECRET, access_token=ACCESS_TOKEN)
    fake.start()
    try:
        work = tmp / label
        (work / "logs").mkdir(parents=True)
        env = soak_env(lambda **extra: make_env(database_url, fake.base_url, work, **extra), config)
        report = SoakRun(config, fake, env, work / "logs").run()
    finally:
        fake.stop()
    print(f"-- {label}")
    for line in report.lines():
        print(f"   {line}")
    for problem in report.problems[:10]:
        print(f"   log: {problem}")
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--heads", type=int, default=54)
    parser.add_argument("--citizens", type=int, default=30, help="a third each anonymous (with a follower), "
                        "confidential, identified")
    parser.add_argument("--officers", type=int, default=6)
    parser.add_argument("--relays", type=int, default=2, help="messages an officer sends each complainant")
    parser.add_argument("--shortcut-heads", action="store_true", help="heads only use the one-message shortcut")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--bot-workers", type=int, default=2)
    parser.add_argument("--kills", default="0.3,0.6", help="shares of the answers at which a worker is killed")
    parser.add_argument("--rates", default=",".join(f"{k}={v}" for k, v in DEFAULT_RATES.items()))
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--no-calm", action="store_true", help="skip the calm run")
    parser.add_argument("--inbox-lease", type=float, default=SoakConfig.inbox_lease_seconds,
                        help="INBOX_LEASE_SECONDS of the workers: a short one makes workers outlive their "
                        "leases (a late worker finishing what another claims again)")
    args = parser.parse_args()
    rates = {k: float(v) for k, v in (item.split("=") for item in args.rates.split(",") if item)}
    kills = tuple(float(x) for x in args.kills.split(",") if x)
    common = dict(heads=args.heads, citizens=args.citizens, officers=args.officers, relays=args.relays,
                  guided_heads=0 if args.shortcut_heads else args.heads,
                  web_workers=args.web_workers, bot_workers=args.bot_workers, seed=args.seed, timeout=args.timeout,
                  inbox_lease_seconds=args.inbox_lease)
    cluster = PostgresCluster()
    cluster.start()
    try:
        with tempfile.TemporaryDirectory(prefix="itabot-soak-") as name:
            tmp = Path(name)
            calm = None
            if not args.no_calm:
                calm = run(SoakConfig(**common, rates={}, kill_at=()),  # type: ignore[arg-type]
                           cluster.create_database("calm"), tmp, "calm: no faults, no kills")
            faulty = run(SoakConfig(**common, rates=rates, kill_at=kills),  # type: ignore[arg-type]
                         cluster.create_database("faults"), tmp, "faults and kills")
            if calm is not None:
                print(f"-- faults and kills / calm: time {faulty.seconds / calm.seconds:.2f}, answer latency "
                      f"p50 {faulty.percentile(0.5) / max(calm.percentile(0.5), 0.001):.2f}, "
                      f"p95 {faulty.percentile(0.95) / max(calm.percentile(0.95), 0.001):.2f}")
            bad = [r for r in (calm, faulty) if r is not None and (
                r.doubled or r.lost or r.wrong or not r.finished or r.notices_doubled or r.notices_lost
                or r.relays_out_of_order or r.evidence_problems or r.privacy)]
            return 1 if bad else 0
    finally:
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
