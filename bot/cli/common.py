"""What every CLI command module shares."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from flask import current_app
from sqlalchemy.engine import make_url

from bot.services import Services
from storage.uow import UnitOfWork
from views.complaint_views import local_time


def services() -> Services:
    found: Services = current_app.extensions["itabot"]
    return found


@contextmanager
def unit_of_work(*, commit: bool = True) -> Iterator[tuple[UnitOfWork, int]]:
    """`with unit_of_work() as (uow, org_id): ...`: one transaction on the organisation this deployment
    serves, committed when the block ends normally (`commit=False`: never, as in a dry run) and rolled back
    when it raises (a ClickException included)."""
    svc = services()
    org_id = svc.org_id()
    with svc.uow() as uow:
        yield uow, org_id
        if commit:
            uow.commit()


def when(moment: datetime) -> str:
    """A moment as the rest of the product writes it, in the organisation's time zone: "๑๔ ธ.ค. ๒๕๖๙ 04:21"."""
    return local_time(moment, services().settings.timezone)


def safe_url(url: str) -> str:
    """A database URL fit to print: its password hidden."""
    return make_url(url).render_as_string(hide_password=True)
