"""CPU and SQL statements of filing complaints through the chat and of the worker's deadline check, in process.

    PYTHONPATH=$PWD .venv/bin/python bench/complaint_deadlines.py    # --complaints 40 --days 20 (SQLite)
    PYTHONPATH=<another checkout> .venv/bin/python bench/complaint_deadlines.py   # the same on other code

On a freshly migrated SQLite file, with the in-process bot (tests/support/inprocess.py: no HTTP, no worker
thread): an officer is bound, then N anonymous complaints are filed through the chat (10 events each, one
every 3 hours, nobody handles them), then `check_deadlines` runs every 10 minutes for D days after the last
one, as the worker does, sending each organisation's notices in office hours. Printed: CPU ms
(process_time, steadier than wall time on a loaded machine) and SQL statements per filing event and per
check. Not a timed test.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import time_machine
from sqlalchemy import event

from bot.config import Settings
from storage import migrate
from tests.conftest import make_env
from tests.support.botcli import bind
from tests.support.complaints import file_complaint
from tests.support.inprocess import UNREACHABLE_LINE, ChatBot
from usecases.complaint_deadlines import check_deadlines

T0 = datetime(2024, 3, 4, 2, 0, tzinfo=UTC)  # a Monday, 09:00 in Bangkok
OFFICER = "U" + "e5" * 16


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--complaints", type=int, default=40)
    parser.add_argument("--days", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate.upgrade(url)
        bot = ChatBot.build(Settings.from_env(make_env(url, UNREACHABLE_LINE, Path(tmp))))
        statements = [0]

        def count(*_: Any) -> None:
            statements[0] += 1

        event.listen(bot.services.engine, "before_cursor_execute", count)
        try:
            with time_machine.travel(T0 - timedelta(days=1), tick=False):
                bind(bot, OFFICER, "officer")
            cpu, statements[0] = time.process_time(), 0
            for i in range(args.complaints):
                with time_machine.travel(T0 + timedelta(hours=3 * i), tick=False):
                    file_complaint(bot, f"U{i:032x}", mode="anonymous")
            events = args.complaints * 10
            print(f"filing: {args.complaints} complaints, {events} events: "
                  f"{(time.process_time() - cpu) * 1000 / events:.1f} CPU ms and {statements[0] / events:.1f} "
                  "statements per event")
            start = T0 + timedelta(hours=3 * args.complaints)
            checks = args.days * 24 * 6
            cpu, statements[0] = time.process_time(), 0
            recorded = pushes = 0
            for n in range(checks):
                moment = start + timedelta(minutes=10 * n)
                with time_machine.travel(moment, tick=False):
                    run = check_deadlines(bot.services.uow, bot.services.complaints, moment)
                    recorded += run.reminded + run.missed
                    pushes += run.pushes
            print(f"deadline check: {checks} runs over {args.days} days, {args.complaints} open complaints, "
                  f"{recorded} marks recorded, {pushes} pushes: {(time.process_time() - cpu) * 1000 / checks:.2f} "
                  f"CPU ms and {statements[0] / checks:.1f} statements per run")
        finally:
            bot.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
