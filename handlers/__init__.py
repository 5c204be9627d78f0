"""Conversations: handlers registered on an Application."""

from __future__ import annotations

from domain.reports.links import ReportLinks
from handlers.admin_summary import AdminSummaryHandler
from handlers.base import Application
from handlers.complaint_followup import ComplainantReplyHandler, FollowUpHandler
from handlers.complaint_intake import ComplaintFlow
from handlers.complaint_officer import CaseActionOutsideHandler, CaseFlow, OfficersOnlyHandler
from handlers.conversation import Conversations, Flow
from handlers.general import FallbackHandler, HelpHandler
from handlers.membership import FollowHandler, InviteCodeHandler, UnfollowHandler
from handlers.plan_paste import PlanPasteFlow
from handlers.progress_report import ReportFlow
from handlers.report_request import ReportRequestFlow
from handlers.rounds_settings import RoundsFlow
from handlers.weekly_summary import WeeklySummaryHandler
from storage.uow import UnitOfWork
from usecases.complaint_config import ComplaintConfig
from usecases.current_round import latest_progress_report_link


def build_flows(complaints: ComplaintConfig, *, reports: ReportLinks) -> list[Flow]:
    return [ReportFlow(), ComplaintFlow(complaints), CaseFlow(complaints), RoundsFlow(),
            ReportRequestFlow(reports), PlanPasteFlow()]


def build_application(complaints: ComplaintConfig, conversations: Conversations | None = None, *,
                      reports: ReportLinks) -> Application:
    def report_link(uow: UnitOfWork, org_id: int) -> str | None:
        return latest_progress_report_link(uow, reports, org_id)

    application = Application()
    application.add_handler(FollowHandler())
    application.add_handler(UnfollowHandler())
    # A flow in progress takes all of the chat's messages (help words too: each step answers with what it
    # expects, and a complaint's events are scrubbed whatever they say); entry words and buttons start one.
    application.add_handler(conversations or Conversations(build_flows(complaints, reports=reports)))
    application.add_handler(InviteCodeHandler())
    application.add_handler(HelpHandler())
    application.add_handler(WeeklySummaryHandler(complaints.policy, report_link))
    application.add_handler(AdminSummaryHandler())
    # Complainants' follow-ups (outside any flow: mid-flow these words are the flow's to read).
    application.add_handler(FollowUpHandler(complaints))
    application.add_handler(ComplainantReplyHandler(complaints))
    application.add_handler(OfficersOnlyHandler())
    application.add_handler(CaseActionOutsideHandler(complaints))
    application.add_handler(FallbackHandler())  # last: takes what nothing else took
    return application
