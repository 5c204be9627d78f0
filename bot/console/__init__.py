"""The admin console: a Thai, phone-friendly web UI under /console for administrators (dashboard, plan
import, units, members and invites, rounds and reminders, reports, audit log), complaint officers (the
complaints queue, under the same privacy rules as in LINE) and unit heads (their unit's progress).

Only this blueprint uses Flask's cookie session (signed with a key derived from SECRET_KEY, path /console),
so the webhook and the public pages never set a cookie."""

from __future__ import annotations

from flask import Flask

from bot.config import Settings
from bot.console.blueprint import blueprint
from bot.console.session import configure_sessions


def init_app(app: Flask, settings: Settings) -> None:
    """Configure the console's sessions and mount it at /console."""
    # The views register their routes on the blueprint when imported.
    from bot.console import (  # noqa: F401
        audit_views,
        auth,
        complaint_pages,
        dashboard,
        member_views,
        operator_audit,
        operator_views,
        plan_views,
        report_views,
        settings_views,
        unit_views,
    )

    configure_sessions(app, settings)
    app.register_blueprint(blueprint)


__all__ = ["blueprint", "init_app"]
