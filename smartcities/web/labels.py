"""Translated labels of the fixed vocabularies as Jinja filters (the project ones come from projects.labels)."""
from __future__ import annotations

from flask import Flask
from flask_babel import format_decimal, get_locale, lazy_gettext as _l

# The project vocabularies' labels live with the vocabulary; the filters below expose them to templates.
from smartcities.projects.labels import FOCUS_AREA_LABELS, ROLE_LABELS, STAGE_LABELS

__all__ = ["FOCUS_AREA_LABELS", "KIND_LABELS", "LEVEL_LABELS", "ROLE_LABELS", "STAGE_LABELS", "country_name",
           "register_labels", "whole_number"]

KIND_LABELS = {
    "government": _l("Government"),
    "multilateral": _l("Multilateral"),
    "private": _l("Private company"),
    "foundation": _l("Foundation"),
    "academic": _l("Academic"),
    "civil_society": _l("Civil society"),
    "local_government": _l("City / local government"),
    "other": _l("Other (not yet classified)"),
}

LEVEL_LABELS = {"national": _l("National plan"), "city": _l("City plan")}

# Languages of the local city names, so screen readers pronounce them (mixed-script names get none).
COUNTRY_LANGUAGES = {"TH": "th", "KH": "km", "LA": "lo", "MM": "my", "VN": "vi", "ID": "id", "MY": "ms"}


def _lookup(table: dict):
    def label(value: str | None) -> str:
        return str(table.get(value, value or ""))
    return label


def country_name(code: str, name: str) -> str:
    """A member state's name in the page's language: our reference name in English, CLDR's otherwise."""
    locale = get_locale()
    if locale is None or locale.language == "en":
        return name
    return locale.territories.get(code, name)


def whole_number(value) -> str:
    """A count or an amount without decimals, grouped the locale's way (12,500)."""
    return format_decimal(value, format="#,##0")


def register_labels(app: Flask) -> None:
    """Expose the label tables to Jinja as filters: {{ project.stage|stage_label }}."""
    app.jinja_env.filters.update(
        stage_label=_lookup(STAGE_LABELS), role_label=_lookup(ROLE_LABELS),
        focus_label=_lookup(FOCUS_AREA_LABELS), kind_label=_lookup(KIND_LABELS),
        level_label=_lookup(LEVEL_LABELS), local_lang=lambda code: COUNTRY_LANGUAGES.get(code), whole=whole_number,
        country_name=lambda country: country_name(country.code, country.name),
    )
