"""What serving many organisations' channels costs the webhook and the senders (#18).

    .venv/bin/python bench/org_channels.py [--orgs 1000] [--requests 3000] [--db sqlite|postgresql|both]

On a freshly migrated database it adds N organisations with long-lived credentials (sealed under a
CREDENTIALS_KEY), then posts pre-signed one-event webhook bodies through the Flask app in process (its WSGI
stack, no sockets: this isolates what the per-organisation lookup adds, not gunicorn's throughput) and times:
  1. `/callback` (the environment's channel), R requests: the baseline;
  2. `/callback/<slug>` once per organisation, cold: its first request (a query, opening the sealed secret);
  3. `/callback/<slug>` round-robin over every organisation, warm, R requests;
  4. `/callback` again (how far two equal runs differ on this machine right now), then a body signed with
     another organisation's secret (400), R requests;
  5. `LineChannels.api(org_id)` for every organisation: cold (query, open, build the SDK client) and warm.
Prints requests/s, p50/p99 per phase and the ratios to the baseline. Not a timed test: it only prints figures.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.databases import CHOICES, chosen, database  # noqa: E402


def _timed(calls: list[Callable[[], int]], expect: int) -> tuple[float, list[float]]:
    latencies = []
    started = time.perf_counter()
    for call in calls:
        t0 = time.perf_counter()
        status = call()
        latencies.append((time.perf_counter() - t0) * 1000)
        assert status == expect, status
    return time.perf_counter() - started, latencies


def _line(name: str, elapsed: float, latencies: list[float], base: float | None = None) -> float:
    rate = len(latencies) / elapsed
    p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) >= 100 else max(latencies)
    ratio = f"  ×{rate / base:.2f} of the baseline" if base else ""
    print(f"  {name:<44} {rate:8.0f}/s  p50 {statistics.median(latencies):6.2f} ms  p99 {p99:6.2f} ms{ratio}")
    return rate


def run(kind: str, orgs: int, requests: int) -> None:
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
        started = time.perf_counter()
        with services.uow() as uow:
            ids = {}
            for n in range(orgs):
                org = add_organisation(uow, services.credentials_box, f"org-{n}", f"เทศบาล {n}", "Asia/Bangkok",
                                       NewCredentials(f"secret-{n}", f"token-{n}"), utcnow())
                ids[f"org-{n}"] = org.id
            uow.commit()
        print(f"{kind}: {orgs} organisations added in {time.perf_counter() - started:.1f} s")
        client = app.test_client()

        def body(n: int, user: int) -> bytes:
            event = events.message_event(f"U{user:032x}", f"rt{n}-{user}", events.text_message("ช่วยเหลือ"))
            return encode_body(events.DEFAULT_DESTINATION, [event])

        def post(path: str, data: bytes, secret: str) -> Callable[[], int]:
            headers = {"x-line-signature": sign(secret, data), "Content-Type": "application/json"}
            return lambda: client.post(path, data=data, headers=headers).status_code

        base_calls = [post("/callback", body(-1, i), "env-secret") for i in range(requests)]
        elapsed, lat = _timed(base_calls, 200)
        base = _line("/callback (environment's channel)", elapsed, lat)
        cold = [post(f"/callback/org-{n}", body(n, 10**6 + n), f"secret-{n}") for n in range(orgs)]
        elapsed, lat = _timed(cold, 200)
        _line("/callback/<slug>, each organisation's first", elapsed, lat, base)
        warm = [post(f"/callback/org-{i % orgs}", body(i % orgs, 2 * 10**6 + i), f"secret-{i % orgs}")
                for i in range(requests)]
        elapsed, lat = _timed(warm, 200)
        _line("/callback/<slug>, round-robin, warm", elapsed, lat, base)
        again = [post("/callback", body(-2, i), "env-secret") for i in range(requests)]
        elapsed, lat = _timed(again, 200)
        _line("/callback again (the noise band)", elapsed, lat, base)
        crossed = [post(f"/callback/org-{i % orgs}", body(i % orgs, 3 * 10**6 + i), f"secret-{(i + 1) % orgs}")
                   for i in range(requests)]
        elapsed, lat = _timed(crossed, 400)
        _line("/callback/<slug>, another channel's signature", elapsed, lat, base)

        from bot.line.channels import LineChannels

        used = services.channels  # a fresh registry, as a worker that just started has
        channels = LineChannels(used.uow_factory, used.box, used.default_slug, used.default_secret, used.default_api,
                                used.default_token, used.api_factory, used.issuer)
        order = list(ids.values())
        elapsed, lat = _timed([lambda o=o: int(channels.api(o) is not None) for o in order], 1)
        _line("LineChannels.api(org_id), cold", elapsed, lat)
        elapsed, lat = _timed([lambda o=o: int(channels.api(o) is not None) for o in order * 3], 1)
        _line("LineChannels.api(org_id), warm", elapsed, lat)
        channels.close()
        services.close()


def main() -> None:
    os.environ.setdefault("LOG_LEVEL", "ERROR")  # the 400s of phase 4 would log one warning each
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orgs", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--db", choices=CHOICES, default="sqlite")
    args = parser.parse_args()
    for kind in chosen(args.db):
        run(kind, args.orgs, args.requests)


if __name__ == "__main__":
    main()
