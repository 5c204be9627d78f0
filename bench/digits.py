"""What the digit policy costs (domain.digits, issue #15 item 9): putting a whole LINE message and a whole
console page into one digit style, against building them. Prints figures; not a timed test.

    .venv/bin/python bench/digits.py            # --rounds 200
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from domain.digits import ARABIC, THAI, localise_html, localise_message


def carousel(bubbles: int = 12) -> dict[str, Any]:
    """A head's measure carousel: per bubble a title with ม.N, a period, a status with a percentage, buttons."""
    def bubble(n: int) -> dict[str, Any]:
        return {"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": [
            {"type": "text", "text": f"ม.{n} มาตรการเผยแพร่ข้อมูลต่อสาธารณะ ประจำปี 2570", "wrap": True},
            {"type": "text", "text": f"{ARABIC.date(date(2026, 10, 1))} – {ARABIC.date(date(2027, 3, 31))}"},
            {"type": "text", "text": f"กำลังดำเนินการ {n * 7}% · รายงานครั้งที่ {n}"},
            {"type": "button", "action": {"type": "postback", "label": f"รายงาน ม.{n}", "data": f"m={n}&r=6"}},
        ]}}
    return {"type": "flex", "altText": f"มาตรการ {bubbles} รายการ",
            "contents": {"type": "carousel", "contents": [bubble(n) for n in range(1, bubbles + 1)]}}


def page(rows: int = 500) -> str:
    """A console table page: rows of dates, counts and links."""
    body = "".join(f'<tr><td><a href="/console/complaints/{n}">#{n}</a></td><td>{ARABIC.date(date(2027, 1, n % 28 + 1))}'
                   f' 10:{n % 60:02d}</td><td data-label="x">{n * 3} รายการ</td><td>ม.{n % 40}</td></tr>'
                   for n in range(rows))
    return f"<html><head><style>td {{ width: 22%; }}</style></head><body><table>{body}</table></body></html>"


def per_call(fn: Callable[[], object], rounds: int) -> float:
    fn()
    started = time.perf_counter()
    for _ in range(rounds):
        fn()
    return (time.perf_counter() - started) / rounds * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    rounds = parser.parse_args().rounds
    message = carousel()
    build = per_call(lambda: carousel(), rounds)
    serialise = per_call(lambda: json.dumps(message, ensure_ascii=False), rounds)
    to_thai = per_call(lambda: localise_message(message, THAI), rounds)
    to_arabic = per_call(lambda: localise_message(message, ARABIC), rounds)
    print(f"LINE carousel, 12 bubbles ({len(json.dumps(message, ensure_ascii=False))} chars):")
    print(f"  build {build:8.1f} µs · json.dumps {serialise:8.1f} µs · to Thai {to_thai:8.1f} µs "
          f"({to_thai / build:.2f}× build) · to Arabic {to_arabic:8.1f} µs ({to_arabic / build:.2f}× build)")
    html = page()
    make = per_call(lambda: page(), rounds)
    html_thai = per_call(lambda: localise_html(html, THAI), rounds)
    html_arabic = per_call(lambda: localise_html(html, ARABIC), rounds)
    print(f"console page, 500 rows ({len(html) // 1024} KB):")
    print(f"  build {make:8.1f} µs · to Thai {html_thai:8.1f} µs ({html_thai / make:.2f}× build) · "
          f"to Arabic {html_arabic:8.1f} µs ({html_arabic / make:.2f}× build)")


if __name__ == "__main__":
    main()
