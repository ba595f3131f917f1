"""The overlap check as the portal uses it: check drafts, store flags on projects, resolve flags."""
from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select

from smartcities.accounts.models import User
from smartcities.errors import DomainError, ValidationError
from smartcities.extensions import db
from smartcities.overlap.documents import project_draft
from smartcities.overlap.draft import known_focus_areas, parse_draft
from smartcities.overlap.engine import CheckResult, Draft
from smartcities.overlap.index import current_index
from smartcities.overlap.models import OverlapFlag
from smartcities.plans.models import NationalPlan
from smartcities.projects.models import Project


def run_check(draft: Draft) -> CheckResult:
    """Flags for a draft against the plans covering it and the registered projects near it."""
    return current_index(current_app.config["OVERLAP_RADIUS_KM"]).check(draft)


def as_answer(result: CheckResult) -> dict[str, Any]:
    """The overlap-check answer of the design's contract."""
    return {"flags": [flag.as_dict() for flag in result.flags], "checked": dict(result.checked)}


def check_payload(payload: Any) -> dict[str, Any]:
    """`POST /api/v1/overlap-check`: validate the JSON draft and answer with flags."""
    return as_answer(run_check(parse_draft(payload)))


def check_project_draft(fields: dict[str, Any]) -> dict[str, Any]:
    """Check a project form's clean values (city as a City, focus areas by name) before saving."""
    city = fields["city"]
    areas = known_focus_areas()
    draft = Draft(
        title=fields.get("title") or "",
        text=" ".join(filter(None, (fields.get("summary"), fields.get("description")))),
        city=city.slug, country=city.country_code,
        focus_areas=frozenset(areas[n.lower()] for n in fields.get("focus_areas") or () if n.lower() in areas),
        start=fields.get("start_date"), end=fields.get("end_date"),
        lat=fields.get("latitude"), lon=fields.get("longitude"),
        partners=frozenset(fields.get("partners") or ()), project_id=fields.get("project_id"),
    )
    return as_answer(run_check(draft))


def _key(kind: str, plan_id: int | None, initiative_id: int | None, other_id: int | None) -> tuple:
    return (kind, plan_id, initiative_id, other_id)


def refresh_flags(project: Project) -> list[OverlapFlag]:
    """Re-run the check for a saved project and store its flags.

    Flags the official already justified or a reviewer dismissed keep their status and text; open flags
    that no longer apply are removed.
    """
    result = run_check(project_draft(project))
    plan_ids = dict(db.session.execute(select(NationalPlan.external_id, NationalPlan.id)).all())
    existing = {_key(f.kind, f.plan_id, f.initiative_id, f.other_project_id): f
                for f in db.session.scalars(select(OverlapFlag).where(OverlapFlag.project_id == project.id))}
    seen = set()
    for found in result.flags:
        plan_pk = plan_ids.get(found.plan_id) if found.plan_id else None
        key = _key(found.kind, plan_pk, found.initiative_id, found.project_id)
        seen.add(key)
        flag = existing.get(key)
        if flag is None:
            flag = OverlapFlag(project_id=project.id, kind=found.kind, plan_id=plan_pk,
                               initiative_id=found.initiative_id, other_project_id=found.project_id)
            db.session.add(flag)
        flag.subject = (found.initiative or found.project_title or "")[:300]
        flag.score = max(0.0, min(1.0, round(found.score, 4)))
        flag.severity = found.severity
        flag.reasons = list(found.reasons)
    for key, flag in existing.items():
        if key not in seen and flag.status == "open":
            db.session.delete(flag)
    db.session.flush()
    return list(db.session.scalars(select(OverlapFlag).where(OverlapFlag.project_id == project.id)
                                   .order_by(OverlapFlag.score.desc())))


def unjustified_high_flags(project: Project) -> list[OverlapFlag]:
    """High-severity flags still open: submitting needs a justification for each."""
    return list(db.session.scalars(select(OverlapFlag).where(
        OverlapFlag.project_id == project.id, OverlapFlag.status == "open", OverlapFlag.severity == "high")))


def acknowledge_flag(flag: OverlapFlag, user: User, justification: str) -> OverlapFlag:
    """The official explains why the project does not repeat what the flag points at."""
    text = (justification or "").strip()
    if len(text) < 10:
        raise ValidationError(f"justification-{flag.id}", "explain in a sentence or more (at least 10 characters)")
    if flag.status == "dismissed":
        raise DomainError("This flag was already dismissed by a reviewer.")
    flag.status, flag.justification, flag.resolved_by = "acknowledged", text[:5000], user
    db.session.flush()
    return flag


def dismiss_flag(flag: OverlapFlag, user: User, reason: str) -> OverlapFlag:
    """A reviewer decides the flag is not a real overlap, and says why."""
    text = (reason or "").strip()
    if len(text) < 5:
        raise ValidationError("reason", "give the reason for dismissing this flag")
    flag.status, flag.dismissal_reason, flag.resolved_by = "dismissed", text[:5000], user
    db.session.flush()
    return flag
