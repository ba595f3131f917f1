"""One calibrated decision over the lexical and semantic signals of a plan initiative.

A logistic model turns the signals into the probability that the draft repeats the initiative; its
weights are plain numbers fitted offline (bench/fit_overlap.py, five-fold cross-validation on the labelled
development cases only; the frozen test part is never read by it), so no learning library runs in the
portal. A flag is raised from FLAG on (the score then is that probability); from RELATED up to it the
initiative is shown to a reviewer as related, which asks no justification.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

FLAG = 0.5
RELATED = 0.25


@dataclass(frozen=True)
class Signals:
    lexical: float        # the lexical engine's plan score (text and concept evidence, tempered by focus)
    semantic: float       # best cosine between a part of the draft and a part of the initiative
    margin: float         # semantic minus the median over every initiative the draft was checked against
    focus: float          # share of the draft's focus areas the initiative has


# Fitted by bench/fit_overlap.py; see bench/RESULTS.md for the data, the folds and the held-out figures.
WEIGHTS = {"lexical": 4.914, "lexical2": 2.832, "semantic": 57.14, "margin": 32.72, "focus": 2.49}
BIAS = -53.09


def probability(s: Signals) -> float:
    """P(the draft repeats the initiative), in [0, 1]."""
    lexical = min(s.lexical, 1.0)
    z = (BIAS + WEIGHTS["lexical"] * lexical + WEIGHTS["lexical2"] * lexical * lexical
         + WEIGHTS["semantic"] * s.semantic + WEIGHTS["margin"] * s.margin + WEIGHTS["focus"] * s.focus)
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))
