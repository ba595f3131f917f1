"""Public, read-only view of the national and city plans, grouped by country."""
from __future__ import annotations

from itertools import groupby

from flask import Blueprint, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from smartcities.extensions import db
from smartcities.geo.models import Country
from smartcities.plans.models import NationalPlan, PlanInitiative

bp = Blueprint("plans", __name__, url_prefix="/plans")


def plans_by_country() -> list[tuple[Country, list[NationalPlan]]]:
    """Every plan with its city, focus areas and initiatives (eager-loaded), grouped by country name."""
    plans = db.session.scalars(
        select(NationalPlan).join(Country, Country.code == NationalPlan.country_code)
        .options(selectinload(NationalPlan.country), selectinload(NationalPlan.city),
                 selectinload(NationalPlan.focus_areas),
                 selectinload(NationalPlan.initiatives).selectinload(PlanInitiative.focus_areas))
        .order_by(Country.name, NationalPlan.level.desc(), NationalPlan.start_year.desc(), NationalPlan.title)
    )
    return [(country, list(group)) for country, group in groupby(plans, key=lambda plan: plan.country)]


@bp.get("")
def index():
    """National and city plans by country, each with its initiatives."""
    return render_template("plans/list.html", groups=plans_by_country())
