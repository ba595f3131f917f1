"""Plan import (create or update by external id) and export, in the Plan file format."""
from __future__ import annotations

from collections import Counter
from itertools import count
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from smartcities.database import utcnow
from smartcities.errors import ValidationError
from smartcities.extensions import db
from smartcities.geo.models import Country
from smartcities.geo.services import find_city
from smartcities.notifications import events
from smartcities.overlap import rechecks
from smartcities.overlap.models import OverlapFlag
from smartcities.plans.models import NationalPlan, PlanInitiative
from smartcities.plans.plan_file import validate_plan, validate_plan_file
from smartcities.projects.models import FocusArea


def plan_to_dict(plan: NationalPlan) -> dict[str, Any]:
    """One plan in the Plan file format."""
    return {
        "id": plan.external_id,
        "country": plan.country_code,
        "level": plan.level,
        "city": plan.city.name if plan.city else None,
        "title": plan.title,
        "period": {"start": plan.start_year, "end": plan.end_year},
        "focus_areas": [fa.name for fa in plan.focus_areas],
        "summary": plan.summary,
        "source": plan.source,
        "initiatives": [
            {"id": i.key, "title": i.title, "description": i.description,
             "focus_areas": [fa.name for fa in i.focus_areas]}
            for i in plan.initiatives
        ],
    }


def export_plans() -> dict[str, Any]:
    """Every plan, ordered by country and id, in the Plan file format."""
    plans = db.session.scalars(
        select(NationalPlan).options(selectinload(NationalPlan.initiatives).selectinload(PlanInitiative.focus_areas),
                                     selectinload(NationalPlan.focus_areas), selectinload(NationalPlan.city))
        .order_by(NationalPlan.country_code, NationalPlan.external_id)
    )
    return {"plans": [plan_to_dict(p) for p in plans]}


def _ordered(areas: dict[str, FocusArea], names: list[str]) -> list[FocusArea]:
    """Focus areas in their canonical order, as the relationship loads them."""
    return sorted((areas[name] for name in names), key=lambda fa: fa.id)


def _apply(plan: NationalPlan, clean: dict[str, Any], areas: dict[str, FocusArea]) -> None:
    plan.country_code = clean["country"]
    plan.level = clean["level"]
    plan.city = clean["city"]
    plan.title = clean["title"]
    plan.start_year = clean["start"]
    plan.end_year = clean["end"]
    plan.summary = clean["summary"]
    plan.source = clean["source"]
    plan.focus_areas = _ordered(areas, clean["focus_areas"])
    _apply_initiatives(plan, clean["initiatives"], areas)


def _apply_initiatives(plan: NationalPlan, items: list[dict[str, Any]], areas: dict[str, FocusArea]) -> None:
    """Update initiatives in place by their stable key, so stored overlap flags keep pointing at them.

    An item without an id (a file written before initiatives had ids) takes the existing initiative of the
    same title; an item matching nothing is a new initiative with the next free key (i1, i2, …). An existing
    initiative that no item names is removed: its flags keep the plan and the initiative's title (`subject`).
    """
    existing = {initiative.key: initiative for initiative in plan.initiatives}
    by_title = {initiative.title: initiative for initiative in reversed(plan.initiatives)}
    claimed = {item["id"] for item in items if item.get("id")}
    kept: list[PlanInitiative] = []
    for position, item in enumerate(items):
        initiative = existing.get(item["id"]) if item.get("id") else None
        if initiative is None and not item.get("id"):
            candidate = by_title.get(item["title"])
            if candidate is not None and candidate.key not in claimed:
                initiative = candidate
        if initiative is None:
            initiative = PlanInitiative(key=item.get("id") or _free_key(existing, claimed))
            plan.initiatives.append(initiative)
        claimed.add(initiative.key)
        existing[initiative.key] = initiative
        initiative.position = position
        initiative.title = item["title"]
        initiative.description = item["description"]
        initiative.focus_areas = _ordered(areas, item["focus_areas"])
        kept.append(initiative)
    removed = [initiative.id for initiative in plan.initiatives if initiative not in kept and initiative.id]
    if removed:  # as ON DELETE SET NULL would, which SQLite does not enforce
        db.session.execute(update(OverlapFlag).where(OverlapFlag.initiative_id.in_(removed))
                           .values(initiative_id=None).execution_options(synchronize_session="fetch"))
    plan.initiatives[:] = sorted(kept, key=lambda initiative: initiative.position)


def _free_key(existing: dict[str, PlanInitiative], claimed: set[str]) -> str:
    taken = set(existing) | claimed
    return next(f"i{n}" for n in count(1) if f"i{n}" not in taken)


def import_plans(data: Any) -> Counter:
    """Validate a whole Plan file, then create or update each plan by id; nothing is written on error."""
    countries = set(db.session.scalars(select(Country.code)))
    areas = {fa.name: fa for fa in db.session.scalars(select(FocusArea))}
    cleaned = validate_plan_file(data, countries, find_city, set(areas))
    tally: Counter = Counter()
    changed: list[NationalPlan] = []
    for clean in cleaned:
        plan = db.session.scalar(select(NationalPlan).where(NationalPlan.external_id == clean["id"]))
        if plan is None:
            plan = NationalPlan(external_id=clean["id"])
            db.session.add(plan)
            _apply(plan, clean, areas)
            tally["created"] += 1
            changed.append(plan)
            continue
        before = plan_to_dict(plan)
        _apply(plan, clean, areas)
        if plan_to_dict(plan) != before:
            plan.updated_at = utcnow()  # also when only initiatives changed: the overlap index watches it
            tally["updated"] += 1
            changed.append(plan)
        else:
            tally["unchanged"] += 1
    db.session.flush()
    for plan in changed:
        events.plan_event(plan)
        rechecks.queue(plan)
    return tally


def save_plan(data: dict[str, Any], plan: NationalPlan | None = None) -> NationalPlan:
    """Create a plan, or update `plan`, from one Plan-file entry; the same rules as the file import."""
    countries = set(db.session.scalars(select(Country.code)))
    areas = {fa.name: fa for fa in db.session.scalars(select(FocusArea))}
    errors: dict[str, str] = {}
    clean = validate_plan(data, "plan", countries, find_city, set(areas), errors)
    if clean is not None:
        other = db.session.scalar(select(NationalPlan).where(NationalPlan.external_id == clean["id"]))
        if other is not None and other is not plan:
            errors["plan.id"] = f"a plan with id {clean['id']!r} already exists"
    if errors:
        raise ValidationError({name.removeprefix("plan."): message for name, message in errors.items()})
    if plan is None:
        plan = NationalPlan(external_id=clean["id"])
        db.session.add(plan)
    plan.external_id = clean["id"]
    _apply(plan, clean, areas)
    plan.updated_at = utcnow()
    db.session.flush()
    events.plan_event(plan)
    rechecks.queue(plan)
    return plan
