"""The overlap engine, pure Python: it knows plans, projects and drafts as plain documents, never Flask,
SQLAlchemy or the portal (a test walks its imports). The portal's adapters sit one level up."""
from smartcities.overlap.engine.checker import DEFAULT_THRESHOLD, OverlapIndex
from smartcities.overlap.engine.documents import (
    CheckResult, Draft, Flag, InitiativeDoc, PlanDoc, ProjectDoc, Reach,
)

__all__ = ["DEFAULT_THRESHOLD", "CheckResult", "Draft", "Flag", "InitiativeDoc", "OverlapIndex", "PlanDoc",
           "ProjectDoc", "Reach"]
