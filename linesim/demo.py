"""Demo data for the local run: the personas of the chat page, bound to their roles."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from bot.services import Services
from domain.fiscal import fiscal_year_of, local_date
from domain.passwords import hash_password
from domain.plan_import import ParsedPlan, parse_plan
from domain.plan_table import read_table
from storage.clock import utcnow
from storage.models import Role
from texts import cli
from usecases.plan_import import import_plan

# A real published measure table (เทศบาลตำบลเวียงเชียงแสน, ปีงบประมาณ 2567), moved to the current fiscal year.
SAMPLE_PLAN = Path(__file__).parent / "demo_data" / "sample-plan-2567.tsv"
SAMPLE_PLAN_YEAR = 2567


@dataclass(frozen=True)
class DemoPersona:
    user_id: str
    name: str
    role: Role
    unit: str | None = None

    @property
    def role_label(self) -> str:
        return f"{self.role.value}{' · ' + self.unit if self.unit else ''}"


DEMO_PERSONAS: tuple[DemoPersona, ...] = (
    DemoPersona("U" + "0" * 31 + "1", cli.DEMO_CITIZEN, Role.CITIZEN),
    DemoPersona("U" + "0" * 31 + "2", cli.DEMO_HEAD_OFFICE, Role.HEAD, cli.DEMO_UNIT_OFFICE),
    DemoPersona("U" + "0" * 31 + "3", cli.DEMO_HEAD_FINANCE, Role.HEAD, cli.DEMO_UNIT_FINANCE),
    DemoPersona("U" + "0" * 31 + "4", cli.DEMO_HEAD_WORKS, Role.HEAD, cli.DEMO_UNIT_WORKS),
    DemoPersona("U" + "0" * 31 + "5", cli.DEMO_OFFICER, Role.OFFICER),
    DemoPersona("U" + "0" * 31 + "6", cli.DEMO_ADMIN, Role.ADMIN),
)

# Logins of the admin console for the local run only (development): a username per persona who uses it.
DEMO_CONSOLE_PASSWORD = "itabot-demo-2568"
DEMO_CONSOLE_USERS: tuple[tuple[str, DemoPersona], ...] = (
    ("admin", DEMO_PERSONAS[5]), ("officer", DEMO_PERSONAS[4]), ("head", DEMO_PERSONAS[2]),
)


def personas_for_chat_page() -> list[dict[str, str]]:
    return [{"user_id": p.user_id, "name": p.name, "role_label": p.role_label} for p in DEMO_PERSONAS]


def load_demo(services: Services) -> list[str]:
    """Bind the demo personas to their roles and units. Running it again changes nothing."""
    org_id = services.org_id()
    lines = []
    with services.uow() as uow:
        now = utcnow()
        for persona in DEMO_PERSONAS:
            member = uow.people.get_or_create_member(org_id, persona.user_id, now)
            unit = uow.people.find_unit(org_id, persona.unit) if persona.unit else None
            member.display_name = persona.name
            member.role = persona.role.value
            member.unit_id = unit.id if unit else None
            member.bound_at = member.bound_at or now
            lines.append(f"{persona.name}: {persona.role.value}{' / ' + unit.name if unit else ''}")
        uow.commit()
    lines.append(load_sample_plan(services))
    if services.settings.is_development:
        lines.append(load_console_users(services))
    return lines


def load_console_users(services: Services) -> str:
    """The demo's console logins, linked to their personas (made once; a changed password stays)."""
    org_id = services.org_id()
    with services.uow() as uow:
        now = utcnow()
        for username, persona in DEMO_CONSOLE_USERS:
            if uow.console_users.by_username(org_id, username) is not None:
                continue
            member = uow.people.member(org_id, persona.user_id)
            uow.console_users.create(org_id, username, hash_password(DEMO_CONSOLE_PASSWORD), persona.role.value,
                                     now, member_id=member.id if member else None)
        uow.commit()
    return cli.DEMO_CONSOLE_USERS.format(users=", ".join(name for name, _ in DEMO_CONSOLE_USERS),
                                           password=DEMO_CONSOLE_PASSWORD)


def _shift(d: date, years: int) -> date:
    return d.replace(year=d.year + years, day=min(d.day, 28) if d.month == 2 else d.day)


def sample_plan(fiscal_year_be: int) -> ParsedPlan:
    parsed = parse_plan(read_table(SAMPLE_PLAN), SAMPLE_PLAN_YEAR)
    years = fiscal_year_be - SAMPLE_PLAN_YEAR
    measures = [replace(m, start=_shift(m.start, years), end=_shift(m.end, years)) for m in parsed.measures]
    return ParsedPlan(fiscal_year_be, measures, parsed.warnings)


def load_sample_plan(services: Services) -> str:
    """Import the sample plan as this fiscal year's (again: an update, no duplicates)."""
    org_id = services.org_id()
    now = utcnow()
    year = fiscal_year_of(local_date(now, services.settings.tz))
    with services.uow() as uow:
        result = import_plan(uow, org_id, sample_plan(year), SAMPLE_PLAN.name, now)
        uow.commit()
    return cli.DEMO_PLAN_LOADED.format(year=year, count=len(result.measures))
