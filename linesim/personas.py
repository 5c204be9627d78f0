"""Simulated LINE users shown in the chat page and answered by the profile endpoint."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_DISPLAY_NAME = "ผู้ใช้ทดสอบ"


@dataclass(frozen=True)
class Persona:
    user_id: str
    name: str
    role_label: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


DEFAULT_PERSONAS: tuple[Persona, ...] = (
    Persona("U10000000000000000000000000000001", "สมชาย ใจดี", "ประชาชน (citizen)"),
    Persona("U20000000000000000000000000000002", "สมหญิง ตั้งใจ", "เจ้าหน้าที่ (officer)"),
    Persona("U30000000000000000000000000000003", "ปลัดเทศบาล", "ผู้บริหาร (executive)"),
)


def parse_personas(raw: Any) -> list[Persona]:
    """Accepts a list of {user_id, name, role_label}; raises ValueError on anything else."""
    if not isinstance(raw, list):
        raise ValueError("personas must be a JSON list")
    personas = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("user_id"), str) or not item["user_id"]:
            raise ValueError(f"personas[{i}] needs a non-empty user_id")
        name = item.get("name") or DEFAULT_DISPLAY_NAME
        role = item.get("role_label") or ""
        personas.append(Persona(item["user_id"], str(name), str(role)))
    return personas
