"""How likely an organisation is to fund a project: pure functions from plain facts to a score in [0, 1] and
reasons a person can check. No Flask, no database: the services gather the facts, the bench generates them.

The evidence is read like a naive Bayes model: for each property of the project, how often the organisation's
funded projects have it, compared with an even spread ("lift"; its profile counts as PRIOR pseudo-projects
spread over what it states, SMOOTH more spread evenly), as a logarithm (signals(); 0 means no information):
- text: the share of its funded projects on a similar topic (cosine of the overlap engine's lexical features
  >= SIMILAR; its latest MAX_EVIDENCE funded projects compared): near neighbours rather than one centroid, so
  a funder of two unrelated themes is not averaged into a profile that resembles neither;
- country, focus: the share of its funded projects in the country, in the focus area (the profile's countries
  and focus areas as pseudo-projects);
- amount: the share of its funded projects whose amount was in the same decade (USD 1–10 M, …) in the same
  currency (the profile's ticket range as pseudo-projects; no exchange rates are guessed);
- activity: how many projects it funded (the logarithm: a busy funder is a likelier one; the shares above are
  normalised by its total, so a big funder is not the best match everywhere);
- interest it expressed recently in this project or in projects of the same city or country.
The score is the logistic function of BIAS plus the signals times WEIGHTS: the probability, calibrated on
generated markets (bench/matching.py --fit), that this organisation is the project's funder. With no evidence
at all (every signal 0: no funded project, no profile, no interest) the score is 0. The reasons name the
funded projects behind each signal that speaks for the organisation, then what its profile states.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

import numpy as np

from smartcities.overlap.engine.analysis import analyse
from smartcities.overlap.engine.store import tf

# Fitted by `bench/matching.py --fit` on generated markets with seeds 1 and 2 only (smartcities.matching.
# evaluation; 1,000 projects, 60 funders, the funder of 20 % of the projects hidden): a conditional logit
# (softmax over the candidates of each hidden project, numpy gradient ascent), then the intercept and a common
# scale by a logistic regression (Newton) of "is the funder" on that linear score over all pairs. PRIOR, TRUST,
# SMOOTH and SIMILAR were picked on the same two seeds. Seeds 3–7 are only reported.
# "interest" is not in the generated markets: its weight is set by hand (an interest in this very project
# multiplies the odds by about four).
WEIGHTS = {"activity": 1.121, "text": 0.862, "country": 0.703, "focus": 0.851, "amount": 0.858, "interest": 2.0}
BIAS = -6.597
PRIOR = 4.0          # pseudo-projects a stated profile field counts for
TRUST = 0.85         # share of those pseudo-projects that follow the profile (the rest spread evenly)
SMOOTH = 1.0         # pseudo-projects spread evenly over the possible values
SIMILAR = 0.2        # cosine from which a funded project is on a similar topic (signal and reason)
MAX_EVIDENCE = 120   # latest funded projects compared by text: a match list stays bounded for big funders
# The even spread each share is compared with: ten ASEAN countries, six focus areas, five decades of amounts
# (USD 10 k – 1 B); topics are open-ended, counted as eight.
BASE = {"text": 1 / 8, "country": 1 / 10, "focus": 1 / 6, "amount": 1 / 5}
Vector = dict[str, float]


@dataclass(frozen=True)
class Doc:
    """A project as matching sees it (focus areas and country by display name, so reasons read well)."""

    id: int
    title: str
    vector: Vector
    focus: frozenset[str]
    country: str
    country_name: str
    city_id: int
    city_name: str
    amount: Decimal | None = None      # funding sought (else the budget)
    currency: str | None = None


@dataclass(frozen=True)
class Profile:
    """What an organisation says it funds."""

    focus: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    ticket_min: Decimal | None = None
    ticket_max: Decimal | None = None
    currency: str | None = None


NO_PROFILE = Profile()


@dataclass
class Partner:
    """The evidence about one organisation: its funded projects (summarised), profile and recent interest."""

    id: int
    name: str
    profile: Profile | None = None
    funded: list[Doc] = field(default_factory=list)
    interests: list[Doc] = field(default_factory=list)   # projects it expressed interest in this year
    latest: list[Doc] = field(default_factory=list)      # the MAX_EVIDENCE latest funded, compared by text
    by_country: Counter = field(default_factory=Counter)  # country -> funded projects
    by_focus: Counter = field(default_factory=Counter)    # focus area -> funded projects
    by_decade: Counter = field(default_factory=Counter)   # (currency, decade of the amount) -> funded projects
    by_currency: Counter = field(default_factory=Counter)  # currency -> funded projects with an amount
    vocabulary: dict[str, int] = field(default_factory=dict)   # feature of `latest` -> its row in `weights`
    weights: np.ndarray | None = None   # feature x latest funded project: all the cosines in one product
    rows: dict[int, int] = field(default_factory=dict)    # project id -> its row in `latest`
    memo: dict = field(default_factory=dict)   # (country, focus areas) -> their lifts, filled while scoring

    def summarise(self) -> Partner:
        """Fill the aggregates from `funded` (once; scoring a project then costs a few lookups and at most
        MAX_EVIDENCE cosines)."""
        for doc in self.funded:
            self.by_country[doc.country] += 1
            for area in doc.focus:
                self.by_focus[area] += 1
            if doc.amount and doc.amount > 0 and doc.currency:
                self.by_decade[doc.currency, decade(doc.amount)] += 1
                self.by_currency[doc.currency] += 1
        self.latest = sorted(self.funded, key=lambda doc: -doc.id)[:MAX_EVIDENCE]
        self.rows = {doc.id: row for row, doc in enumerate(self.latest)}
        self.vocabulary = {}
        for doc in self.latest:
            for feature in doc.vector:
                self.vocabulary.setdefault(feature, len(self.vocabulary))
        self.weights = np.zeros((len(self.vocabulary), len(self.latest)))
        for row, doc in enumerate(self.latest):
            for feature, weight in doc.vector.items():
                self.weights[self.vocabulary[feature], row] = weight
        return self


@dataclass(frozen=True)
class Match:
    score: float
    reasons: list[str]
    signals: dict[str, float]


def vectorise(title: str, text: str, idf: dict[str, float] | None = None) -> Vector:
    """The unit vector of a text's lexical features (sublinear counts, times IDF where known)."""
    counts = analyse(title, text).counts
    return normalise({f: tf(c) * (idf.get(f, 1.0) if idf else 1.0) for f, c in counts.items()})


def normalise(weights: dict[str, float]) -> Vector:
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {f: w / norm for f, w in weights.items()} if norm else {}


def idf_of(counts: Iterable[Iterable[str]]) -> dict[str, float]:
    """Inverse document frequency of each feature over a collection (features of each document)."""
    df: Counter = Counter()
    n = 0
    for features in counts:
        df.update(set(features))
        n += 1
    return {f: math.log(1 + n / d) for f, d in df.items()}


def cosine(a: Vector, b: Vector) -> float:
    """Cosine of two unit vectors (a sparse dot product over the shorter one)."""
    if len(a) > len(b):
        a, b = b, a
    return max(0.0, min(1.0, sum(w * b.get(f, 0.0) for f, w in a.items())))


def saturate(n: float, half: float) -> float:
    """0 for none, 1/2 at `half`, towards 1 for many."""
    return n / (n + half) if n > 0 else 0.0


@lru_cache(maxsize=65536)
def decade(amount: Decimal) -> int:
    """6 for 1,000,000 to 9,999,999."""
    return math.floor(math.log10(float(amount)))


@lru_cache(maxsize=65536)
def ticket_fit(amount: Decimal | None, currency: str | None, low: Decimal | None, high: Decimal | None,
               ticket_currency: str | None) -> float | None:
    """1 inside the range, falling to 0 ten times outside it; None when it cannot be compared."""
    if not amount or not currency or currency != ticket_currency or (low is None and high is None):
        return None
    if low is not None and amount < low:
        return max(0.0, 1 - math.log10(float(low) / float(amount)))
    if high is not None and amount > high:
        return max(0.0, 1 - math.log10(float(amount) / float(high)))
    return 1.0


def money(amount: Decimal | None) -> str:
    """'4 M', '250 k', '1.5 B': an amount as a person reads it in a reason."""
    if amount is None:
        return "…"
    value = float(amount)
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= size:
            return f"{value / size:.3g} {unit}"
    return f"{value:.0f}"


def lift(count: float, total: float, stated: float, stated_total: float, base: float) -> float:
    """log(share / base): the share of `count` in `total`, plus `stated_total` pseudo-projects from the profile
    (TRUST of them where it says, `stated` the share of those here; the rest even), plus SMOOTH spread evenly;
    0 with no evidence, below 0 where it funds less than evenly."""
    pseudo = stated_total * (TRUST * stated + (1 - TRUST) * base)
    return math.log((count + pseudo + SMOOTH * base) / (total + stated_total + SMOOTH) / base)


def _cosines(target: Doc, partner: Partner) -> list[float]:
    """The cosine of the target with each of the partner's latest funded projects (0 with itself): one
    product of the target's features with `partner.weights`, or cosine() one by one for a few projects."""
    if partner.weights is None or len(partner.latest) <= 8:
        return [0.0 if doc.id == target.id else cosine(target.vector, doc.vector) for doc in partner.latest]
    shared = [(partner.vocabulary[f], w) for f, w in target.vector.items() if f in partner.vocabulary]
    if not shared:
        return [0.0] * len(partner.latest)
    values = np.array([w for _, w in shared]) @ partner.weights[[row for row, _ in shared]]
    if target.id in partner.rows:
        values[partner.rows[target.id]] = 0.0
    return values.tolist()


def similar_funded(target: Doc, partner: Partner) -> list[tuple[float, Doc]]:
    """The partner's latest funded projects on a similar topic (cosine >= SIMILAR), most similar first."""
    found = [(min(1.0, value), doc) for value, doc in zip(_cosines(target, partner), partner.latest)
             if value >= SIMILAR]
    found.sort(key=lambda pair: (-pair[0], pair[1].country != target.country, pair[1].id))
    return found


def similar_counts(targets: list[Doc], partner: Partner) -> list[int]:
    """len(similar_funded(target, partner)) for many targets at once (a partner's list of projects): the
    targets indexed by feature, then for each of the partner's latest funded projects its cosine with every
    target, summed feature by feature (numpy, no matrix product: cheap, and single-threaded)."""
    if partner.weights is None or len(partner.latest) <= 8:
        return [len(similar_funded(target, partner)) for target in targets]
    vocabulary = partner.vocabulary
    postings: dict[str, tuple[list[int], list[float]]] = {}
    for n, target in enumerate(targets):
        for feature, weight in target.vector.items():
            posting = postings.get(feature)
            if posting is None:
                posting = postings[feature] = ([], [])
            posting[0].append(n)
            posting[1].append(weight)
    index = {f: (np.array(lines, dtype=np.intp), np.array(weights)) for f, (lines, weights) in postings.items()
             if f in vocabulary}
    position = {target.id: n for n, target in enumerate(targets)}
    counts = np.zeros(len(targets), dtype=np.int64)
    values = np.empty(len(targets))
    for doc in partner.latest:
        values.fill(0.0)
        for feature, weight in doc.vector.items():
            posting = index.get(feature)
            if posting is not None:
                values[posting[0]] += weight * posting[1]
        if doc.id in position:
            values[position[doc.id]] = 0.0
        counts += values >= SIMILAR
    return counts.tolist()


def _best_area(target: Doc, partner: Partner) -> tuple[str | None, float, float]:
    """The target's focus area the partner funds most (with its profile), its count and its stated share."""
    profile = partner.profile or NO_PROFILE
    best: tuple[str | None, float, float] = (None, 0.0, 0.0)
    for area in sorted(target.focus):
        stated = 1 / len(profile.focus) if area in profile.focus else 0.0
        if best[0] is None or partner.by_focus[area] + PRIOR * stated > best[1] + PRIOR * best[2]:
            best = (area, partner.by_focus[area], stated)
    return best


def _place_lifts(target: Doc, partner: Partner) -> tuple[float, float]:
    """The country and focus lifts (kept per partner: they depend on the target's country and areas only)."""
    key = (target.country, target.focus)
    found = partner.memo.get(key)
    if found is None:
        profile = partner.profile or NO_PROFILE
        n = len(partner.funded)
        country = lift(partner.by_country[target.country], n,
                       1 / len(profile.countries) if target.country in profile.countries else 0.0,
                       PRIOR if profile.countries else 0.0, BASE["country"])
        area, funded_area, stated_area = _best_area(target, partner)
        focus = lift(funded_area, n, stated_area, PRIOR if profile.focus else 0.0, BASE["focus"]) if area else 0.0
        found = partner.memo[key] = (country, focus)
    return found


@lru_cache(maxsize=65536)
def _stated_ticket(amount: Decimal, currency: str, profile: Profile) -> tuple[float, float]:
    """The profile's ticket range as (its share at this amount, pseudo-projects in all), in its currency."""
    fit = ticket_fit(amount, currency, profile.ticket_min, profile.ticket_max, profile.currency)
    if fit is None:
        return 0.0, 0.0
    width = 1.0
    if profile.ticket_min and profile.ticket_max:
        width = max(1.0, math.log10(float(profile.ticket_max) / float(profile.ticket_min)))
    return fit / width, PRIOR


def signals(target: Doc, partner: Partner, similar: int | None = None) -> dict[str, float]:
    """Each signal of the partner for the project: a log lift (0: no information), activity and interest
    (`similar`: len(similar_funded(target, partner)) when already counted)."""
    n = len(partner.funded)
    if similar is None:
        similar = sum(value >= SIMILAR for value in _cosines(target, partner))
    country, focus = _place_lifts(target, partner)
    amount = 0.0
    if target.amount and target.currency and target.amount > 0:
        stated, stated_total = _stated_ticket(target.amount, target.currency, partner.profile or NO_PROFILE)
        amount = lift(partner.by_decade[target.currency, decade(target.amount)], partner.by_currency[target.currency],
                      stated, stated_total, BASE["amount"])
    interest = 0.0
    if partner.interests:
        interest = sum(1.0 if doc.city_id == target.city_id else 0.5 for doc in partner.interests
                       if doc.country == target.country and doc.id != target.id)
        interest += 2.0 * any(doc.id == target.id for doc in partner.interests)
    text = 0.0
    if partner.latest and target.vector:   # a project without text says nothing about topics
        text = lift(similar * n / len(partner.latest), n, 0.0, 0.0, BASE["text"])
    return {"activity": math.log1p(n), "text": text, "country": country, "focus": focus, "amount": amount,
            "interest": saturate(interest, 1)}


def probability(values: dict[str, float]) -> float:
    """The logistic function of BIAS plus the weighted signals; 0 when every signal is 0 (no evidence)."""
    if not any(values.values()):
        return 0.0
    z = BIAS
    for name, value in values.items():
        z += WEIGHTS[name] * value
    return 1 / (1 + math.exp(-z))


def score(target: Doc, partner: Partner) -> float:
    """The calibrated probability that the partner funds the project: in [0, 1]."""
    return round(probability(signals(target, partner)), 6)


def _place(docs: list[Doc], target: Doc) -> str:
    if all(doc.city_id == target.city_id for doc in docs):
        return f" in {target.city_name}"
    if all(doc.country == target.country for doc in docs):
        return f" in {target.country_name}"
    return ""


def _of(count: int, n: int) -> str:
    return f"{count} of its {n} funded projects" if n > 1 else "its funded project"


def reasons(target: Doc, partner: Partner) -> list[str]:
    """Why the partner may fund the project, in words a person can check against the data: the funded
    projects behind each signal that speaks for it (above an even spread), then what its profile states and
    the interest it expressed."""
    said: list[str] = []
    n = len(partner.funded)
    values = signals(target, partner)
    similar = [doc for _, doc in similar_funded(target, partner)]
    if similar and values["text"] > 0:
        noun = "project" if len(similar) == 1 else "projects"
        among = f" (of its latest {len(partner.latest)})" if len(partner.latest) < n else ""
        said.append(f"funded {len(similar)} similar {noun}{_place(similar, target)}{among}: "
                    + "; ".join(doc.title for doc in similar[:3]))
    if partner.by_country[target.country] and values["country"] > 0:
        said.append(f"{_of(partner.by_country[target.country], n)} in {target.country_name}")
    area, funded_area, _ = _best_area(target, partner)
    if area and funded_area and values["focus"] > 0:
        said.append(f"{_of(int(funded_area), n)} in {area}")
    if target.amount and target.amount > 0 and target.currency and values["amount"] > 0:
        step = decade(target.amount)
        alike = partner.by_decade[target.currency, step]
        if alike:
            span = f"{target.currency} {money(Decimal(10) ** step)}–{money(Decimal(10) ** (step + 1))}"
            said.append(f"funded amounts: {alike} of {partner.by_currency[target.currency]} in {span}, "
                        "as this one")
    profile = partner.profile
    if profile is not None:
        shared = sorted(target.focus & profile.focus)
        if shared:
            said.append("same focus areas: " + ", ".join(shared))
        if target.country in profile.countries:
            said.append(f"funds projects in {target.country_name}")
        fit = ticket_fit(target.amount, target.currency, profile.ticket_min, profile.ticket_max, profile.currency)
        if fit is not None:
            span = f"{profile.currency} {money(profile.ticket_min)}–{money(profile.ticket_max)}"
            verdict = "fits" if fit == 1.0 else "is outside" if fit == 0 else "is near"
            said.append(f"ticket range {span} {verdict} {target.currency} {money(target.amount)} sought")
    here = [doc for doc in partner.interests if doc.id != target.id and doc.country == target.country]
    if any(doc.id == target.id for doc in partner.interests):
        said.append("expressed interest in this project")
    if here:
        noun = "project" if len(here) == 1 else "projects"
        said.append(f"expressed interest in {len(here)} {noun}{_place(here, target)} this year")
    return said


def rank(target: Doc, partners: Iterable[Partner], limit: int = 10) -> list[tuple[Partner, Match]]:
    """Partners ranked for one project, best first (ties by id), with reasons for those kept."""
    scored = sorted(((score(target, p), p) for p in partners), key=lambda pair: (-pair[0], pair[1].id))
    return [(p, Match(s, reasons(target, p), signals(target, p))) for s, p in scored[:limit] if s > 0]


def rank_projects(partner: Partner, targets: Iterable[Doc], limit: int = 20) -> list[tuple[Doc, Match]]:
    """Projects ranked for one partner, best first (ties by id), with reasons for those kept: every project
    seeking funding may be shown to a partner, so one with no evidence yet still sees the list (score 0)."""
    targets = list(targets)
    scored = sorted(((round(probability(signals(t, partner, similar)), 6), t)
                     for t, similar in zip(targets, similar_counts(targets, partner))),
                    key=lambda pair: (-pair[0], pair[1].id))
    return [(t, Match(s, reasons(t, partner), signals(t, partner))) for s, t in scored[:limit]]
