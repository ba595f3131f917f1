"""After a plan changes, the published projects it covers are checked again — by the worker, never in the request
that saved the plan (a national plan covers thousands of projects) — and each new flag is told to the city."""
from __future__ import annotations

from sqlalchemy import false, or_, select

from smartcities.extensions import db
from smartcities.geo.models import City
from smartcities.overlap.models import OverlapFlag, PlanRecheck
from smartcities.plans.models import NationalPlan
from smartcities.projects.models import Project

BATCH = 200   # projects loaded at a time


def queue(plan: NationalPlan) -> None:
    """Ask for the plan's published projects to be checked again, in the transaction that changed it (not when it
    covers none yet: a project published later is checked at its publication)."""
    if db.session.scalar(select(_covered_projects([plan]).exists())):
        db.session.add(PlanRecheck(plan_id=plan.id))


def _covered_projects(plans: list[NationalPlan]):
    scopes = [City.country_code == plan.country_code if plan.level == "national" else Project.city_id == plan.city_id
              for plan in plans]
    return (select(Project.id).join(City, City.id == Project.city_id)
            .where(Project.status == "published", or_(*scopes) if scopes else false()))


def covered(plans: list[NationalPlan]) -> list[int]:
    """Ids of the published projects in the plans' countries (national) or cities (city level)."""
    return list(db.session.scalars(_covered_projects(plans).order_by(Project.id)))


def recheck(plan_ids: set[int]) -> list[OverlapFlag]:
    """Check the covered projects again (their stored flags follow, as on a save); the new flags against these
    plans, which nobody has seen yet."""
    from smartcities.projects import revisions  # imported here: plan services import this module for queue()

    plans = list(db.session.scalars(select(NationalPlan).where(NationalPlan.id.in_(plan_ids))))
    ids, new = covered(plans), []
    for start in range(0, len(ids), BATCH):
        for project in db.session.scalars(select(Project).where(Project.id.in_(ids[start:start + BATCH]))):
            before = set(db.session.scalars(select(OverlapFlag.id).where(OverlapFlag.project_id == project.id)))
            revisions.refresh_flags(project)
            new += [flag for flag in db.session.scalars(select(OverlapFlag).where(OverlapFlag.project_id == project.id))
                    if flag.id not in before and flag.kind == "plan" and flag.plan_id in plan_ids]
    return new
