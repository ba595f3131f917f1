"""Translated labels of the project vocabularies (stages, IATI roles, focus areas), kept with the vocabulary."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

STAGE_LABELS = {
    "concept": _l("Concept"),
    "planning": _l("Planning"),
    "implementation": _l("Implementation"),
    "completed": _l("Completed"),
}

ROLE_LABELS = {
    "funding": _l("Funding"),
    "accountable": _l("Accountable"),
    "extending": _l("Extending"),
    "implementing": _l("Implementing"),
}

# Keyed by the focus areas' reference names (smartcities/data/focus_areas.csv), which the API also uses.
FOCUS_AREA_LABELS = {
    "Civic and Social": _l("Civic and Social"),
    "Health and Well-being": _l("Health and Well-being"),
    "Safety and Security": _l("Safety and Security"),
    "Quality Environment": _l("Quality Environment"),
    "Built Infrastructure": _l("Built Infrastructure"),
    "Industry and Innovation": _l("Industry and Innovation"),
}
