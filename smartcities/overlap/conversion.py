"""Converts registry rows into the overlap engine's plain documents (the engine never sees SQLAlchemy)."""
from __future__ import annotations

from smartcities.overlap.engine import Draft, InitiativeDoc, PlanDoc, ProjectDoc, Reach
from smartcities.plans.models import NationalPlan
from smartcities.projects.models import Project
from smartcities.projects.sites import site_points


def plan_doc(plan: NationalPlan) -> PlanDoc:
    return PlanDoc(
        plan_id=plan.external_id,
        title=plan.title,
        country=plan.country_code,
        level=plan.level,
        city=plan.city.slug if plan.city else None,
        start_year=plan.start_year,
        end_year=plan.end_year,
        focus_areas=frozenset(fa.name for fa in plan.focus_areas),
        summary=plan.summary or "",
        initiatives=tuple(
            InitiativeDoc(id=i.id, title=i.title, description=i.description or "",
                          focus_areas=frozenset(fa.name for fa in i.focus_areas))
            for i in plan.initiatives
        ),
    )


def project_doc(project: Project) -> ProjectDoc:
    return ProjectDoc(
        id=project.id,
        title=project.title,
        text=" ".join(filter(None, (project.summary, project.description))),
        city=project.city.slug,
        country=project.city.country_code,
        focus_areas=frozenset(fa.name for fa in project.focus_areas),
        start=project.start_date,
        end=project.end_date,
        lat=project.latitude,
        lon=project.longitude,
        partners=frozenset(p.organisation.name for p in project.participations),
        public=project.status == "published",
        sites=tuple(site_points(project)),
    )


def insiders_reach(project: Project) -> Reach:
    """What the project's insiders see between them: its city's work and its country's work under review.

    Flags stored on a project are shown to each insider only where they may see the other project too.
    """
    return Reach(city=project.city.slug, country=project.city.country_code)


def project_draft(project: Project) -> Draft:
    """A saved project as a draft to check against everything its insiders may see, except itself."""
    doc = project_doc(project)
    return Draft(title=doc.title, text=doc.text, city=doc.city, country=doc.country,
                 focus_areas=doc.focus_areas, start=doc.start, end=doc.end, lat=doc.lat, lon=doc.lon,
                 sites=doc.sites, partners=doc.partners, project_id=project.id, reach=insiders_reach(project))
