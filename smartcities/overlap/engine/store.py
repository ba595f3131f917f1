"""An incremental inverted index of feature counts, weighted as TF-IDF only when a query is scored.

Documents are stored as raw counts in postings grouped by partition (a country's national plans, a
city's plans, a city's projects), so a check reads only the postings of its candidates. Document
frequencies are kept per country and updated on every add and remove; IDF is computed from them at
query time, so nothing is ever rebuilt. Per country, because a country's documents share its languages:
a Lao or Thai everyday word is in most Lao or Thai documents yet rare in the whole collection, and only
the country's own statistics see that it says nothing. Only the documents' vector lengths depend on IDF
as a whole: each is cached with its country's IDF generation and recomputed when the document is next
scored after that country's collection grew or shrank by more than 5% (a length a few per cent off
moves a cosine by less).
"""
from __future__ import annotations

import math
import sys
from array import array
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

CHANNELS = {"w": 0, "v": 1, "c": 2, "k": 3}   # words, diacritic words, character n-grams, concepts
TEXT_CHANNELS = (0, 1, 2)
IDF_FLOOR = 0.1
_TF = [0.0] + [1.0 + math.log(n) for n in range(1, 256)]


def tf(count: int) -> float:
    """Sublinear term frequency: repeating a word says less each time."""
    return _TF[count] if count < len(_TF) else 1.0 + math.log(count)


@dataclass
class _Doc:
    partition: Hashable
    group: str
    features: tuple[str, ...]   # interned: one string object per feature, shared by postings and documents
    counts: bytes               # the features' counts, capped at 255
    norms: list[float]
    generation: int
    counted: bool = True        # in its country's document frequencies (public documents only)


@dataclass
class _Group:
    """Document frequencies of one country's documents."""
    df: Counter = field(default_factory=Counter)
    n: int = 0
    generation: int = 0
    n_at_generation: int = 0

    def idf(self, feature: str) -> float:
        """Inverse document frequency: near zero for a feature in every document, so a text made only of
        everyday words cannot look similar; the small floor keeps a one-document index usable."""
        return math.log((self.n + 1) / (self.df.get(feature, 0) + 1)) + IDF_FLOOR

    def count(self, features: Iterable[str], step: int) -> None:
        for feature in features:
            self.df[feature] += step
            if not self.df[feature]:
                del self.df[feature]
        self.n += step
        if abs(self.n - self.n_at_generation) > 0.05 * self.n_at_generation:
            self.generation += 1
            self.n_at_generation = self.n


@dataclass
class Query:
    """A draft's features weighted by its country's current IDF, with its length per channel."""
    group: str
    weights: dict[str, float]
    norms: list[float]


class Vectors:
    """Feature counts of documents with incremental per-country document frequencies."""

    def __init__(self) -> None:
        self._groups: dict[str, _Group] = {}
        self._docs: dict[int, _Doc] = {}
        # partition -> feature -> array of document id << 8 | count: compact, as most postings hold one or two
        self._postings: dict[Hashable, dict[str, array]] = {}
        self._partition_group: dict[Hashable, str] = {}

    def __len__(self) -> int:
        return len(self._docs)

    def _group(self, name: str) -> _Group:
        group = self._groups.get(name)
        if group is None:
            group = self._groups[name] = _Group()
        return group

    def idf(self, feature: str, group: str) -> float:
        """A feature's IDF among one country's documents."""
        return self._group(group).idf(feature)

    def add(self, doc: int, partition: Hashable, group: str, counts: dict[str, int], counted: bool = True) -> None:
        """Index a document's feature counts under a partition of one country, replacing any earlier version.

        An uncounted document (a project under review) is found and scored but leaves the country's document
        frequencies alone: every asker's weights come from public documents only, so scores against plans
        and published projects never move because of unpublished work.
        """
        self.discard(doc)
        postings = self._postings.setdefault(partition, {})
        self._partition_group[partition] = group
        features = tuple(sys.intern(feature) for feature in counts)
        capped = bytes(min(count, 255) for count in counts.values())
        for feature, count in zip(features, capped):
            posting = postings.get(feature)
            if posting is None:
                posting = postings[feature] = array("q")
            posting.append(doc << 8 | count)
        if counted:
            self._group(group).count(features, 1)
        self._docs[doc] = _Doc(partition, group, features, capped, [], -1, counted)

    def discard(self, doc: int) -> None:
        """Drop a document; unknown ids are ignored."""
        entry = self._docs.pop(doc, None)
        if entry is None:
            return
        postings = self._postings[entry.partition]
        for feature, count in zip(entry.features, entry.counts):
            posting = postings[feature]
            posting.remove(doc << 8 | count)
            if not posting:
                del postings[feature]
        if entry.counted:
            self._groups[entry.group].count(entry.features, -1)

    def query(self, counts: dict[str, int], group: str) -> Query:
        """Weight a draft's counts with its country's current IDF."""
        idf = self._group(group).idf
        weights = {f: tf(c) * idf(f) for f, c in counts.items()}
        norms = [0.0] * len(CHANNELS)
        for feature, weight in weights.items():
            norms[CHANNELS[feature[0]]] += weight * weight
        return Query(group, weights, [math.sqrt(n) for n in norms])

    def dots(self, query: Query, partitions: Iterable[Hashable]) -> dict[int, list[float]]:
        """Dot products per channel with every document of the partitions sharing a feature."""
        found: dict[int, list[float]] = {}
        for partition in partitions:
            postings = self._postings.get(partition)
            if not postings:
                continue
            idf = self._groups[self._partition_group[partition]].idf
            for feature, weight in query.weights.items():
                posting = postings.get(feature)
                if not posting:
                    continue
                scaled, channel = weight * idf(feature), CHANNELS[feature[0]]
                for code in posting:
                    acc = found.get(code >> 8)
                    if acc is None:
                        acc = found[code >> 8] = [0.0, 0.0, 0.0, 0.0]
                    acc[channel] += scaled * _TF[code & 255]
        return found

    def dot(self, query: Query, doc: int) -> list[float]:
        """Dot products per channel with one document, whatever its partition."""
        entry = self._docs[doc]
        idf = self._groups[entry.group].idf
        acc = [0.0, 0.0, 0.0, 0.0]
        for feature, count in zip(entry.features, entry.counts):
            weight = query.weights.get(feature)
            if weight is not None:
                acc[CHANNELS[feature[0]]] += weight * idf(feature) * _TF[count]
        return acc

    def norms(self, doc: int) -> list[float]:
        """A document's vector length per channel, recomputed when its country's IDF generation moved on."""
        entry = self._docs[doc]
        group = self._groups[entry.group]
        if entry.generation != group.generation:
            sums = [0.0] * len(CHANNELS)
            log_n, df = math.log(group.n + 1) + IDF_FLOOR, group.df
            for feature, count in zip(entry.features, entry.counts):
                weight = _TF[count] * (log_n - math.log(df[feature] + 1))
                sums[CHANNELS[feature[0]]] += weight * weight
            entry.norms, entry.generation = [math.sqrt(s) for s in sums], group.generation
        return entry.norms

    def counts(self, doc: int) -> dict[str, int]:
        """The raw feature counts of a document (for explaining a match)."""
        entry = self._docs[doc]
        return dict(zip(entry.features, entry.counts))


def similarity(query: Query, dots: list[float], norms: list[float]) -> tuple[float, float]:
    """(text, concept) cosines; text channels weigh as much as the draft has of each."""
    mass = sum(query.norms[ch] ** 2 for ch in TEXT_CHANNELS)
    text = 0.0
    for ch in TEXT_CHANNELS:
        if dots[ch] and norms[ch]:
            text += (query.norms[ch] ** 2 / mass) * dots[ch] / (query.norms[ch] * norms[ch])
    k = CHANNELS["k"]
    concept = dots[k] / (query.norms[k] * norms[k]) if dots[k] and norms[k] else 0.0
    return min(text, 1.0), min(concept, 1.0)
