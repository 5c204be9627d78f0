"""The weekly summary to administrators: due at the organisation's weekday and time (default Monday 08:30,
moved to the next working morning if that is a holiday), sent once per week even across restarts (a
worker that was down sends it when it comes back, the same week)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from domain.complaints.workflow import DeadlinePolicy
from domain.fiscal import local_date
from storage.clock import utcnow
from storage.models import Organisation, Priority, Role
from storage.uow import UnitOfWork, UnitOfWorkFactory
from usecases.reminder_run import calendar_for
from usecases.weekly_digest import gather
from views.weekly_summary import ReportLink, weekly_summary_message

log = logging.getLogger(__name__)

def summary_moment(uow: UnitOfWork, org: Organisation, now: datetime) -> tuple[datetime, datetime]:
    """(the start of this week, the moment this week's summary is due), in the organisation's time."""
    settings = uow.schedule.settings(org.id)
    calendar = calendar_for(org, settings)
    today = local_date(now, calendar.tz)
    monday = today - timedelta(days=today.weekday())
    nominal = datetime.combine(monday + timedelta(days=settings.summary_weekday), settings.summary_clock,
                               tzinfo=calendar.tz)
    week_start = datetime.combine(monday, datetime.min.time(), tzinfo=calendar.tz)
    return week_start, calendar.next_working_moment(nominal)


def send_weekly_summaries(uow_factory: UnitOfWorkFactory, deadlines: DeadlinePolicy,
                          now: datetime | None = None, report_link: ReportLink | None = None,
                          org_ids: list[int] | None = None) -> int:
    """Send every organisation's summary that is due and not yet sent this week; how many were sent."""
    now = now or utcnow()
    sent = 0
    if org_ids is None:
        with uow_factory() as uow:
            org_ids = uow.people.organisation_ids()
    for org_id in org_ids:
        try:
            with uow_factory(org_id) as uow:
                if send_summary_if_due(uow, org_id, now, deadlines, report_link):
                    sent += 1
                uow.commit()
        except Exception as exc:  # one organisation's failure never stops the others' summaries
            log.error("weekly summary for org %s failed (%s); the other organisations go on", org_id,
                      type(exc).__name__)
    return sent


def send_summary_if_due(uow: UnitOfWork, org_id: int, now: datetime, deadlines: DeadlinePolicy,
                        report_link: ReportLink | None) -> bool:
    org = uow.people.organisation_by_id(org_id)
    if org is None:
        return False
    week_start, due = summary_moment(uow, org, now)
    calendar = calendar_for(org, uow.schedule.settings(org_id))
    if now < due or not calendar.is_working_moment(now):
        return False
    if uow.schedule.weekly_summary_sent(org_id, week_start.date()):
        return False
    admins = [m for m in uow.people.members(org_id) if m.role == Role.ADMIN.value and not m.blocked]
    uow.schedule.record_weekly_summary(org_id, week_start.date(), now, len(admins))
    if not admins:
        return False
    digest = gather(uow, org_id, org.name, now, local_date(now, calendar.tz), deadlines)
    if report_link is not None:
        digest.report_url = report_link(uow, org_id)
    message = weekly_summary_message(digest)
    uow.outbox.add_pushes(org_id, [(a.line_user_id, [message], Priority.NORMAL) for a in admins], now)
    log.info("weekly summary for org %s to %s administrators", org_id, len(admins))
    return True
