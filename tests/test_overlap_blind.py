"""The blind set (tests/data/blind): 376 cases written by authors who saw only the seeded plans and the Case file
format, split once by a hash of each id (split.py) into a development part (tuned on) and a frozen test part
(never tuned on). Run as `flask --app app overlap evaluate` runs them, with the sentence model on, as production
runs by default. The floors are the figures measured on 2026-12-04 (README, bench/RESULTS.md) less a little
for arithmetic noise: they guard against regressions; the issue's targets are higher and not yet met."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from smartcities.overlap.scratch import evaluate_files

BLIND = Path(__file__).parent / "data" / "blind"
PLANS = Path(__file__).parent.parent / "smartcities" / "data" / "plans.json"
CATEGORIES = {"positive-paraphrase", "positive-heavy-paraphrase", "positive-cross-language", "positive-multi-plan",
              "negative-near-miss", "negative-same-city-different-initiative", "negative-other-country",
              "negative-plan-ended", "negative-unrelated"}
LANGUAGES = {"en", "th", "vi", "id", "ms", "fil", "km", "lo", "my"}

# part -> (overall F1, precision, recall) measured, and per category the most false flags / fewest found plans.
FLOORS = {
    "test": {"f1": 0.85, "precision": 0.94, "recall": 0.78,
             "false_flags": {"negative-near-miss": 2, "negative-plan-ended": 1, "negative-other-country": 0,
                             "negative-same-city-different-initiative": 1, "negative-unrelated": 0},
             "found": {"positive-paraphrase": 21, "positive-cross-language": 34, "positive-heavy-paraphrase": 9,
                       "positive-multi-plan": 34}},
    "dev": {"f1": 0.82, "precision": 0.90, "recall": 0.75,
            "false_flags": {"negative-near-miss": 3, "negative-plan-ended": 1, "negative-other-country": 0,
                            "negative-same-city-different-initiative": 0, "negative-unrelated": 0},
            "found": {"positive-paraphrase": 16, "positive-cross-language": 28, "positive-heavy-paraphrase": 6,
                      "positive-multi-plan": 17}},
}


def _cases(part: str) -> dict:
    return json.loads((BLIND / f"{part}_cases.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def reports():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OVERLAP_EMBEDDER", "e5")
        plans = json.loads(PLANS.read_text(encoding="utf-8"))
        return {part: evaluate_files(plans, _cases(part)) for part in FLOORS}


def test_the_parts_are_the_split_of_the_written_cases_and_nothing_else():
    spec = importlib.util.spec_from_file_location("blind_split", BLIND / "split.py")
    split = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(split)
    is_test = split.is_test
    written = [case for part in sorted(BLIND.glob("part_*.json"))
               for case in json.loads(part.read_text(encoding="utf-8"))["cases"]]
    dev, test = _cases("dev")["cases"], _cases("test")["cases"]
    assert len(written) >= 300 and len(dev) + len(test) == len(written)
    assert all(is_test(case["id"]) for case in test) and not any(is_test(case["id"]) for case in dev)
    assert {case["category"] for case in written} == CATEGORIES
    assert {case["language"] for case in written} == LANGUAGES
    assert sorted(case["id"] for case in dev + test) == sorted(case["id"] for case in written)


@pytest.mark.parametrize("part", sorted(FLOORS))
def test_overall_figures_stay_above_their_floors(reports, part):
    overall, floor = reports[part]["overall"], FLOORS[part]
    assert overall["cases"] == len(_cases(part)["cases"])
    for name in ("f1", "precision", "recall"):
        assert overall[name] >= floor[name], (part, name, overall)


@pytest.mark.parametrize("part", sorted(FLOORS))
def test_each_category_stays_within_its_floor(reports, part):
    categories = reports[part]["categories"]
    for name, most in FLOORS[part]["false_flags"].items():
        assert categories[name]["fp"] <= most, (part, name, categories[name])
    for name, fewest in FLOORS[part]["found"].items():
        assert categories[name]["tp"] >= fewest, (part, name, categories[name])
