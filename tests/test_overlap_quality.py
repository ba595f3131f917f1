"""The overlap check's quality on the three labelled case sets, and the arithmetic behind the figures.

The sets run exactly as `flask --app app overlap evaluate PLANS.json CASES.json` runs them: the command's
body, `evaluate_files`, imports the plans into a scratch SQLite database of its own (never the test
database) and checks every case through the real engine. Each figure has a floor just under what was
measured on 2026-12-02, so a regression fails while an improvement passes; when the figures improve, raise
the floors to just under the new figures (and update README.md and bench/RESULTS.md).

The metric arithmetic is tested apart, with a stub index giving known flags, so that it stays exact
whatever the engine's recall becomes.
"""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from smartcities.overlap.engine import CheckResult, Flag
from smartcities.overlap.engine.evaluation import evaluate
from smartcities.overlap.scratch import evaluate_files

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
REAL_PLANS = ROOT / "smartcities" / "data" / "plans.json"   # the plans `flask seed` loads

# Set name -> (PLANS.json, CASES.json), as passed to `overlap evaluate`.
SETS = {
    "own": (DATA / "overlap_plans.json", DATA / "overlap_cases.json"),
    "holdout": (REAL_PLANS, DATA / "holdout_cases.json"),
    "holdout2": (REAL_PLANS, DATA / "holdout2_cases.json"),
}

# Floors, measured 2026-12-02 with `flask --app app overlap evaluate PLANS.json CASES.json`.
# "overall": (precision, recall, F1) floors about 0.02 under the measured figures.
# Positive categories: (precision, recall, F1) floors just under the measured figures, so that one more miss
# or one wrong plan in the category fails. Negative categories expect no plan, so their recall is 1 by
# definition and their precision is 1 or 0: their floor is the most false positives allowed (measured count).
FLOORS = {
    "own": {   # tests/data/overlap_cases.json against tests/data/overlap_plans.json
        "cases": 109,
        "overall": (0.98, 0.98, 0.98),                             # measured 1.000 1.000 1.000 (tp 66)
        "categories": {
            "positive-paraphrase": (0.99, 0.99, 0.99),             # 19 cases: 1.000 1.000 1.000 (tp 22)
            "positive-heavy-paraphrase": (0.99, 0.99, 0.99),       # 12 cases: 1.000 1.000 1.000 (tp 12)
            "positive-thai": (0.99, 0.99, 0.99),                   # 10 cases: 1.000 1.000 1.000 (tp 10)
            "positive-vietnamese": (0.99, 0.99, 0.99),             # 11 cases: 1.000 1.000 1.000 (tp 11)
            "positive-bahasa": (0.99, 0.99, 0.99),                 # 11 cases: 1.000 1.000 1.000 (tp 11)
            "negative-same-city-different-initiative": 0,          # 14 cases: 0 false positives
            "negative-other-country": 0,                           # 10 cases: 0 false positives
            "negative-plan-ended": 0,                              # 12 cases: 0 false positives
            "negative-unrelated": 0,                               # 10 cases: 0 false positives
        },
    },
    "holdout": {   # tests/data/holdout_cases.json against the seeded plans (first held-out set)
        "cases": 25,
        "overall": (0.98, 0.92, 0.95),                             # measured 1.000 0.941 0.970 (tp 16 fn 1)
        "categories": {
            "positive-paraphrase": (0.99, 0.87, 0.93),             # 6 cases: 1.000 0.875 0.933 (tp 7 fn 1: H01)
            "positive-heavy-paraphrase": (0.99, 0.99, 0.99),       # 2 cases: 1.000 1.000 1.000 (tp 2)
            "positive-thai": (0.99, 0.99, 0.99),                   # 2 cases: 1.000 1.000 1.000 (tp 2)
            "positive-vietnamese": (0.99, 0.99, 0.99),             # 2 cases: 1.000 1.000 1.000 (tp 2)
            "positive-bahasa": (0.99, 0.99, 0.99),                 # 3 cases: 1.000 1.000 1.000 (tp 3)
            "negative-same-city-different-initiative": 0,          # 3 cases: 0 false positives
            "negative-other-country": 0,                           # 2 cases: 0 false positives
            "negative-plan-ended": 0,                              # 2 cases: 0 false positives
            "negative-unrelated": 0,                               # 3 cases: 0 false positives
        },
    },
    "holdout2": {   # tests/data/holdout2_cases.json against the seeded plans (written blind to the lexicon)
        "cases": 28,
        "overall": (0.92, 0.81, 0.86),                             # measured 0.938 0.833 0.882 (tp 15 fp 1 fn 3)
        "categories": {
            "positive-paraphrase": (0.99, 0.87, 0.93),             # 8 cases: 1.000 0.875 0.933 (tp 7 fn 1: G01)
            "positive-heavy-paraphrase": (0.99, 0.99, 0.99),       # 2 cases: 1.000 1.000 1.000 (tp 2)
            "positive-thai": (0.99, 0.99, 0.99),                   # 2 cases: 1.000 1.000 1.000 (tp 2)
            "positive-vietnamese": (0.99, 0.66, 0.79),             # 2 cases: 1.000 0.667 0.800 (tp 2 fn 1: G08)
            "positive-bahasa": (0.99, 0.66, 0.79),                 # 3 cases: 1.000 0.667 0.800 (tp 2 fn 1: G10)
            "negative-same-city-different-initiative": 0,          # 3 cases: 0 false positives
            "negative-other-country": 0,                           # 2 cases: 0 false positives
            "negative-plan-ended": 1,                              # 3 cases: 1 false positive (M08, id-spbe-2018)
            "negative-unrelated": 0,                               # 3 cases: 0 false positives
        },
    },
}


@cache
def report(name: str) -> dict:
    """The `overlap evaluate` report of one set, computed once per test run (about 1.5 s)."""
    plans_file, cases_file = SETS[name]
    return evaluate_files(json.loads(plans_file.read_text(encoding="utf-8")),
                          json.loads(cases_file.read_text(encoding="utf-8")))


def misses(name: str, category: str | None = None) -> list[dict]:
    return [m for m in report(name)["misses"] if category is None or m["category"] == category]


def figures(metrics: dict) -> tuple[float, float, float]:
    return metrics["precision"], metrics["recall"], metrics["f1"]


# The three sets through the real engine


@pytest.mark.parametrize("name", sorted(SETS))
def test_a_set_is_well_formed(name):
    # An expected plan id the plan file lacks would only ever count as a miss; a category prefix says the truth.
    plans_file, cases_file = SETS[name]
    plan_ids = {plan["id"] for plan in json.loads(plans_file.read_text(encoding="utf-8"))["plans"]}
    cases = json.loads(cases_file.read_text(encoding="utf-8"))["cases"]
    assert len({c["id"] for c in cases}) == len(cases)
    for c in cases:
        assert set(c["expected_plan_ids"]) <= plan_ids, c["id"]
        assert c["category"].split("-")[0] in ("positive", "negative"), c["id"]
        assert bool(c["expected_plan_ids"]) == c["category"].startswith("positive"), c["id"]


@pytest.mark.parametrize("name", sorted(SETS))
def test_a_set_has_the_cases_and_categories_its_floors_were_measured_on(name):
    result = report(name)
    assert result["overall"]["cases"] == FLOORS[name]["cases"], "the case file changed: re-measure the floors"
    assert sorted(result["categories"]) == sorted(FLOORS[name]["categories"])


@pytest.mark.parametrize("name", sorted(SETS))
def test_overall_precision_recall_and_f1_stay_above_their_floors(name):
    measured = figures(report(name)["overall"])
    floors = FLOORS[name]["overall"]
    assert all(value >= floor for value, floor in zip(measured, floors)), (measured, floors, misses(name))


@pytest.mark.parametrize("name, category", [(name, category) for name in sorted(SETS)
                                            for category in sorted(FLOORS[name]["categories"])])
def test_each_category_stays_above_its_floor(name, category):
    metrics = report(name)["categories"][category]
    floor = FLOORS[name]["categories"][category]
    if category.startswith("negative"):
        assert metrics["tp"] == metrics["fn"] == 0, metrics   # a negative case expects no plan
        assert metrics["fp"] <= floor, misses(name, category)
    else:
        measured = figures(metrics)
        assert all(value >= low for value, low in zip(measured, floor)), (measured, floor, misses(name, category))


# The metric arithmetic, with known flags


class StubIndex:
    """Stands in for OverlapIndex: records the plans it is given and answers each draft with set flags."""

    def __init__(self, flags_by_title: dict[str, list[tuple[str, str | None]]]) -> None:
        self.flags_by_title = flags_by_title
        self.plans: list[str] = []
        self.titles: list[str] = []

    def upsert_plan(self, plan) -> None:
        self.plans.append(plan.plan_id)

    def check(self, draft) -> CheckResult:
        self.titles.append(draft.title)
        flags = [Flag(kind=kind, score=0.9, severity="high", reasons=[], plan_id=plan_id,
                      project_id=None if kind == "plan" else 7)
                 for kind, plan_id in self.flags_by_title.get(draft.title, [])]
        return CheckResult(flags, {"plans": 0, "initiatives": 0, "projects": 0})


class StubPlan:
    def __init__(self, plan_id: str) -> None:
        self.plan_id = plan_id


def case(case_id: str, category: str | None, expected: list[str]) -> dict:
    item = {"id": case_id, "project": {"title": case_id, "city": "Bangkok"}, "expected_plan_ids": expected}
    if category is not None:
        item["category"] = category
    return item


STUB_CASES = [
    case("A1", "alpha", ["p1", "p2"]),   # p1 (twice: two of its initiatives), p3 wrong, a project: tp 1 fp 1 fn 1
    case("A2", "alpha", ["p1"]),         # p1: tp 1
    case("A3", "alpha", ["p2"]),         # nothing: fn 1
    case("B1", "beta", []),              # p2 on a negative: fp 1
    case("B2", "beta", []),              # nothing on a negative: no count
    case("C1", "gamma", []),             # a clean negative
    case("D1", "delta", ["p1"]),         # p2 instead of p1: fp 1 fn 1
    case("U1", None, ["p1"]),            # no category: p1, tp 1
]
STUB_FLAGS = {
    "A1": [("plan", "p1"), ("plan", "p1"), ("plan", "p3"), ("project", None)],
    "A2": [("plan", "p1")],
    "B1": [("plan", "p2")],
    "B2": [("project", None)],           # a project flag is no plan flagged
    "D1": [("plan", "p2")],
    "U1": [("plan", "p1")],
}


@pytest.fixture
def stub_report():
    index = StubIndex(STUB_FLAGS)
    result = evaluate([StubPlan("p1"), StubPlan("p2"), StubPlan("p3")], STUB_CASES,
                      lambda name: {"Bangkok": ("bangkok", "TH")}[name], index_factory=lambda: index)
    return index, result


def test_every_plan_is_indexed_and_every_case_checked(stub_report):
    index, _ = stub_report
    assert index.plans == ["p1", "p2", "p3"]
    assert index.titles == [c["id"] for c in STUB_CASES]


def test_precision_recall_and_f1_count_plan_ids_per_category(stub_report):
    _, result = stub_report
    categories = result["categories"]
    assert list(categories) == ["alpha", "beta", "delta", "gamma", "uncategorised"]   # sorted by name
    # alpha: tp 2, fp 1, fn 2 -> precision 2/3, recall 1/2, F1 2PR/(P+R) = 4/7
    assert categories["alpha"] == {"precision": pytest.approx(2 / 3, abs=1e-12), "recall": 0.5,
                                   "f1": pytest.approx(4 / 7, abs=1e-12), "tp": 2, "fp": 1, "fn": 2, "cases": 3}
    # beta: a false positive on a negative; nothing expected, so recall is 1, precision 0, F1 0
    assert categories["beta"] == {"precision": 0.0, "recall": 1.0, "f1": 0.0, "tp": 0, "fp": 1, "fn": 0,
                                  "cases": 2}
    # delta: the wrong plan: precision and recall 0, F1 0 (not a division by zero)
    assert categories["delta"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0, "fp": 1, "fn": 1,
                                   "cases": 1}
    # gamma: nothing flagged and nothing expected scores 1
    assert categories["gamma"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "tp": 0, "fp": 0, "fn": 0,
                                   "cases": 1}
    assert categories["uncategorised"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "tp": 1, "fp": 0,
                                           "fn": 0, "cases": 1}


def test_overall_sums_the_counts_of_every_category(stub_report):
    _, result = stub_report
    # tp 2+0+0+0+1, fp 1+1+1+0+0, fn 2+0+1+0+0: precision 3/6, recall 3/6, F1 1/2 (not a mean of categories)
    assert result["overall"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "tp": 3, "fp": 3, "fn": 3,
                                 "cases": 8}


def test_misses_list_every_case_whose_plans_differ(stub_report):
    _, result = stub_report
    assert result["misses"] == [
        {"id": "A1", "category": "alpha", "expected": ["p1", "p2"], "got": ["p1", "p3"]},
        {"id": "A3", "category": "alpha", "expected": ["p2"], "got": []},
        {"id": "B1", "category": "beta", "expected": [], "got": ["p2"]},
        {"id": "D1", "category": "delta", "expected": ["p1"], "got": ["p2"]},
    ]


def test_no_cases_give_an_empty_report():
    result = evaluate([], [], lambda name: ("bangkok", "TH"), index_factory=lambda: StubIndex({}))
    assert result == {"overall": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "tp": 0, "fp": 0, "fn": 0,
                                  "cases": 0},
                      "categories": {}, "misses": []}
