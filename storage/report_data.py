"""What the reports are made of, read from the database: a round's measures, the units answering for them,
their latest reports in the round and the evidence sent with them; a fiscal year's complaint counts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from domain.complaints.stats import complaint_statistics
from domain.digits import DigitStyle
from domain.fiscal import local_date
from domain.reports.complaints import ComplaintStatsReport, assemble_complaint_stats
from domain.reports.progress import (
    EvidenceFacts,
    MeasureFacts,
    ReportFacts,
    RoundFacts,
    RoundReport,
    UnitFacts,
    assemble_round_report,
)
from storage.conversation_models import Evidence
from storage.evidence import EvidenceStatus
from storage.models import Organisation
from storage.plan_models import Measure, Plan, ProgressReport, ReportingRound
from storage.uow import UnitOfWork

REPORT_OWNER = "progress_report"  # evidence saved with a progress report (handlers.progress_report)


class ReportNotFound(LookupError):
    """Nothing to report: `reason` is "organisation", "plan" or "round"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def organisation(uow: UnitOfWork, org_id: int) -> Organisation:
    org = uow.people.organisation_by_id(org_id)
    if org is None:
        raise ReportNotFound("organisation")
    return org


def plan_and_round(uow: UnitOfWork, org_id: int, fiscal_year_be: int, round_months: int
                   ) -> tuple[Plan, ReportingRound]:
    plan = uow.plans.plan_for_year(org_id, fiscal_year_be)
    if plan is None:
        raise ReportNotFound("plan")
    rnd = next((r for r in uow.plans.rounds(org_id, fiscal_year_be) if r.months == round_months), None)
    if rnd is None:
        raise ReportNotFound("round")
    return plan, rnd


def _latest_reports(uow: UnitOfWork, round_id: int, tz: ZoneInfo) -> list[ReportFacts]:
    newest = (select(ProgressReport.measure_id, ProgressReport.unit_id,
                     func.max(ProgressReport.version).label("version"))
              .where(ProgressReport.round_id == round_id)
              .group_by(ProgressReport.measure_id, ProgressReport.unit_id).subquery())
    rows = uow.session.execute(
        select(ProgressReport.measure_id, ProgressReport.unit_id, ProgressReport.status, ProgressReport.percent,
               ProgressReport.details, ProgressReport.problems, ProgressReport.version, ProgressReport.created_at)
        .join(newest, (ProgressReport.measure_id == newest.c.measure_id)
              & (ProgressReport.unit_id == newest.c.unit_id) & (ProgressReport.version == newest.c.version))
        .where(ProgressReport.round_id == round_id))
    return [ReportFacts(m, u, status, percent, details or "", problems or "", version,
                        local_date(created, tz))
            for m, u, status, percent, details, problems, version, created in rows]


def _evidence(uow: UnitOfWork, org_id: int, round_id: int) -> list[EvidenceFacts]:
    """The evidence kept with any version of the round's reports (an edit does not repeat the photos)."""
    rows = uow.session.execute(
        select(Evidence.id, ProgressReport.measure_id, ProgressReport.unit_id, Evidence.message_type,
               Evidence.file_name, Evidence.content_type, Evidence.size)
        .join(ProgressReport, ProgressReport.id == Evidence.owner_id)
        .where(Evidence.owner_kind == REPORT_OWNER, Evidence.org_id == org_id,
               Evidence.status == EvidenceStatus.READY.value, ProgressReport.round_id == round_id)
        .order_by(Evidence.id))
    return [EvidenceFacts(*row) for row in rows]


def evidence_loader(uow: UnitOfWork, org_id: int) -> Callable[[int], bytes | None]:
    def load(evidence_id: int) -> bytes | None:
        return uow.session.scalar(select(Evidence.content).where(
            Evidence.id == evidence_id, Evidence.org_id == org_id, Evidence.owner_kind == REPORT_OWNER))

    return load


def round_report(uow: UnitOfWork, org_id: int, fiscal_year_be: int, round_months: int, today: date,
                 status_names: Mapping[str, str], *, digits: DigitStyle | None = None) -> RoundReport:
    """The report of a round as it stands; ReportNotFound when the year has no plan or no such round."""
    org = organisation(uow, org_id)
    tz = ZoneInfo(org.timezone)
    plan, rnd = plan_and_round(uow, org_id, fiscal_year_be, round_months)
    measures = uow.plans.measures(plan.id)
    units_by_measure = uow.plans.unit_ids_by_measure(m.id for m in measures)
    options = uow.report_settings.options(org_id)
    if digits is not None:
        options = replace(options, digits=digits)
    return assemble_round_report(
        org_name=org.name,
        fiscal_year_be=fiscal_year_be,
        round=RoundFacts(rnd.months, rnd.start_date, rnd.end_date, rnd.due_date),
        as_of=today,
        measures=[MeasureFacts(m.id, m.seq, m.issue_no, m.issue or "", m.title, tuple(m.steps or ()), m.all_units,
                               tuple(sorted(units_by_measure.get(m.id, ()))), m.start_date, m.end_date)
                  for m in measures],
        units=[UnitFacts(u.id, u.name) for u in uow.people.units(org_id)],
        reports=_latest_reports(uow, rnd.id, tz),
        evidence=_evidence(uow, org_id, rnd.id),
        status_names=status_names,
        options=options,
    )


def round_last_change(uow: UnitOfWork, org_id: int, fiscal_year_be: int, round_months: int) -> datetime:
    """When the round's report last changed: the latest report in it, or the plan's last import."""
    plan, rnd = plan_and_round(uow, org_id, fiscal_year_be, round_months)
    latest_report = uow.session.scalar(select(func.max(ProgressReport.created_at))
                                       .where(ProgressReport.round_id == rnd.id))
    latest_measure = uow.session.scalar(select(func.max(Measure.updated_at)).where(Measure.plan_id == plan.id))
    return max(t for t in (plan.imported_at, latest_report, latest_measure) if t is not None)


def complaint_stats_report(uow: UnitOfWork, org_id: int, fiscal_year_be: int, today: date, *,
                           category_names: Mapping[str, str], status_names: Mapping[str, str],
                           type_names: Mapping[str, str], steps: tuple[str, ...],
                           digits: DigitStyle | None = None) -> ComplaintStatsReport:
    org = organisation(uow, org_id)
    stats = complaint_statistics(uow.complaints.facts(org_id), fiscal_year_be, org.timezone)
    options = uow.report_settings.options(org_id)
    if digits is not None:
        options = replace(options, digits=digits)
    return assemble_complaint_stats(stats, org_name=org.name, as_of=today, category_names=category_names,
                                    status_names=status_names, type_names=type_names, steps=steps, options=options)

