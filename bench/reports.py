"""Report generation at scale.

    .venv/bin/python bench/reports.py [--measures 1000] [--units 20] [--photos 0] [--db sqlite|postgresql|both]
                                      [--repeat 3]

1. Builds one organisation with U units and a plan of M measures for every unit, with a report from every
   unit on every measure in the six-month round (M×U reports, ~300 characters of Thai each), and
   optionally P evidence photos (12-megapixel phone JPEGs, shrunk for the annex) on the first reports.
2. Times `render_progress_report` end to end — read the round from the database, assemble the report,
   render — as Word and as Excel (CSV too), best of `--repeat` runs, and prints the file sizes.
   Goal: < 5 s each for 1,000 measures × 20 units.
It prints figures; it is not a timed test.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw, ImageFilter  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from bench.databases import CHOICES, chosen, database  # noqa: E402
from domain.rounds import round_periods  # noqa: E402
from storage.conversation_models import Evidence  # noqa: E402
from storage.db import make_engine, make_session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Organisation, Unit  # noqa: E402
from storage.plan_models import Measure, Plan, ProgressReport, ReportingRound  # noqa: E402
from storage.uow import UnitOfWorkFactory  # noqa: E402
from usecases.report_files import render_progress_report  # noqa: E402

YEAR = 2567
AS_OF = datetime(2024, 3, 20, 3, 0, tzinfo=UTC)
DETAILS = ("จัดประชุมชี้แจงบุคลากรในสังกัด {n} ครั้ง เผยแพร่ประกาศทางเว็บไซต์และเฟซบุ๊กของเทศบาล "
           "ติดตามผลการปฏิบัติตามมาตรการทุกเดือน และรายงานผู้บริหารทราบตามลำดับชั้น\n"
           "จัดทำสรุปผลการดำเนินงานพร้อมภาพถ่ายประกอบ เก็บไว้เป็นหลักฐาน")
PROBLEMS = "บุคลากรมีจำกัดและมีภารกิจหลายด้าน เสนอให้จัดอบรมเพิ่มเติมในปีงบประมาณถัดไป"


def phone_photos(count: int = 4) -> list[bytes]:
    """A few 12-megapixel JPEGs (4032×3024, as phones take them), reused across the evidence rows."""
    photos = []
    for n in range(count):
        image = Image.linear_gradient("L").resize((4032, 3024)).convert("RGB")
        draw = ImageDraw.Draw(image)
        for i in range(200):
            x, y = (i * 37 + n * 101) % 3800, (i * 53 + n * 67) % 2800
            draw.ellipse((x, y, x + 240, y + 180), fill=((i * 7 + n * 40) % 255, 90, 200 - i % 150))
        out = io.BytesIO()
        image.filter(ImageFilter.GaussianBlur(2)).save(out, "JPEG", quality=88)
        photos.append(out.getvalue())
    return photos


def build(url: str, measures: int, units: int, photos: int) -> tuple[UnitOfWorkFactory, int]:
    upgrade(url)
    engine = make_engine(url)
    uow_factory = UnitOfWorkFactory(make_session_factory(engine))
    with uow_factory() as uow:
        s = uow.session
        org_id = s.scalar(insert(Organisation).values(slug="bench", name="เทศบาลตำบลทดสอบสมรรถนะ",
                                                      timezone="Asia/Bangkok", created_at=AS_OF)
                          .returning(Organisation.id))
        s.execute(insert(Unit), [{"org_id": org_id, "name": f"กองที่ {u + 1}", "aliases": [], "created_at": AS_OF}
                                 for u in range(units)])
        unit_ids = list(s.scalars(select(Unit.id).where(Unit.org_id == org_id)))
        plan_id = s.scalar(insert(Plan).values(org_id=org_id, fiscal_year_be=YEAR, source_name="bench.tsv",
                                               imported_at=AS_OF).returning(Plan.id))
        periods = round_periods(YEAR)
        s.execute(insert(ReportingRound), [{"org_id": org_id, "fiscal_year_be": YEAR, "months": p.months,
                                            "start_date": p.start, "end_date": p.end, "due_date": p.due}
                                           for p in periods])
        round_id = s.scalar(select(ReportingRound.id).where(ReportingRound.months == 6))
        start, end = periods[0].start, periods[-1].end
        s.execute(insert(Measure), [{
            "org_id": org_id, "plan_id": plan_id, "seq": m + 1, "match_key": f"bench-{m}", "issue_no": m % 7 + 1,
            "issue": f"ประเด็นที่ {m % 7 + 1} ของการประเมิน", "title": f"มาตรการส่งเสริมความโปร่งใสข้อที่ {m + 1}",
            "steps": ["จัดทำประกาศมาตรการ", "เผยแพร่ประกาศผ่านเว็บไซต์และสื่อสังคมออนไลน์",
                      "ส่งเสริมให้พนักงานดำเนินการตามมาตรการ"],
            "all_units": True, "start_date": start, "end_date": end, "ita_codes": [], "monitoring_rounds_months": [],
            "active": True, "updated_at": AS_OF} for m in range(measures)])
        measure_ids = list(s.scalars(select(Measure.id).where(Measure.plan_id == plan_id).order_by(Measure.seq)))
        batch = []
        for m in measure_ids:
            for u in unit_ids:
                batch.append({"org_id": org_id, "measure_id": m, "unit_id": u, "round_id": round_id, "version": 1,
                              "status": "done" if (m + u) % 3 else "in_progress", "percent": 100 if (m + u) % 3
                              else 60, "details": DETAILS.format(n=(m + u) % 9 + 1),
                              "problems": PROBLEMS if (m + u) % 4 == 0 else "", "reporter_member_id": None,
                              "created_at": AS_OF})
                if len(batch) == 5000:
                    s.execute(insert(ProgressReport), batch)
                    batch = []
        if batch:
            s.execute(insert(ProgressReport), batch)
        if photos:
            pictures = phone_photos()
            report_ids = list(s.scalars(select(ProgressReport.id).order_by(ProgressReport.id).limit(photos)))
            s.execute(insert(Evidence), [{
                "org_id": org_id, "owner_kind": "progress_report", "owner_id": rid, "line_message_id": f"bench-{rid}",
                "message_type": "image", "file_name": None, "content_type": "image/jpeg", "size": None,
                "content": pictures[i % len(pictures)], "status": "ready", "attempts": 1, "next_attempt_at": AS_OF,
                "created_at": AS_OF, "fetched_at": AS_OF} for i, rid in enumerate(report_ids)])
        uow.commit()
    return uow_factory, org_id


def time_formats(uow_factory: UnitOfWorkFactory, org_id: int, repeat: int) -> dict[str, tuple[float, int]]:
    results = {}
    for fmt in ("docx", "xlsx", "csv"):
        best, size = float("inf"), 0
        for _ in range(repeat):
            started = time.perf_counter()
            with uow_factory() as uow:
                data = render_progress_report(uow, org_id, YEAR, 6, fmt, today=AS_OF.date())
            best = min(best, time.perf_counter() - started)
            size = len(data)
        results[fmt] = (best, size)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--measures", type=int, default=1000)
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--photos", type=int, default=0)
    parser.add_argument("--db", choices=CHOICES, default="both")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.measures} measures × {args.units} units = {args.measures * args.units} reports, "
          f"{args.photos} photos; best of {args.repeat}")
    with tempfile.TemporaryDirectory() as tmp:
        for db in chosen(args.db):
            with database(db, tmp) as url:
                started = time.perf_counter()
                uow_factory, org_id = build(url, args.measures, args.units, args.photos)
                print(f"{db:>10}: built in {time.perf_counter() - started:.1f} s")
                for fmt, (seconds, size) in time_formats(uow_factory, org_id, args.repeat).items():
                    goal = "" if fmt == "csv" else f" (goal < 5 s: {'met' if seconds < 5 else 'NOT met'})"
                    print(f"{'':>12}{fmt}: {seconds:.2f} s, {size / 1024 / 1024:.1f} MB{goal}")


if __name__ == "__main__":
    main()
