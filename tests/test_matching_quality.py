"""Matching measured like a recommender on small generated markets (smartcities.matching.evaluation): the funder
of 20 % of the projects hidden, its rank among 60 funders against two baselines. Seeds 3–5 were not used to
choose the weights (seeds 1 and 2 were: bench/matching.py --fit); bench/matching.py reports seeds 3–7 and the
speed."""
from __future__ import annotations

import statistics

import pytest

from smartcities.matching import scoring
from smartcities.matching.evaluation import evaluate, market, split
from smartcities.matching.scoring import rank

SEEDS = (3, 4, 5)


@pytest.fixture(scope="module")
def results():
    return [evaluate(market(1000, seed=seed)) for seed in SEEDS]


def test_the_ranking_finds_the_hidden_funder_in_its_top_five(results):
    top5 = [r["matching"]["top5"] for r in results]
    assert min(top5) >= 0.86 and statistics.mean(top5) >= 0.88, top5
    assert all(r["matching"]["top3"] >= 0.79 for r in results), results


def test_the_ranking_beats_both_baselines_clearly(results):
    for r in results:
        better = max(r["most_frequent"]["top5"], r["country_focus"]["top5"])
        assert r["matching"]["top5"] >= 1.45 * better, r
        better3 = max(r["most_frequent"]["top3"], r["country_focus"]["top3"])
        assert r["matching"]["top3"] >= 1.55 * better3, r


def test_without_history_or_profiles_the_ranking_knows_nothing():
    """The signals are what does the work: a market with no profiles and no history ranks nobody."""
    data = market(200, seed=3)
    for partner in data.partners:
        partner.profile = None
    held = split(data, hidden=1.0)
    assert all(rank(doc, data.partners) == [] for doc in held[:20])


def test_a_partner_s_list_scores_each_project_as_a_project_s_list_does():
    """rank_projects counts similar projects for all targets in one product: the same counts, scores and
    order as one project at a time, scores in [0, 1], and a reason for every signal that speaks for it."""
    data = market(400, seed=3)
    held = split(data)
    for partner in sorted(data.partners, key=lambda p: -len(p.funded))[:3] + data.partners[-2:]:
        assert scoring.similar_counts(held, partner) == [len(scoring.similar_funded(doc, partner)) for doc in held]
        ranked = scoring.rank_projects(partner, held, limit=10)
        expected = sorted(held, key=lambda doc: (-scoring.score(doc, partner), doc.id))[:10]
        assert [doc.id for doc, _ in ranked] == [doc.id for doc in expected]
        for doc, match in ranked:
            assert 0 <= match.score <= 1 and match.score == scoring.score(doc, partner)
            if match.signals["text"] > 0:
                assert match.reasons[0].startswith("funded "), match.reasons
            if match.signals["country"] > 0 and partner.by_country[doc.country]:
                assert any(reason.endswith(f" in {doc.country_name}") for reason in match.reasons)
