"""Run the fake LINE platform standalone: `python -m linesim --port 8091 --webhook-url ...`."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

from .fake_platform import FakeLinePlatform


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m linesim", description="Fake LINE platform + chat page"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument(
        "--webhook-url", default=None, help="the bot's webhook, e.g. http://127.0.0.1:5000/callback"
    )
    parser.add_argument(
        "--channel-secret", default=os.environ.get("LINE_CHANNEL_SECRET", "dev-channel-secret")
    )
    parser.add_argument(
        "--access-token", default=os.environ.get("LINE_CHANNEL_ACCESS_TOKEN", "dev-access-token")
    )
    parser.add_argument(
        "--monthly-quota", type=int, default=None, help="limit pushes per month (default: none)"
    )
    parser.add_argument("--reply-token-ttl", type=float, default=60.0)
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds every Messaging API call waits for its answer"
    )
    parser.add_argument(
        "--personas", type=Path, default=None, help="JSON list of {user_id, name, role_label}"
    )
    return parser


def build_platform(args: argparse.Namespace) -> FakeLinePlatform:
    fake = FakeLinePlatform(
        channel_secret=args.channel_secret,
        access_token=args.access_token,
        webhook_url=args.webhook_url,
        monthly_quota=args.monthly_quota,
        reply_token_ttl=args.reply_token_ttl,
        latency=args.latency,
    )
    if args.personas is not None:
        fake.set_personas(json.loads(args.personas.read_text(encoding="utf-8")))
    return fake


def run_standalone(argv: list[str] | None = None) -> None:
    """Serves until interrupted (Ctrl-C or SIGTERM)."""
    args = _parser().parse_args(argv)
    try:
        fake = build_platform(args)
    except (OSError, ValueError) as exc:
        raise SystemExit(f"cannot load personas: {exc}") from exc
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    base_url = fake.start(args.host, args.port, log_requests=True)
    print(
        f"fake LINE platform on {base_url} (chat page: {base_url}/), webhook -> {args.webhook_url or 'not set'}",
        file=sys.stderr,
        flush=True,
    )
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    run_standalone()
