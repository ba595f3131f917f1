"""How an overlap's signals become a score and a severity: what makes a flag high, i.e. what blocks submission.

Every boundary is tested just below, at and just above it, with literal inputs worked out from the values the
design documents, so the tests fail if a constant in smartcities/overlap/engine/scoring.py (or the engine's flag
threshold) changes, and also refer to the constants where that states the rule more clearly.

The signals: text (a cosine in [0, 1]), concept (shared smart-city concepts, [0, 1]), focus (shared focus
areas, [0, 1]); for projects also nearness (1 at the same point, 0 at the radius or unknown) and a shared
funding partner.
"""
from __future__ import annotations

import pytest

from smartcities.overlap.engine import scoring
from smartcities.overlap.engine import DEFAULT_THRESHOLD
from smartcities.overlap.engine.scoring import content, plan_score, project_score, severity

EPS = 1e-9   # "just below" and "just above"


def test_the_documented_constants():
    # README ("How the overlap check decides"): severity high >= 0.75, medium >= 0.5, low below.
    assert (scoring.HIGH, scoring.MEDIUM) == (0.75, 0.5)
    # scoring.py: a text cosine of 0.5 is full text evidence; a shared concept alone weighs 0.7; below a
    # cosine of 0.12 and a concept score of 0.35 the evidence is incidental. engine.py: flags from 0.4.
    assert (scoring.TEXT_FULL, scoring.CONCEPT_WEIGHT) == (0.5, 0.7)
    assert (scoring.MIN_TEXT, scoring.MIN_CONCEPT) == (0.12, 0.35)
    assert DEFAULT_THRESHOLD == 0.4


# severity(score)


@pytest.mark.parametrize("score, expected", [
    (0.0, "low"),
    (0.5 - EPS, "low"), (0.5, "medium"), (0.5 + EPS, "medium"),
    (0.75 - EPS, "medium"), (0.75, "high"), (0.75 + EPS, "high"),
    (1.0, "high"),
])
def test_severity_boundaries(score, expected):
    assert severity(score) == expected


def test_severity_boundaries_are_the_constants():
    assert severity(scoring.MEDIUM) == "medium" and severity(scoring.MEDIUM - EPS) == "low"
    assert severity(scoring.HIGH) == "high" and severity(scoring.HIGH - EPS) == "medium"


# content(text, concept): the noisy-or, and the gate below which shared words are incidental


@pytest.mark.parametrize("text, concept, expected", [
    (0.0, 0.0, 0.0),
    (0.12 - EPS, 0.0, 0.0),                  # text just below MIN_TEXT: nothing
    (0.12, 0.0, 0.24),                       # at MIN_TEXT: text / TEXT_FULL
    (0.12 + EPS, 0.0, 0.24 + 2 * EPS),
    (0.0, 0.35 - EPS, 0.0),                  # concept just below MIN_CONCEPT: nothing
    (0.0, 0.35, 0.245),                      # at MIN_CONCEPT: CONCEPT_WEIGHT * concept
    (0.0, 0.35 + EPS, 0.245 + 0.7 * EPS),
    (0.12 - EPS, 0.35 - EPS, 0.0),           # both below: nothing, even together
    (0.1, 0.35, 1 - (1 - 0.2) * (1 - 0.245)),   # one above the gate: the other counts too
    (0.12, 0.2, 1 - (1 - 0.24) * (1 - 0.14)),
    (0.5 - EPS, 0.0, 1 - 2 * EPS),           # TEXT_FULL: full text evidence
    (0.5, 0.0, 1.0),
    (0.9, 0.0, 1.0),                         # capped above it
    (0.0, 1.0, 0.7),                         # a concept alone is at most CONCEPT_WEIGHT
    (0.25, 0.5, 1 - 0.5 * 0.65),
])
def test_content(text, concept, expected):
    assert content(text, concept) == pytest.approx(expected, abs=1e-12)


# plan_score(text, concept, focus) = content * (0.8 + 0.2 * focus)


@pytest.mark.parametrize("text, concept, focus, expected", [
    (0.5, 0.0, 1.0, 1.0),
    (0.5, 0.0, 0.0, 0.8),           # different focus areas temper by a fifth
    (0.5, 0.0, 0.5, 0.9),
    (0.0, 1.0, 1.0, 0.7),
    (0.0, 1.0, 0.0, 0.56),
    (0.0, 0.0, 1.0, 0.0),           # focus alone is nothing
    (0.1, 0.3, 1.0, 0.0),           # incidental words, matching focus: nothing
])
def test_plan_score(text, concept, focus, expected):
    assert plan_score(text, concept, focus) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("focus, high_from", [(1.0, 0.375), (0.0, 0.46875)])
def test_plan_text_alone_becomes_high(focus, high_from):
    # high = 0.75 = (text / 0.5) * (0.8 + 0.2 * focus)
    assert plan_score(high_from, 0.0, focus) == 0.75 and severity(plan_score(high_from, 0.0, focus)) == "high"
    assert severity(plan_score(high_from - EPS, 0.0, focus)) == "medium"
    assert severity(plan_score(high_from + EPS, 0.0, focus)) == "high"


@pytest.mark.parametrize("focus, medium_from", [(1.0, 0.25), (0.0, 0.3125)])
def test_plan_text_alone_becomes_medium(focus, medium_from):
    assert plan_score(medium_from, 0.0, focus) == 0.5 and severity(plan_score(medium_from, 0.0, focus)) == "medium"
    assert severity(plan_score(medium_from - EPS, 0.0, focus)) == "low"
    assert severity(plan_score(medium_from + EPS, 0.0, focus)) == "medium"


@pytest.mark.parametrize("focus, flag_from", [(1.0, 0.2), (0.0, 0.25)])
def test_plan_text_alone_reaches_the_flag_threshold(focus, flag_from):
    # engine.py: "a text cosine of about 0.2 with matching focus areas" reaches the threshold.
    assert plan_score(flag_from, 0.0, focus) == pytest.approx(DEFAULT_THRESHOLD, abs=1e-12)
    assert plan_score(flag_from - EPS, 0.0, focus) < DEFAULT_THRESHOLD < plan_score(flag_from + EPS, 0.0, focus)


@pytest.mark.parametrize("focus", [0.0, 0.5, 1.0])
def test_a_shared_concept_alone_never_makes_a_plan_flag_high(focus):
    # High blocks submission, so the words must agree as well; a full concept match stays medium or below.
    assert plan_score(0.0, 1.0, focus) <= 0.7 and severity(plan_score(0.0, 1.0, focus)) != "high"


def test_a_shared_concept_alone_is_a_medium_plan_flag_with_matching_focus():
    medium_from = 0.5 / 0.7   # 0.7 * concept * 1.0 = 0.5
    assert severity(plan_score(0.0, medium_from + EPS, 1.0)) == "medium"
    assert severity(plan_score(0.0, medium_from - EPS, 1.0)) == "low"
    assert severity(plan_score(0.0, 1.0, 0.0)) == "medium"                 # 0.56 even with other focus areas
    assert plan_score(0.0, 0.35, 0.0) < DEFAULT_THRESHOLD                  # a weak concept alone: no flag
    flag_from = DEFAULT_THRESHOLD / 0.7                                    # 0.571…, focus matching
    assert plan_score(0.0, flag_from - EPS, 1.0) < DEFAULT_THRESHOLD < plan_score(0.0, flag_from + EPS, 1.0)


def test_text_and_concept_together_make_high_where_neither_does_alone():
    assert severity(plan_score(0.2, 0.0, 1.0)) == "low"         # 0.4
    assert severity(plan_score(0.0, 1.0, 1.0)) == "medium"      # 0.7
    # 1 - (1 - 0.4) * (1 - 0.7) = 0.82
    assert plan_score(0.2, 1.0, 1.0) == pytest.approx(0.82, abs=1e-12)
    assert severity(plan_score(0.2, 1.0, 1.0)) == "high"


def test_focus_decides_between_high_and_medium():
    # text 0.4 gives content 0.8; 0.8 * (0.8 + 0.2 * focus) >= 0.75 from focus 0.6875
    assert plan_score(0.4, 0.0, 0.6875) == 0.75 and severity(plan_score(0.4, 0.0, 0.6875)) == "high"
    assert severity(plan_score(0.4, 0.0, 0.6875 - EPS)) == "medium"
    assert severity(plan_score(0.4, 0.0, 1.0)) == "high" and severity(plan_score(0.4, 0.0, 0.0)) == "medium"


# project_score(text, concept, focus, nearness, partners) = content * (0.7 + 0.1 focus + 0.2 nearness)
#                                                            (+ 0.15 for a shared partner), at most 1


@pytest.mark.parametrize("text, concept, focus, nearness, partners, expected", [
    (0.5, 0.0, 1.0, 1.0, False, 1.0),
    (0.5, 0.0, 0.0, 0.0, False, 0.7),         # same city, far apart, other focus areas
    (0.5, 0.0, 1.0, 0.0, False, 0.8),
    (0.5, 0.0, 0.0, 1.0, False, 0.9),
    (0.5, 0.0, 0.0, 0.0, True, 0.85),
    (0.5, 0.0, 1.0, 1.0, True, 1.0),          # capped at 1
    (0.0, 0.0, 1.0, 1.0, True, 0.0),          # a shared partner without content is nothing
    (0.1, 0.3, 1.0, 1.0, True, 0.0),          # nor with incidental words
    (0.0, 1.0, 0.0, 0.0, False, 0.49),
    (0.0, 1.0, 1.0, 1.0, False, 0.7),
])
def test_project_score(text, concept, focus, nearness, partners, expected):
    assert project_score(text, concept, focus, nearness, partners) == pytest.approx(expected, abs=1e-12)


def test_nearness_decides_between_high_and_medium():
    # full text, other focus areas: 0.7 + 0.2 * nearness >= 0.75 from nearness 0.25
    assert project_score(0.5, 0.0, 0.0, 0.25, False) == 0.75
    assert severity(project_score(0.5, 0.0, 0.0, 0.25, False)) == "high"
    assert severity(project_score(0.5, 0.0, 0.0, 0.25 - EPS, False)) == "medium"
    assert severity(project_score(0.5, 0.0, 0.0, 0.25 + EPS, False)) == "high"


def test_focus_decides_between_high_and_medium_for_a_project():
    # full text, far apart: 0.7 + 0.1 * focus >= 0.75 from focus 0.5
    assert project_score(0.5, 0.0, 0.5, 0.0, False) == 0.75
    assert severity(project_score(0.5, 0.0, 0.5 - EPS, 0.0, False)) == "medium"
    assert severity(project_score(0.5, 0.0, 0.5 + EPS, 0.0, False)) == "high"


def test_a_shared_partner_decides_between_high_and_medium():
    # text 0.3: content 0.6, * 0.7 = 0.42 (low); + 0.15 = 0.57 (medium)
    assert severity(project_score(0.3, 0.0, 0.0, 0.0, False)) == "low"
    assert project_score(0.3, 0.0, 0.0, 0.0, True) == pytest.approx(0.57, abs=1e-12)
    assert severity(project_score(0.3, 0.0, 0.0, 0.0, True)) == "medium"
    # content 6/7 * 0.7 = 0.6, + 0.15 = 0.75: high from text 0.5 * 6/7 with a partner
    high_from = 0.5 * 6 / 7
    assert severity(project_score(high_from + EPS, 0.0, 0.0, 0.0, True)) == "high"
    assert severity(project_score(high_from - EPS, 0.0, 0.0, 0.0, True)) == "medium"
    assert severity(project_score(high_from + EPS, 0.0, 0.0, 0.0, False)) == "medium"


def test_a_shared_concept_alone_makes_a_project_flag_high_only_with_a_shared_partner():
    # Without words in common, a project at the same point with the same focus stays medium (0.7) ...
    assert severity(project_score(0.0, 1.0, 1.0, 1.0, False)) == "medium"
    # ... but a shared funding partner (possible double funding) lifts it to 0.85: high, blocking submission.
    assert project_score(0.0, 1.0, 1.0, 1.0, True) == pytest.approx(0.85, abs=1e-12)
    assert severity(project_score(0.0, 1.0, 1.0, 1.0, True)) == "high"
    # Far apart with other focus areas it is 0.49 + 0.15 = 0.64: medium.
    assert severity(project_score(0.0, 1.0, 0.0, 0.0, True)) == "medium"


def test_a_project_reaches_the_flag_threshold():
    # far apart, other focus areas: text alone flags from (0.4 / 0.7) * 0.5 = 0.2857…
    flag_from = DEFAULT_THRESHOLD / 0.7 * 0.5
    assert project_score(flag_from - EPS, 0.0, 0.0, 0.0, False) < DEFAULT_THRESHOLD
    assert project_score(flag_from + EPS, 0.0, 0.0, 0.0, False) > DEFAULT_THRESHOLD
    assert project_score(0.0, 1.0, 0.0, 0.0, False) >= DEFAULT_THRESHOLD   # 0.49: a full concept match flags


def test_scores_never_leave_zero_to_one():
    grid = [0.0, 0.12, 0.35, 0.5, 1.0]
    for text in grid:
        for concept in grid:
            for focus in (0.0, 1.0):
                assert 0.0 <= plan_score(text, concept, focus) <= 1.0
                for nearness in (0.0, 1.0):
                    for partners in (False, True):
                        assert 0.0 <= project_score(text, concept, focus, nearness, partners) <= 1.0


# The wording of the evidence


def test_text_reason():
    assert scoring.text_reason(0.724, []) == "Text similarity 0.72"
    assert scoring.text_reason(0.5, ["flood early warning", "pm25 sensor"]) == \
        'Text similarity 0.50; shared phrases: "flood early warning", "PM2.5 sensor"'


def test_concept_reason():
    assert scoring.concept_reason("flood monitoring", "flood", "flood") == 'same concept: flood monitoring ("flood")'
    assert scoring.concept_reason("flood monitoring", "น้ำท่วม", "flood") == \
        'same concept: flood monitoring ("น้ำท่วม" ~ "flood")'
