"""All tables: import this (not a single models module) wherever the whole schema is needed."""

from __future__ import annotations

import storage.complaint_models
import storage.console_models
import storage.conversation_models
import storage.org_models
import storage.plan_models
import storage.report_models
import storage.schedule_models
from storage.models import Base

MODEL_MODULES = (storage.conversation_models, storage.plan_models, storage.complaint_models,
                 storage.schedule_models, storage.report_models, storage.console_models, storage.org_models)
metadata = Base.metadata
# Tables other libraries create and own in our database (APScheduler's job store): migrations leave them be.
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's filter: compare and migrate our own tables only."""
    table = getattr(obj, "table", None)
    table_name = name if type_ == "table" else getattr(table, "name", None)
    return table_name not in FOREIGN_TABLES

__all__ = ["FOREIGN_TABLES", "MODEL_MODULES", "Base", "include_object", "metadata"]
