"""Plans for end-to-end tests, built from the parser's own types (the parser has its own tests)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from domain.fiscal import fiscal_year_bounds, fiscal_year_of
from domain.plan_import import ParsedMeasure, ParsedPlan
from storage.clock import utcnow
from storage.uow import UnitOfWorkFactory
from usecases.plan_import import ImportResult, import_plan


def this_fiscal_year() -> int:
    return fiscal_year_of(utcnow().astimezone(ZoneInfo("Asia/Bangkok")).date())


def measure(title: str, units: list[str], *, all_units: bool = False, issue_no: int = 1,
            steps: list[str] | None = None, fiscal_year_be: int | None = None,
            start: date | None = None, end: date | None = None) -> ParsedMeasure:
    first, last = fiscal_year_bounds(fiscal_year_be or this_fiscal_year())
    return ParsedMeasure(issue_no=issue_no, issue="กระบวนการปฏิบัติงานที่โปร่งใสและมีประสิทธิภาพ", title=title,
                         steps=steps or ["จัดทำประกาศ", "เผยแพร่ทางเว็บไซต์"], unit_texts=units,
                         all_units=all_units, start=start or first, end=end or last, ita_codes=[],
                         monitoring_rounds_months=[6, 12], row=0)


def small_plan() -> list[ParsedMeasure]:
    """ม.1 สำนักปลัด, ม.2 every unit, ม.3 กองคลัง."""
    return [
        measure("มาตรการเผยแพร่ข้อมูลต่อสาธารณะ", ["สำนักปลัดเทศบาล"]),
        measure("มาตรการจัดการเรื่องร้องเรียนการทุจริต", [], all_units=True),
        measure("มาตรการเปิดเผยการจัดซื้อจัดจ้าง", ["กองคลัง"], issue_no=5),
    ]


def load_plan(uow_factory: UnitOfWorkFactory, org_id: int, measures: list[ParsedMeasure],
              fiscal_year_be: int | None = None) -> ImportResult:
    plan = ParsedPlan(fiscal_year_be=fiscal_year_be or this_fiscal_year(), measures=measures, warnings=[])
    with uow_factory() as uow:
        result = import_plan(uow, org_id, plan, "test-plan.tsv", utcnow())
        uow.commit()
    return result
