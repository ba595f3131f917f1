"""The overlap check as the portal uses it: check drafts, store flags on projects, resolve flags."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from smartcities.accounts.models import User
from smartcities.accounts.visibility import audience_of, may_see_project
from smartcities.audit import services as audit
from smartcities.errors import DomainError, ValidationError
from smartcities.extensions import db
from smartcities.geo.models import City
from smartcities.metrics import OVERLAP_CHECK_SECONDS
from smartcities.overlap.conversion import project_draft
from smartcities.overlap.draft import parse_draft
from smartcities.overlap.engine import CheckResult, Draft, Reach
from smartcities.overlap.index import REQUEST_WAIT, current_index
from smartcities.overlap.models import OverlapFlag
from smartcities.plans.models import NationalPlan
from smartcities.projects.models import Project

MAX_ANSWER = 4000


def run_check(draft: Draft) -> CheckResult:
    """Flags for a draft against the plans covering it and the registered projects near it."""
    with OVERLAP_CHECK_SECONDS.time():
        return current_index(current_app.config["OVERLAP_RADIUS_KM"], wait=REQUEST_WAIT).check(draft)


def as_answer(result: CheckResult) -> dict[str, Any]:
    """The overlap-check answer of the design's contract, and the related initiatives that raise no flag."""
    return {"flags": [flag.as_dict() for flag in result.flags], "checked": dict(result.checked),
            "related": [flag.as_dict() for flag in result.related]}


def reach_of(user: Any) -> Reach:
    """The visibility rule's audience of this user, as the engine's plain Reach."""
    audience = audience_of(user)
    city = db.session.get(City, audience.city_id) if audience.city_id is not None else None
    return Reach(everything=audience.everything, city=city.slug if city else None, country=audience.country_code)


def check_payload(payload: Any, user: Any) -> dict[str, Any]:
    """`POST /api/v1/overlap-check`: validate the JSON draft and answer with the flags this user may see.

    Unpublished projects the asker may not see are not compared at all: no flag, no count, no distance.
    """
    draft = replace(parse_draft(payload), reach=reach_of(user))
    return as_answer(run_check(draft))


def _key(kind: str, plan_id: int | None, initiative_id: int | None, other_id: int | None) -> tuple:
    return (kind, plan_id, initiative_id, other_id)


def refresh_flags(project: Project, draft: Draft | None = None) -> list[OverlapFlag]:
    """Re-run the check for a saved project (or `draft`, its pending revision) and store its flags.

    Flags the official already justified or a reviewer dismissed keep their status and text; open flags
    that no longer apply are removed.
    """
    result = run_check(draft or project_draft(project))
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
            audit.record(flag, "auto_removed", None, audit.diff(
                {"project_id": flag.project_id, "kind": flag.kind, "subject": flag.subject, "status": "open"}, {}))
            db.session.delete(flag)
    db.session.flush()
    return list(db.session.scalars(select(OverlapFlag).where(OverlapFlag.project_id == project.id)
                                   .order_by(OverlapFlag.score.desc())))


def visible_flags(flags: Iterable[OverlapFlag], user: Any) -> list[OverlapFlag]:
    """The flags whose other project (if any) this user may see; the others are not shown at all."""
    return [flag for flag in flags if flag.other_project is None or may_see_project(user, flag.other_project)]


def _fits(text: str | None, shortest: int) -> str | None:
    """A written answer to a flag, trimmed, or None when it is too short or too long."""
    text = (text or "").strip()
    return text if shortest <= len(text) <= MAX_ANSWER else None


def acknowledge_flag(flag: OverlapFlag, user: User, justification: str) -> OverlapFlag:
    """The official explains why the project does not repeat what the flag points at."""
    text = _fits(justification, 10)
    if text is None:
        raise ValidationError(f"justification-{flag.id}", _(
            "Explain in a sentence or more (%(shortest)d to %(longest)d characters).", shortest=10,
            longest=MAX_ANSWER))
    if flag.status == "dismissed":
        raise DomainError(_("This flag is already dismissed."))
    flag.status, flag.justification, flag.resolved_by = "acknowledged", text, user
    db.session.flush()
    return flag


def dismiss_flag(flag: OverlapFlag, user: User, reason: str) -> OverlapFlag:
    """A reviewer decides the flag is not a real overlap, and says why."""
    text = _fits(reason, 5)
    if text is None:
        raise ValidationError("reason", _("Give the reason (%(shortest)d to %(longest)d characters).", shortest=5,
                                          longest=MAX_ANSWER))
    if flag.status == "dismissed":
        raise DomainError(_("This flag is already dismissed."))
    flag.status, flag.dismissal_reason, flag.resolved_by = "dismissed", text, user
    db.session.flush()
    return flag
