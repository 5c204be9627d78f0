"""What every CLI command module shares."""

from __future__ import annotations

from flask import current_app

from bot.services import Services


def services() -> Services:
    found: Services = current_app.extensions["itabot"]
    return found
