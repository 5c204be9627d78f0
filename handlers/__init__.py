"""Conversations: handlers registered on an Application."""

from __future__ import annotations

from handlers.base import Application
from handlers.general import FallbackHandler, HelpHandler
from handlers.membership import FollowHandler, InviteCodeHandler, UnfollowHandler


def build_application() -> Application:
    application = Application()
    application.add_handler(FollowHandler())
    application.add_handler(UnfollowHandler())
    application.add_handler(InviteCodeHandler())
    application.add_handler(HelpHandler())
    application.add_handler(FallbackHandler())  # last: takes what nothing else took
    return application
