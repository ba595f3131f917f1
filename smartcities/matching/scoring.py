"""How likely an organisation is to fund a project: pure functions from plain facts to a score in [0, 1] and
reasons a person can check. No Flask, no database: the services gather the facts, the bench generates them.

Evidence, each signal in [0, 1], weighted (WEIGHTS, summing to 1):
- what it funded before: text similarity to the centroid of its funded projects (the overlap engine's lexical
  features, a cosine), how many it funded in the same country with a shared focus area, how many in the same
  city, and how far the sought amount is from its usual one (when its profile states no ticket range);
- what it says it funds (its profile): shared focus areas, the country, the ticket range against the sought
  amount (compared only in the same currency: no exchange rates are guessed);
- interest it expressed recently in projects of the same city or country.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from smartcities.overlap.engine.analysis import analyse
from smartcities.overlap.engine.store import tf

# Chosen on generated markets with seeds 1 and 2 (smartcities.matching.evaluation); reported on seeds 3–5.
WEIGHTS = {"text": 0.35, "country_focus": 0.20, "city": 0.05, "ticket": 0.20,
           "profile_focus": 0.05, "profile_country": 0.05, "interest": 0.10}
SIMILAR = 0.2      # per-project similarity from which a funded project is named as similar in a reason
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


@dataclass
class Partner:
    """The evidence about one organisation: its funded projects (summarised), profile and recent interest."""

    id: int
    name: str
    profile: Profile | None = None
    funded: list[Doc] = field(default_factory=list)
    interests: list[Doc] = field(default_factory=list)   # projects it expressed interest in this year
    centroid: Vector = field(default_factory=dict)
    by_country_focus: Counter = field(default_factory=Counter)   # (country, focus area) -> funded projects
    by_city: Counter = field(default_factory=Counter)
    log_amounts: dict[str, list[float]] = field(default_factory=dict)   # currency -> log10 of amounts

    def summarise(self) -> Partner:
        """Fill the aggregates from `funded` (once; scoring a project then costs a few lookups and one cosine)."""
        total: Counter = Counter()
        for doc in self.funded:
            for feature, weight in doc.vector.items():
                total[feature] += weight
            for area in doc.focus:
                self.by_country_focus[doc.country, area] += 1
            self.by_city[doc.city_id] += 1
            if doc.amount and doc.currency:
                self.log_amounts.setdefault(doc.currency, []).append(math.log10(float(doc.amount)))
        self.centroid = normalise(total)
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


def _history_ticket(target: Doc, partner: Partner) -> float | None:
    amounts = partner.log_amounts.get(target.currency or "")
    if not amounts or not target.amount:
        return None
    usual = sorted(amounts)[len(amounts) // 2]
    return max(0.0, 1 - abs(math.log10(float(target.amount)) - usual))


def signals(target: Doc, partner: Partner) -> dict[str, float]:
    """Each signal of the partner for the project, in [0, 1]."""
    profile = partner.profile or Profile()
    country_focus = sum(partner.by_country_focus[target.country, area] for area in target.focus)
    stated = ticket_fit(target.amount, target.currency, profile.ticket_min, profile.ticket_max, profile.currency)
    ticket = stated if stated is not None else _history_ticket(target, partner)
    interest = sum(1.0 if doc.city_id == target.city_id else 0.5 for doc in partner.interests
                   if doc.country == target.country and doc.id != target.id)
    interest += 2.0 * any(doc.id == target.id for doc in partner.interests)
    return {
        "text": cosine(target.vector, partner.centroid) if partner.centroid else 0.0,
        "country_focus": saturate(country_focus, 5),
        "city": saturate(partner.by_city[target.city_id], 1),
        "ticket": ticket or 0.0,
        "profile_focus": len(target.focus & profile.focus) / len(target.focus) if target.focus else 0.0,
        "profile_country": 1.0 if target.country in profile.countries else 0.0,
        "interest": saturate(interest, 1),
    }


def score(target: Doc, partner: Partner) -> float:
    """The weighted sum of the signals: in [0, 1]."""
    return round(sum(WEIGHTS[name] * value for name, value in signals(target, partner).items()), 4)


def similar_funded(target: Doc, partner: Partner, limit: int = 3) -> list[tuple[float, Doc]]:
    """The partner's funded projects most like the target: text, shared focus areas, same country."""
    ranked = []
    for doc in partner.funded:
        if doc.id == target.id:
            continue
        shared = len(doc.focus & target.focus) / len(target.focus) if target.focus else 0.0
        similarity = 0.6 * cosine(target.vector, doc.vector) + 0.2 * shared + 0.2 * (doc.country == target.country)
        if similarity >= SIMILAR:
            ranked.append((similarity, doc))
    ranked.sort(key=lambda pair: (-pair[0], pair[1].id))
    return ranked[:limit]


def _place(docs: list[Doc], target: Doc) -> str:
    if all(doc.city_id == target.city_id for doc in docs):
        return f" in {target.city_name}"
    if all(doc.country == target.country for doc in docs):
        return f" in {target.country_name}"
    return ""


def reasons(target: Doc, partner: Partner) -> list[str]:
    """Why the partner may fund the project, in words a person can check against the data."""
    said: list[str] = []
    similar = [doc for _, doc in similar_funded(target, partner)]
    if similar:
        noun = "project" if len(similar) == 1 else "projects"
        said.append(f"funded {len(similar)} similar {noun}{_place(similar, target)}: "
                    + "; ".join(doc.title for doc in similar))
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
    scored = sorted(((score(t, partner), t) for t in targets), key=lambda pair: (-pair[0], pair[1].id))
    return [(t, Match(s, reasons(t, partner), signals(t, partner))) for s, t in scored[:limit]]
