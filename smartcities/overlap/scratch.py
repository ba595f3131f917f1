"""Runs a labelled case file against a plan file in a throwaway database, as `overlap evaluate` does."""
from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from smartcities.errors import ValidationError


def validate_cases(data: Any) -> list[dict]:
    """The Case file's cases, or ValidationError naming each bad case field."""
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise ValidationError("cases", 'the file must be an object {"cases": [...]}')
    errors: dict[str, str] = {}
    for n, case in enumerate(data["cases"]):
        where = f"cases[{n}]"
        if not isinstance(case, dict):
            errors[where] = "must be an object"
            continue
        if not isinstance(case.get("id"), str) or not case["id"]:
            errors[f"{where}.id"] = "is required"
        project = case.get("project")
        if not isinstance(project, dict) or not isinstance(project.get("title"), str):
            errors[f"{where}.project.title"] = "is required"
        elif not isinstance(project.get("city"), str):
            errors[f"{where}.project.city"] = "is required"
        expected = case.get("expected_plan_ids")
        if not isinstance(expected, list) or not all(isinstance(i, str) for i in expected):
            errors[f"{where}.expected_plan_ids"] = "must be a list of plan ids (empty: must not be flagged)"
    if errors:
        raise ValidationError(errors)
    return data["cases"]


def evaluate_files(plans_data: Any, cases_data: Any) -> dict[str, Any]:
    """Import the plans into a scratch SQLite database with the reference places, then score every case."""
    from flask_migrate import upgrade

    from smartcities import create_app
    from smartcities.extensions import db
    from smartcities.geo.services import find_city
    from smartcities.overlap.conversion import plan_doc
    from smartcities.overlap.engine import OverlapIndex
    from smartcities.overlap.engine.evaluation import evaluate
    from smartcities.overlap.index import configured_embedder
    from smartcities.plans.models import NationalPlan, PlanInitiative
    from smartcities.plans.services import import_plans
    from smartcities.reference import load_cities, load_countries, load_focus_areas

    cases = validate_cases(cases_data)
    workdir = Path(tempfile.mkdtemp(prefix="ascn-evaluate-"))
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'scratch.db'}", "TESTING": True})
        with app.app_context():
            upgrade()
            for loader in (load_countries, load_cities, load_focus_areas):
                loader(Counter())
            import_plans(plans_data)
            db.session.commit()
            plans = [plan_doc(p) for p in db.session.scalars(select(NationalPlan).options(
                selectinload(NationalPlan.initiatives).selectinload(PlanInitiative.focus_areas)))]
            unknown = {f"case {c['id']}: project.city": f"unknown city {c['project']['city']!r}"
                       for c in cases if find_city(c["project"]["city"]) is None}
            if unknown:
                raise ValidationError(unknown)

            def city_lookup(value: str) -> tuple[str, str]:
                city = find_city(value)
                return city.slug, city.country_code
            embedder = configured_embedder()
            report = evaluate(plans, cases, city_lookup, lambda: OverlapIndex(embedder=embedder))
            db.session.remove()
            db.engine.dispose()
        return report
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
