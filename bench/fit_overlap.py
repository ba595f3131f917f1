"""Fits the overlap check's calibrated decision (smartcities/overlap/engine/calibration.py) offline.

Reads the labelled development cases only — tests/data/overlap_cases.json (against tests/data/overlap_plans.json),
the two held-out sets and the development part of the blind set (tests/data/blind/dev_cases.json), all against
the seeded plans — never the blind set's frozen test part. For every (case, plan covering it) it records the
engine's signals of the plan's best initiative, fits a logistic regression (L2, numpy only) with five-fold
cross-validation by case, prints the cross-validated precision/recall/F1 and calibration, and the weights to
paste into calibration.py. Run: .venv/bin/python bench/fit_overlap.py
"""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smartcities.overlap.engine import OverlapIndex, calibration  # noqa: E402
from smartcities.overlap.engine.embedder import load_embedder  # noqa: E402
from smartcities.overlap.engine.evaluation import draft_from_case, plan_docs_from_plan_file  # noqa: E402
from smartcities.text import slugify  # noqa: E402

DATA = ROOT / "tests" / "data"
SEEDED = ROOT / "smartcities" / "data" / "plans.json"
SETS = [(DATA / "overlap_plans.json", DATA / "overlap_cases.json"), (SEEDED, DATA / "holdout_cases.json"),
        (SEEDED, DATA / "holdout2_cases.json"), (SEEDED, DATA / "blind" / "dev_cases.json")]
FEATURES = ("lexical", "lexical2", "semantic", "margin", "focus")


def city_lookup():
    cities = {}
    for row in csv.DictReader((ROOT / "smartcities" / "data" / "cities.csv").open(encoding="utf-8")):
        cities[row["name"].lower()] = cities[slugify(row["name"])] = (slugify(row["name"]), row["country_iso2"])
    return lambda value: cities.get(value.lower()) or cities[slugify(value)]


def rows(embedder) -> list[tuple[str, dict, bool]]:
    """(case id, the best initiative's signals per covering plan, expected?) for every development case."""
    lookup, found = city_lookup(), []
    recorded: list[tuple[str, calibration.Signals]] = []
    real = calibration.probability

    def record(signals):   # the engine asks for a probability per initiative: note its signals instead
        recorded.append(signals)
        return 0.0
    for plans_file, cases_file in SETS:
        if not cases_file.exists():
            continue
        plans = plan_docs_from_plan_file(json.loads(plans_file.read_text(encoding="utf-8")), lookup)
        index = OverlapIndex(embedder=embedder)
        for plan in plans:
            index.upsert_plan(plan)
        for case in json.loads(cases_file.read_text(encoding="utf-8"))["cases"]:
            draft = draft_from_case(case["project"], lookup)
            recorded.clear()
            calibration.probability = record
            try:
                index.check(draft)
                docs = [doc for plan_id in sorted(index._covering(draft, {})) for doc in index._plans[plan_id].docs
                        if doc in index._meanings]
            finally:
                calibration.probability = real
            best: dict[str, calibration.Signals] = {}
            for doc, signals in zip(docs, recorded):
                plan_id = index._owner[doc][0]
                if plan_id not in best or signals.semantic + signals.lexical > best[plan_id].semantic + best[
                        plan_id].lexical:
                    best[plan_id] = signals
            for plan_id, signals in best.items():
                found.append((f"{cases_file.stem}:{case['id']}", vars(signals), plan_id in case["expected_plan_ids"]))
    return found


def matrix(signals: list[dict]) -> np.ndarray:
    return np.array([[min(s["lexical"], 1.0), min(s["lexical"], 1.0) ** 2, s["semantic"], s["margin"], s["focus"]]
                     for s in signals])


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 4000) -> tuple[np.ndarray, float]:
    """Logistic regression by gradient descent on standardised features; weights returned unstandardised."""
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z, w, b = (x - mu) / sd, np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        w -= 0.5 * (z.T @ (p - y) + l2 * w) / len(y)
        b -= 0.5 * float((p - y).mean())
    return w / sd, b - float((w / sd) @ mu)


def main() -> None:
    embedder = load_embedder("e5")
    data = rows(embedder)
    cases = np.array([case for case, _, _ in data])
    x, y = matrix([s for _, s, _ in data]), np.array([label for _, _, label in data], float)
    order = sorted(set(cases))
    rng = np.random.default_rng(7)
    rng.shuffle(order)
    fold = {case: n % 5 for n, case in enumerate(order)}
    folds = np.array([fold[case] for case in cases])
    p = np.zeros(len(y))
    for k in range(5):
        w, b = fit(x[folds != k], y[folds != k])
        p[folds == k] = 1 / (1 + np.exp(-(x[folds == k] @ w + b)))
    flagged = p >= calibration.FLAG
    tp, fp, fn = int((flagged & (y == 1)).sum()), int((flagged & (y == 0)).sum()), int((~flagged & (y == 1)).sum())
    print(f"{len(order)} cases, {len(y)} (case, plan) pairs, {int(y.sum())} expected")
    print(f"cross-validated at {calibration.FLAG}: precision {tp / max(1, tp + fp):.3f} "
          f"recall {tp / max(1, tp + fn):.3f} F1 {2 * tp / max(1, 2 * tp + fp + fn):.3f}")
    for low in np.arange(0.0, 1.0, 0.2):
        band = (p >= low) & (p < low + 0.2)
        if band.any():
            print(f"  predicted {low:.1f}-{low + 0.2:.1f}: {int(band.sum()):4} pairs, {y[band].mean():.2f} real")
    w, b = fit(x, y)
    print("WEIGHTS = {" + ", ".join(f'"{n}": {v:.4g}' for n, v in zip(FEATURES, w)) + "}")
    print(f"BIAS = {b:.4g}")


if __name__ == "__main__":
    main()
