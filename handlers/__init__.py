"""Conversations: handlers registered on an Application."""

from __future__ import annotations

from handlers.admin_summary import AdminSummaryHandler
from handlers.base import Application
from handlers.complaint_config import ComplaintConfig
from handlers.complaint_followup import ComplainantReplyHandler, FollowUpHandler
from handlers.complaint_intake import ComplaintFlow
from handlers.complaint_officer import CaseFlow, OfficersOnlyHandler
from handlers.conversation import Conversations, Flow
from handlers.general import FallbackHandler, HelpHandler
from handlers.membership import FollowHandler, InviteCodeHandler, UnfollowHandler
from handlers.progress_report import ReportFlow


def build_flows(complaints: ComplaintConfig) -> list[Flow]:
    return [ReportFlow(), ComplaintFlow(complaints), CaseFlow(complaints)]


def build_application(complaints: ComplaintConfig, conversations: Conversations | None = None) -> Application:
    application = Application()
    application.add_handler(FollowHandler())
    application.add_handler(UnfollowHandler())
    # A flow in progress takes all of the chat's messages (help words too: each step answers with what it
    # expects, and a complaint's events are scrubbed whatever they say); entry words and buttons start one.
    application.add_handler(conversations or Conversations(build_flows(complaints)))
    application.add_handler(InviteCodeHandler())
    application.add_handler(HelpHandler())
    application.add_handler(AdminSummaryHandler())
    # Complainants' follow-ups (outside any flow: mid-flow these words are the flow's to read).
    application.add_handler(FollowUpHandler(complaints))
    application.add_handler(ComplainantReplyHandler(complaints))
    application.add_handler(OfficersOnlyHandler())
    application.add_handler(FallbackHandler())  # last: takes what nothing else took
    return application
