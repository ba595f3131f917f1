"""Public city pages: the directory of ASCN cities by country and each city's profile."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from smartcities.geo import queries

bp = Blueprint("cities", __name__, url_prefix="/cities")


@bp.get("")
def index():
    """Every city by country, with its local-script name, membership year and project count."""
    return render_template("cities/list.html", countries=queries.countries_with_cities(),
                           counts=queries.project_counts())


@bp.get("/<slug>")
def detail(slug: str):
    """A city's profile: map, published projects, the plans that cover it, the partners active there."""
    city = queries.city_by_slug(slug)
    if city is None:
        abort(404)
    return render_template("cities/detail.html", city=city, projects=queries.published_projects(city),
                           plans=queries.plans_covering(city), partners=queries.partners_in(city))
