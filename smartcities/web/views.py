"""Home map, statistics and the health endpoints."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_babel import get_locale, gettext
from sqlalchemy import text

from smartcities.api.http import data_version
from smartcities.extensions import db
from smartcities.geo import queries as geo_queries
from smartcities.projects.models import STAGES
from smartcities.text import slugify
from smartcities.web import queries, stats
from smartcities.web.charts import bar_chart
from smartcities.web.labels import FOCUS_AREA_LABELS, ROLE_LABELS, country_name, register_labels, whole_number

bp = Blueprint("web", __name__)
# The label filters ({{ stage|stage_label }} …) serve every blueprint's templates, so they go on the app.
bp.record_once(lambda state: register_labels(state.app))

# The home map's city layer (33 cities, one small FeatureCollection); projects come from /api/v1/map/… per view.
MAP_DATA = {"cities": "/api/v1/cities.geojson", "clusters": "/api/v1/map/clusters", "list": "/api/v1/map/projects"}


def _map_strings() -> dict:
    """Interface text used by static/js/map.js, in the page's language ({name} marks a value)."""
    return {
        "count": gettext("Showing {shown} of {total} projects"),
        "noResults": gettext("No project matches these filters."),
        "loadFailed": gettext("The project data could not be loaded. Please try again later."),
        "citiesFailed": gettext("The cities could not be loaded."),
        "showOnMap": gettext("Show on map"),
        "openProject": gettext("Open the project page"),
        "focusAreas": gettext("Focus areas"),
        "stage": gettext("Stage"),
        "partners": gettext("Partners"),
        "seeking": gettext("Seeking funding"),
        "memberSince": gettext("ASCN member since {year}"),
        "notMember": gettext("Not an ASCN member city"),
        "cityProjects": gettext("Published projects: {count}"),
        "cityProfile": gettext("City profile"),
        "cluster": gettext("{count} projects: zoom in"),
        "roles": {role: str(label) for role, label in ROLE_LABELS.items()},
    }


@bp.get("/")
def home():
    """The full-screen map; clusters and the list come from the map's API, filtered on the server."""
    return render_template(
        "web/home.html", countries=geo_queries.countries_with_cities(), focus_areas=queries.focus_areas(),
        stages=STAGES, partners=queries.funding_partners(), js_strings=_map_strings(), data_urls=MAP_DATA,
    )


def _money_charts(amounts: list[stats.Amount], label=str) -> dict:
    """One chart per currency: bars of different currencies never share a scale."""
    return {currency: bar_chart([(label(a.label), a.amount) for a in rows], display=whole_number)
            for currency, rows in stats.by_currency(amounts).items()}


def _per_country(rows: list[tuple[str, str, int]]):
    """A chart of (code, name, count) rows, countries named in the page's language."""
    return bar_chart([(country_name(code, name), count) for code, name, count in rows], display=whole_number)


def _focus_chart():
    """Projects per focus area, bars in the focus areas' map colours, labels translated."""
    rows = [(str(FOCUS_AREA_LABELS.get(name, name)), count, "fa-" + slugify(name))
            for name, count in stats.projects_per_focus_area()]
    css = {label: klass for label, _, klass in rows}
    return bar_chart([(label, count) for label, count, _ in rows], display=whole_number, css=css.get)


# The figures of /stats per (public data version, language): computed once after each public change.
_STATS_CACHE: dict[tuple[str, str], dict] = {}


def _stats_figures() -> dict:
    key = (data_version().tag, str(get_locale()))
    figures = _STATS_CACHE.get(key)
    if figures is None:
        _STATS_CACHE.clear()  # only the current version is ever asked for again
        figures = _STATS_CACHE[key] = _compute_stats()
    return figures


def _compute_stats() -> dict:
    names = stats.country_names()
    return dict(
        figures=stats.headline_figures(),
        per_country=_per_country(stats.projects_per_country()),
        per_focus=_focus_chart(),
        per_partner=_money_charts(stats.committed_per_partner()),
        per_country_funding=_money_charts(stats.committed_per_country(),
                                          label=lambda code: country_name(code, names.get(code, code))),
        seeking=_per_country(stats.seeking_per_country()),
        sought=stats.funding_sought(),
    )


@bp.get("/stats")
def stats_page():
    """Charts of the registry drawn from live data, as accessible SVG with data tables."""
    return render_template("web/stats.html", **_stats_figures())


@bp.get("/healthz")
def healthz():
    """The process is up (no dependencies checked)."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """The database answers; load balancers send traffic only when it does."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any driver error means "not ready", never a stack trace
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
