"""Public city pages: the directory of ASCN cities by country and each city's profile."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from smartcities.geo import queries
from smartcities.projects import places

bp = Blueprint("cities", __name__, url_prefix="/cities")


@bp.get("")
def index():
    """Every city by country, with its local-script name, membership year and project count."""
    return render_template("cities/list.html", countries=queries.countries_with_cities(),
                           counts=places.project_counts())


@bp.get("/<slug>")
def detail(slug: str):
    """A city's profile: map, a page of its published projects, the plans that cover it, the partners there."""
    city = queries.city_by_slug(slug)
    if city is None:
        abort(404)
    total = places.published_count(city)
    number = places.page_number(request.args.get("page"), total)
    if number is None:
        abort(404)
    return render_template("cities/detail.html", city=city,
                           projects=places.page_of(places.published_projects(city), number, total),
                           plans=queries.plans_covering(city), partners=places.partners_in(city))
