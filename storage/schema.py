"""All tables: import this (not a single models module) wherever the whole schema is needed."""

from __future__ import annotations

import storage.complaint_models
import storage.conversation_models
import storage.plan_models
from storage.models import Base

MODEL_MODULES = (storage.conversation_models, storage.plan_models, storage.complaint_models)
metadata = Base.metadata

__all__ = ["MODEL_MODULES", "Base", "metadata"]
