"""Reading an uploaded plan file: its name made safe, its type checked, and its bytes parsed as the CLI
parses a file (domain.plan_table.read_table), under the name it was uploaded with so that any error
names the file the user knows."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePath

from domain.plan_import import ParsedPlan, parse_plan
from domain.plan_table import SUPPORTED, read_table


def safe_name(filename: str) -> str:
    """The file's own name without any directory part, at most 200 characters."""
    name = PurePath(filename.replace("\\", "/")).name.strip()
    if name in ("", ".", ".."):
        return "plan"
    return name[-200:]


def suffix_of(filename: str) -> str | None:
    suffix = PurePath(safe_name(filename)).suffix.lower()
    return suffix if suffix in SUPPORTED else None


def read_upload(data: bytes, filename: str) -> list[list[str]]:
    """The rows of the measure table in an uploaded file (PlanFileError, with a Thai message, when it cannot
    be read)."""
    with tempfile.TemporaryDirectory(prefix="itabot-plan-") as directory:
        path = Path(directory) / safe_name(filename)
        path.write_bytes(data)
        return read_table(path)


def parse_upload(data: bytes, filename: str, fiscal_year: int, choices: Mapping[str, str] | None = None) -> ParsedPlan:
    """The plan in an uploaded file, some rows read as the admin chose (domain.plan_import.parse_plan)."""
    return parse_plan(read_upload(data, filename), fiscal_year, choices)
