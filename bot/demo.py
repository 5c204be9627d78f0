"""Demo data for the local run: the personas of the chat page, bound to their roles."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services import Services
from storage.clock import utcnow
from storage.models import Role


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
    DemoPersona("U" + "0" * 31 + "1", "สมชาย ใจดี (ประชาชน)", Role.CITIZEN),
    DemoPersona("U" + "0" * 31 + "2", "หัวหน้าสำนักปลัด", Role.HEAD, "สำนักปลัดเทศบาล"),
    DemoPersona("U" + "0" * 31 + "3", "ผอ.กองคลัง", Role.HEAD, "กองคลัง"),
    DemoPersona("U" + "0" * 31 + "4", "ผอ.กองช่าง", Role.HEAD, "กองช่าง"),
    DemoPersona("U" + "0" * 31 + "5", "นิติกร (รับเรื่องร้องเรียน)", Role.OFFICER),
    DemoPersona("U" + "0" * 31 + "6", "ปลัดเทศบาล (ผู้ดูแล)", Role.ADMIN),
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
    return lines
