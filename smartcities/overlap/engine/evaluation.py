"""Precision, recall and F1 of the overlap check on labelled cases (the design's Case file), per category."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

from smartcities.overlap.engine import Draft, InitiativeDoc, OverlapIndex, PlanDoc

CityLookup = Callable[[str], tuple[str, str]]


def plan_docs_from_plan_file(data: dict, city_lookup: CityLookup) -> list[PlanDoc]:
    """PlanDocs from a Plan file (no database); initiatives are numbered 1, 2, … across the file."""
    plans, next_id = [], 1
    for item in data["plans"]:
        initiatives = []
        for initiative in item.get("initiatives") or ():
            initiatives.append(InitiativeDoc(id=next_id, title=initiative["title"],
                                             description=initiative.get("description") or "",
                                             focus_areas=frozenset(initiative.get("focus_areas") or ())))
            next_id += 1
        period = item.get("period") or {}
        plans.append(PlanDoc(
            plan_id=item["id"], title=item["title"], country=item["country"].upper(), level=item["level"],
            city=city_lookup(item["city"])[0] if item["level"] == "city" else None,
            start_year=int(period["start"]), end_year=period.get("end"),
            focus_areas=frozenset(item.get("focus_areas") or ()), summary=item.get("summary") or "",
            initiatives=tuple(initiatives)))
    return plans


def draft_from_case(project: dict, city_lookup: CityLookup) -> Draft:
    """The Draft a case's `project` (an overlap-check request body) describes."""
    slug, country = city_lookup(project["city"])
    location = project.get("location") or {}

    def day(name: str) -> date | None:
        return date.fromisoformat(project[name]) if project.get(name) else None

    return Draft(title=project["title"],
                 text=" ".join(filter(None, (project.get("summary"), project.get("description")))),
                 city=slug, country=country, focus_areas=frozenset(project.get("focus_areas") or ()),
                 start=day("start_date"), end=day("end_date"), lat=location.get("lat"), lon=location.get("lon"),
                 partners=frozenset(project.get("partners") or ()))


def _metrics(tp: int, fp: int, fn: int, cases: int) -> dict:
    # With nothing flagged precision is perfect; with nothing expected recall is: a clean negative scores 1.
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn, "cases": cases}


def evaluate(plans: list[PlanDoc], cases: list[dict], city_lookup: CityLookup,
             index_factory: Callable[[], OverlapIndex] = OverlapIndex) -> dict:
    """Check every case against an index of the plans; count plan ids flagged against those expected."""
    index = index_factory()
    for plan in plans:
        index.upsert_plan(plan)
    totals: dict[str, list[int]] = {}
    misses = []
    for case in cases:
        result = index.check(draft_from_case(case["project"], city_lookup))
        got = {flag.plan_id for flag in result.flags if flag.kind == "plan"}
        expected = set(case["expected_plan_ids"])
        counts = totals.setdefault(case.get("category", "uncategorised"), [0, 0, 0, 0])
        for n, value in enumerate((len(got & expected), len(got - expected), len(expected - got), 1)):
            counts[n] += value
        if got != expected:
            misses.append({"id": case["id"], "category": case.get("category"),
                           "expected": sorted(expected), "got": sorted(got)})
    overall = [sum(column) for column in zip(*totals.values())] if totals else [0, 0, 0, 0]
    return {"overall": _metrics(*overall),
            "categories": {name: _metrics(*counts) for name, counts in sorted(totals.items())},
            "misses": misses}
