"""The plain documents the engine indexes and answers with: drafts, plans, projects, flags.

The portal turns its rows into these (smartcities/overlap/conversion.py); nothing here knows a database.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Reach:
    """Whose unpublished projects a check may compare against: the asker's visibility, as plain values.

    Published projects are compared for everyone; an empty Reach (anonymous callers, partners) sees no more.
    """

    everything: bool = False
    city: str | None = None             # city slug: a city official's own city
    country: str | None = None          # ISO2: a focal point's country

    def sees(self, project: ProjectDoc) -> bool:
        return (project.public or self.everything or project.city == self.city
                or project.country == self.country)


@dataclass(frozen=True)
class Draft:
    title: str
    text: str = ""                      # summary + description
    city: str = ""                      # city slug
    country: str = ""                   # ISO2
    focus_areas: frozenset[str] = frozenset()
    start: date | None = None
    end: date | None = None
    lat: float | None = None
    lon: float | None = None
    partners: frozenset[str] = frozenset()   # organisation names
    sites: tuple[tuple[float, float], ...] = ()   # every site (lat, lon); empty: the point lat/lon alone
    project_id: int | None = None       # the draft's own id, never flagged against itself
    reach: Reach = Reach()              # which unpublished projects the asker may be told about


@dataclass(frozen=True)
class InitiativeDoc:
    id: int | None
    title: str
    description: str = ""
    focus_areas: frozenset[str] = frozenset()   # empty -> the plan's focus areas apply


@dataclass(frozen=True)
class PlanDoc:
    plan_id: str
    title: str
    country: str
    level: str                          # "national" | "city"
    city: str | None                    # city slug when level == "city"
    start_year: int
    end_year: int | None
    focus_areas: frozenset[str]
    summary: str
    initiatives: tuple[InitiativeDoc, ...]


@dataclass(frozen=True)
class ProjectDoc:
    id: int
    title: str
    text: str
    city: str
    country: str
    focus_areas: frozenset[str]
    start: date | None
    end: date | None
    lat: float | None
    lon: float | None
    partners: frozenset[str]
    public: bool = True                 # published; otherwise under review, compared only within its Reach
    sites: tuple[tuple[float, float], ...] = ()   # every site (lat, lon); empty: the point lat/lon alone


@dataclass
class Flag:
    kind: str
    score: float
    severity: str
    reasons: list[str]
    plan_id: str | None = None
    plan_title: str | None = None
    initiative: str | None = None
    initiative_id: int | None = None
    project_id: int | None = None
    project_title: str | None = None

    def as_dict(self) -> dict:
        """The flag in the overlap-check answer (score rounded to 2 decimals)."""
        return {"kind": self.kind, "plan_id": self.plan_id, "plan_title": self.plan_title,
                "initiative": self.initiative, "project_id": self.project_id,
                "project_title": self.project_title, "score": round(self.score, 2),
                "severity": self.severity, "reasons": list(self.reasons)}


@dataclass
class CheckResult:
    flags: list[Flag]
    checked: dict = field(default_factory=dict)   # {"plans": n, "initiatives": n, "projects": n}
    related: list[Flag] = field(default_factory=list)   # same field, likely another initiative: no flag
