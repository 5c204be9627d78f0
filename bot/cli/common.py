"""What every CLI command module shares."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.engine import make_url

from bot.services import Services


def services() -> Services:
    found: Services = current_app.extensions["itabot"]
    return found


def safe_url(url: str) -> str:
    """A database URL fit to print: its password hidden."""
    return make_url(url).render_as_string(hide_password=True)
