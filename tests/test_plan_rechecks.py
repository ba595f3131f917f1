"""A plan changes → the worker checks the published projects it covers again and tells each new flag to the city's
officials and the country's focal points (overlap.flagged), once; drafts and other places are left alone."""
from __future__ import annotations

from sqlalchemy import func, select

from smartcities.extensions import db
from smartcities.notifications import worker
from smartcities.notifications.models import Event, Notification
from smartcities.overlap.models import OverlapFlag, PlanRecheck
from smartcities.plans.services import save_plan

CANALS = {"title": "Flood early-warning sensors on Bangkok's canals",
          "summary": "Water-level sensors on every canal send flood warnings to residents' phones.",
          "focus_areas": ("Quality Environment",)}
PLAN = {"id": "th-bkk-flood-2026", "country": "TH", "level": "city", "city": "Bangkok",
        "title": "Bangkok flood resilience plan", "period": {"start": 2025, "end": 2030},
        "focus_areas": ["Quality Environment"], "summary": "How the city keeps its canals from flooding.",
        "source": "test", "initiatives": [{
            "title": "Flood early-warning sensors on the canals",
            "description": "Install water-level sensors along the city's canals that send flood warnings to "
                           "residents' phones.", "focus_areas": ["Quality Environment"]}]}


def _flags(project) -> list[OverlapFlag]:
    return list(db.session.scalars(select(OverlapFlag).where(OverlapFlag.project_id == project.id,
                                                             OverlapFlag.kind == "plan")))


def test_a_changed_plan_flags_the_published_projects_it_covers_and_tells_them(app, people, make_project):
    published = make_project(status="published", **CANALS)
    draft = make_project(status="draft", **CANALS)
    elsewhere = make_project(status="published", city="hanoi", **CANALS)
    plan = save_plan(PLAN)
    db.session.commit()
    assert db.session.scalar(select(func.count(PlanRecheck.id)).where(PlanRecheck.done_at.is_(None))) >= 1
    assert _flags(published) == []                    # nothing in the request that saved the plan

    assert worker.recheck_plans() >= 1
    flags = _flags(published)
    assert [flag.plan_id for flag in flags] == [plan.id]
    assert _flags(draft) == [] and _flags(elsewhere) == []
    told = db.session.scalars(select(Event).where(Event.kind == "overlap.flagged")).all()
    assert [event.project_id for event in told] == [published.id]
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.event_id == told[0].id)) >= 2

    assert worker.recheck_plans() == 0                # done: claimed once, never again
    save_plan(PLAN, plan)                             # saved again unchanged: the flag is not new
    db.session.commit()
    worker.recheck_plans()
    assert db.session.scalar(select(func.count(Event.id)).where(Event.kind == "overlap.flagged")) == 1
