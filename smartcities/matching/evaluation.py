"""Measure matching like a recommender: a generated market of funders with preferences, the funder of a share
of the projects hidden, hit rates of the ranking against two baselines. Pure: used by bench/matching.py and
tests/test_matching_quality.py (and the bench's database run reuses `market`)."""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from smartcities.matching.scoring import Doc, Partner, Profile, idf_of, normalise, rank, tf
from smartcities.overlap.engine.analysis import analyse

FOCUS = ("Civic and Social", "Health and Well-being", "Safety and Security", "Quality Environment",
         "Built Infrastructure", "Industry and Innovation")
COUNTRIES = {"BN": "Brunei Darussalam", "KH": "Cambodia", "ID": "Indonesia", "LA": "Lao PDR", "MY": "Malaysia",
             "MM": "Myanmar", "PH": "Philippines", "SG": "Singapore", "TH": "Thailand", "VN": "Viet Nam"}
TOPICS = {
    "flood": "flood early warning water level sensors drainage canals",
    "bus": "electric bus fleet depot charging public transport",
    "waste": "solid waste sorting recycling landfill collection trucks",
    "health": "telemedicine clinic patient records hospital",
    "cctv": "cctv command centre emergency response police",
    "egov": "e-government portal online permits citizen services",
    "solar": "rooftop solar panels renewable energy grid",
    "water": "water supply non-revenue water leak detection pipes",
    "startup": "start-up incubator innovation hub digital skills",
    "lighting": "smart street lighting led poles",
    "air": "air quality monitoring stations pm2.5 pollution",
    "traffic": "adaptive traffic signals intersection congestion",
    "housing": "affordable housing upgrading informal settlements",
    "tourism": "heritage tourism visitor app cultural sites",
    "school": "digital classrooms schools tablets teachers",
    "parking": "smart parking sensors payment app",
}
# Where the money goes in practice: some countries and focus areas draw far more funders than others.
COUNTRY_WEIGHT = {"BN": 1, "KH": 3, "ID": 8, "LA": 2, "MY": 3, "MM": 2, "PH": 7, "SG": 1, "TH": 5, "VN": 8}
FOCUS_WEIGHT = {"Civic and Social": 2, "Health and Well-being": 2, "Safety and Security": 2,
                "Quality Environment": 4, "Built Infrastructure": 6, "Industry and Innovation": 2}
FILLER = "pilot programme city residents phase rollout improve services district local government"


@dataclass
class Market:
    partners: list[Partner]      # with profiles; `funded` filled by `split`
    docs: list[Doc]
    funder: dict[int, int]       # project id -> true funder id
    texts: dict[int, str]        # project id -> its generated summary


def _text(rng: random.Random, topic: str) -> tuple[str, str]:
    words = TOPICS[topic].split()
    title = " ".join(rng.sample(words, 3)).capitalize()
    body = " ".join(rng.sample(words, min(len(words), 5)) + rng.sample(FILLER.split(), 4))
    return title, body


def _weighted_sample(rng: random.Random, weights: dict[str, int], k: int) -> frozenset[str]:
    chosen: set[str] = set()
    while len(chosen) < k:
        chosen.add(rng.choices(list(weights), list(weights.values()))[0])
    return frozenset(chosen)


def _pick(rng: random.Random, own: frozenset[str], every, noise: float) -> str:
    """One of the funder's own values, or with probability `noise` any value."""
    return rng.choice(sorted(own)) if rng.random() > noise else rng.choice(every)


def market(projects: int = 1000, funders: int = 60, seed: int = 7, noise: float = 0.15) -> Market:
    """Funders with 1–3 focus areas and 2–5 countries (popular ones more often: funders crowd the same places),
    a ticket decade, 2 pet topics and Zipf-like activity;
    each project drawn from its funder's preferences, each preference broken with probability `noise`;
    70 % of funders state a profile (one of its countries left out at random)."""
    rng = random.Random(seed)
    prefs, partners = [], []
    for fid in range(1, funders + 1):
        focus = _weighted_sample(rng, FOCUS_WEIGHT, rng.randint(1, 3))
        countries = _weighted_sample(rng, COUNTRY_WEIGHT, rng.randint(2, 5))
        decade = rng.randint(5, 8)
        topics = rng.sample(sorted(TOPICS), 2)
        prefs.append((focus, countries, decade, topics))
        stated = None
        if rng.random() < 0.7:
            shown = countries - {rng.choice(sorted(countries))} if len(countries) > 2 else countries
            stated = Profile(focus=focus, countries=frozenset(shown), ticket_min=Decimal(10) ** decade,
                             ticket_max=Decimal(10) ** (decade + 1), currency="USD")
        partners.append(Partner(id=fid, name=f"Funder {fid}", profile=stated))
    activity = [1 / (rank_ + 1) ** 0.8 for rank_ in range(funders)]
    raw, funder = [], {}
    for pid in range(1, projects + 1):
        fid = rng.choices(range(1, funders + 1), activity)[0]
        focus, countries, decade, topics = prefs[fid - 1]
        country = _pick(rng, countries, sorted(COUNTRIES), noise)
        area = _pick(rng, focus, FOCUS, noise)
        topic = rng.choice(topics) if rng.random() > noise else rng.choice(sorted(TOPICS))
        low = decade if rng.random() > noise else rng.randint(4, 9)
        amount = Decimal(int(10 ** (low + rng.random()))).quantize(Decimal(1))
        title, body = _text(rng, topic)
        city = rng.randint(1, 3)
        raw.append((pid, title, body, frozenset({area}), country, city, amount))
        funder[pid] = fid
    analysed = {pid: analyse(title, body).counts for pid, title, body, *_ in raw}
    idf = idf_of(analysed.values())
    docs = [Doc(id=pid, title=title, vector=normalise({f: tf(c) * idf[f] for f, c in analysed[pid].items()}),
                focus=focus, country=country, country_name=COUNTRIES[country],
                city_id=hash((country, city)) % 10_000, city_name=f"{country}-{city}", amount=amount, currency="USD")
            for pid, title, body, focus, country, city, amount in raw]
    return Market(partners, docs, funder, {pid: body for pid, _, body, *_ in raw})


def split(data: Market, hidden: float = 0.2, seed: int = 11) -> list[Doc]:
    """Hide the funder of `hidden` of the projects; the others become the partners' funded history."""
    rng = random.Random(seed)
    held = [doc for doc in data.docs if rng.random() < hidden]
    held_ids = {doc.id for doc in held}
    by_id = {p.id: p for p in data.partners}
    for partner in data.partners:
        partner.funded = []
    for doc in data.docs:
        if doc.id not in held_ids:
            by_id[data.funder[doc.id]].funded.append(doc)
    for partner in data.partners:
        partner.summarise()
    return held


def _hits(ranked: dict[int, list[int]], truth: dict[int, int], k: int) -> float:
    return sum(truth[pid] in ids[:k] for pid, ids in ranked.items()) / len(ranked)


def evaluate(data: Market, hidden: float = 0.2, seed: int = 11) -> dict[str, dict[str, float]]:
    """Top-3 and top-5 hit rates of the ranking and of the two baselines on the hidden projects."""
    held = split(data, hidden, seed)
    known = [doc for doc in data.docs if doc.id not in {h.id for h in held}]
    overall = Counter(data.funder[doc.id] for doc in known)
    frequent = [fid for fid, _ in sorted(overall.items(), key=lambda item: (-item[1], item[0]))]
    local: dict[tuple[str, str], Counter] = {}
    for doc in known:
        for area in doc.focus:
            local.setdefault((doc.country, area), Counter())[data.funder[doc.id]] += 1
    ranked, most, near = {}, {}, {}
    for doc in held:
        ranked[doc.id] = [p.id for p, _ in rank(doc, data.partners, limit=5)]
        most[doc.id] = frequent[:5]
        counts = Counter()
        for area in doc.focus:
            counts.update(local.get((doc.country, area), Counter()))
        # the baseline's ties (and its empty cells) fall back to the most frequent funders
        near[doc.id] = sorted(overall, key=lambda fid: (-counts[fid], -overall[fid], fid))[:5]
    return {name: {"top3": round(_hits(r, data.funder, 3), 3), "top5": round(_hits(r, data.funder, 5), 3)}
            for name, r in (("matching", ranked), ("most_frequent", most), ("country_focus", near))}
