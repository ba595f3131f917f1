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

The layout holds no Python object per feature or posting, so 100,000 projects fit in a worker's memory and a
saved copy is a few large buffers that load in seconds: a feature is a 64-bit key (a BLAKE2 digest, the same
in every process, with its channel in the top two bits); each partition's postings are one block of numpy
arrays sorted by key, plus a tail of the postings added since, merged into the block once it grows past a
quarter of it; a removed document is marked dead and leaves the block at the next merge. A country's document
frequencies are a sorted block too, with a dict of the keys new since.
"""
from __future__ import annotations

import hashlib
import math
from array import array
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

import numpy as np

CHANNELS = {"w": 0, "v": 1, "c": 2, "k": 3}   # words, diacritic words, character n-grams, concepts
TEXT_CHANNELS = (0, 1, 2)
IDF_FLOOR = 0.1
_TF = np.array([0.0] + [1.0 + math.log(n) for n in range(1, 256)])
_DIGEST = np.uint64((1 << 62) - 1)
_CHANNEL_SHIFT = np.uint64(62)
MERGE_AT = 4096   # a tail (postings, or a country's new keys) is merged once it holds this many and a quarter


def tf(count: int) -> float:
    """Sublinear term frequency: repeating a word says less each time."""
    return 1.0 + math.log(count) if count else 0.0


def keys(features: Iterable[str]) -> np.ndarray:
    """The features' keys: a 62-bit digest with the channel above it. Two features share a key with odds of
    about n² / 2⁶³ (for two million features, one in two million), so the index never keeps their text."""
    features = list(features)
    digests = np.frombuffer(b"".join(hashlib.blake2b(f.encode(), digest_size=8).digest() for f in features),
                            dtype=np.uint64)
    channels = np.fromiter((CHANNELS[f[0]] for f in features), dtype=np.uint64, count=len(features))
    return (digests & _DIGEST) | (channels << _CHANNEL_SHIFT)


def _channels(keys: np.ndarray) -> np.ndarray:
    return (keys >> _CHANNEL_SHIFT).astype(np.intp)


def _lookup(sorted_keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of `wanted` in `sorted_keys` and which of them are there."""
    if not len(sorted_keys):
        return np.zeros(len(wanted), np.intp), np.zeros(len(wanted), bool)
    positions = np.minimum(np.searchsorted(sorted_keys, wanted), len(sorted_keys) - 1)
    return positions, sorted_keys[positions] == wanted


class _Frequencies:
    """Document frequencies of one country's documents: a sorted block of keys and the keys new since."""

    def __init__(self) -> None:
        self.keys = np.empty(0, np.uint64)
        self.df = np.empty(0, np.int32)
        self.new: dict[int, int] = {}
        self._new_sorted: tuple[np.ndarray, np.ndarray] | None = None
        self.n = 0
        self.generation = 0
        self.n_at_generation = 0

    def frequencies(self, wanted: np.ndarray) -> np.ndarray:
        positions, found = _lookup(self.keys, wanted)
        out = np.where(found, self.df[positions] if len(self.keys) else 0, 0)
        if self.new:
            if self._new_sorted is None:
                new_keys = np.fromiter(self.new, np.uint64, len(self.new))
                order = np.argsort(new_keys)
                self._new_sorted = new_keys[order], np.fromiter(self.new.values(), np.int64, len(self.new))[order]
            new_keys, new_df = self._new_sorted
            positions, found = _lookup(new_keys, wanted)
            out = out + np.where(found, new_df[positions], 0)
        return out

    def idf(self, wanted: np.ndarray) -> np.ndarray:
        """Inverse document frequency: near zero for a feature in every document, so a text made only of
        everyday words cannot look similar; the small floor keeps a one-document index usable."""
        return np.log((self.n + 1) / (self.frequencies(wanted) + 1)) + IDF_FLOOR

    def count(self, features: np.ndarray, step: int) -> None:
        positions, found = _lookup(self.keys, features)
        self.df[positions[found]] += step   # a document's keys are distinct
        for key in features[~found].tolist():
            value = self.new.get(key, 0) + step
            if value:
                self.new[key] = value
            else:
                del self.new[key]
        self._new_sorted = None
        if len(self.new) > max(MERGE_AT, len(self.keys) // 4):
            self._merge()
        self.n += step
        if abs(self.n - self.n_at_generation) > 0.05 * self.n_at_generation:
            self.generation += 1
            self.n_at_generation = self.n

    def _merge(self) -> None:
        every = np.concatenate([self.keys, np.fromiter(self.new, np.uint64, len(self.new))])
        df = np.concatenate([self.df, np.fromiter(self.new.values(), np.int32, len(self.new))])
        order = np.argsort(every, kind="stable")
        kept = df[order] > 0
        self.keys, self.df = every[order][kept], df[order][kept]
        self.new, self._new_sorted = {}, None

    def compact(self) -> None:
        if self.new:
            self._merge()


class _Partition:
    """One partition's postings: a block sorted by key, and the postings added since in append-only arrays."""

    def __init__(self, group: int) -> None:
        self.group = group
        self.keys = np.empty(0, np.uint64)        # distinct keys of the block
        self.starts = np.zeros(1, np.int32)       # keys[i]'s postings are docs[starts[i]:starts[i + 1]]
        self.docs = np.empty(0, np.int32)
        self.counts = np.empty(0, np.uint8)
        self.tail = (array("Q"), array("i"), array("B"))   # keys, documents, counts
        self.dead = 0                              # postings of removed documents still held

    def append(self, doc: int, features: np.ndarray, counts: np.ndarray) -> None:
        keys_, docs, counts_ = self.tail
        keys_.frombytes(features.tobytes())
        docs.frombytes(np.full(len(features), doc, np.int32).tobytes())
        counts_.frombytes(counts.tobytes())

    def _tail(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        keys_, docs, counts = self.tail
        return (np.frombuffer(keys_, np.uint64), np.frombuffer(docs, np.int32), np.frombuffer(counts, np.uint8))

    def needs_merge(self) -> bool:
        waiting = len(self.tail[1]) + self.dead
        return waiting > max(MERGE_AT, len(self.docs) // 4)

    def merge(self, alive: np.ndarray) -> None:
        """Fold the tail into the block and drop the postings of removed documents."""
        tail_keys, tail_docs, tail_counts = self._tail()
        every = np.concatenate([np.repeat(self.keys, np.diff(self.starts)), tail_keys])
        docs = np.concatenate([self.docs, tail_docs])
        counts = np.concatenate([self.counts, tail_counts])
        live = alive[docs]
        every, docs, counts = every[live], docs[live], counts[live]
        order = np.argsort(every, kind="stable")
        every, self.docs, self.counts = every[order], docs[order], counts[order]
        firsts = np.flatnonzero(np.r_[True, every[1:] != every[:-1]]) if len(every) else np.empty(0, np.intp)
        self.keys = every[firsts]
        self.starts = np.append(firsts, len(every)).astype(np.int32)
        self.tail, self.dead = (array("Q"), array("i"), array("B")), 0

    def postings(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(index into `wanted`, document, count) of every posting of the wanted keys (sorted)."""
        positions, found = _lookup(self.keys, wanted)
        hits = positions[found]
        begins = self.starts[hits].astype(np.int64)
        lengths = self.starts[hits + 1] - begins
        at = np.repeat(begins - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
        which = [np.repeat(np.flatnonzero(found), lengths)]
        docs, counts = [self.docs[at]], [self.counts[at]]
        tail_keys, tail_docs, tail_counts = self._tail()
        if len(tail_keys) and len(wanted):
            positions, found = _lookup(wanted, tail_keys)
            which.append(positions[found])
            docs.append(tail_docs[found])
            counts.append(tail_counts[found])
        return np.concatenate(which), np.concatenate(docs), np.concatenate(counts)

    def entries(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(key, document, count) of every posting of the given documents, wherever they are held."""
        at = np.flatnonzero(np.isin(self.docs, docs))
        parts = [(self.keys[np.searchsorted(self.starts, at, "right") - 1], self.docs[at], self.counts[at])]
        tail_keys, tail_docs, tail_counts = self._tail()
        if len(tail_docs):
            mine = np.isin(tail_docs, docs)
            parts.append((tail_keys[mine], tail_docs[mine], tail_counts[mine]))
        return tuple(np.concatenate(column) for column in zip(*parts))


@dataclass
class Query:
    """A draft's features (in key order) weighted by its country's current IDF, with its length per channel."""
    group: str
    features: list[str]
    keys: np.ndarray
    channels: np.ndarray
    weights: np.ndarray
    norms: list[float]
    idf: dict[str, float]    # each feature's IDF in the draft's country
    # The postings its cosines read, grouped by document ((documents, bounds, query positions) per partition), so
    # the features a flagged document shares cost a lookup instead of a pass over its partition.
    read: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)


class Vectors:
    """Feature counts of documents with incremental per-country document frequencies."""

    def __init__(self) -> None:
        self._group_ids: dict[str, int] = {}
        self._groups: list[_Frequencies] = []
        self._partition_ids: dict[Hashable, int] = {}
        self._partitions: list[_Partition] = []
        # Per document id: its partition (-1: not indexed), features, whether counted, norms and their generation.
        self._partition_of = np.full(0, -1, np.int32)
        self._lengths = np.zeros(0, np.int32)
        self._counted = np.zeros(0, bool)
        self._generation = np.zeros(0, np.int32)
        self._norms = np.zeros((0, len(CHANNELS)))
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def _group(self, name: str) -> _Frequencies:
        number = self._group_ids.get(name)
        if number is None:
            number = self._group_ids[name] = len(self._groups)
            self._groups.append(_Frequencies())
        return self._groups[number]

    def _grow(self, doc: int) -> None:
        if doc < len(self._partition_of):
            return
        size = max(doc + 1, 2 * len(self._partition_of), 1024)
        extra = size - len(self._partition_of)
        self._partition_of = np.append(self._partition_of, np.full(extra, -1, np.int32))
        self._lengths = np.append(self._lengths, np.zeros(extra, np.int32))
        self._counted = np.append(self._counted, np.zeros(extra, bool))
        self._generation = np.append(self._generation, np.full(extra, -1, np.int32))
        self._norms = np.vstack([self._norms, np.zeros((extra, len(CHANNELS)))])

    def _alive(self) -> np.ndarray:
        return self._partition_of >= 0

    def add(self, doc: int, partition: Hashable, group: str, counts: dict[str, int], counted: bool = True) -> None:
        """Index a document's feature counts under a partition of one country, replacing any earlier version.

        An uncounted document (a project under review) is found and scored but leaves the country's document
        frequencies alone: every asker's weights come from public documents only, so scores against plans
        and published projects never move because of unpublished work.
        """
        self.discard(doc)
        number = self._partition_ids.get(partition)
        if number is None:
            self._group(group)
            number = self._partition_ids[partition] = len(self._partitions)
            self._partitions.append(_Partition(self._group_ids[group]))
        part = self._partitions[number]
        features = keys(counts)
        capped = np.fromiter((min(count, 255) for count in counts.values()), np.uint8, len(counts))
        part.append(doc, features, capped)
        if counted:
            self._groups[part.group].count(features, 1)
        self._grow(doc)
        self._partition_of[doc], self._lengths[doc], self._counted[doc] = number, len(features), counted
        self._generation[doc] = -1
        self._size += 1
        if part.needs_merge():
            part.merge(self._alive())

    def discard(self, doc: int) -> None:
        """Drop a document; unknown ids are ignored."""
        if doc >= len(self._partition_of) or self._partition_of[doc] < 0:
            return
        part = self._partitions[self._partition_of[doc]]
        if self._counted[doc]:
            features, _, _ = part.entries(np.array([doc], np.int32))
            self._groups[part.group].count(features, -1)
        self._partition_of[doc] = -1
        self._size -= 1
        part.dead += int(self._lengths[doc])
        if part.needs_merge():
            part.merge(self._alive())

    def compact(self) -> None:
        """Merge every tail, so a saved copy is only sorted blocks."""
        alive = self._alive()
        for part in self._partitions:
            if len(part.tail[1]) or part.dead:
                part.merge(alive)
        for group in self._groups:
            group.compact()

    def query(self, counts: dict[str, int], group: str) -> Query:
        """Weight a draft's counts with its country's current IDF."""
        features = list(counts)
        found = keys(features)
        order = np.argsort(found, kind="stable")
        features = [features[n] for n in order]
        found = found[order]
        number = self._group_ids.get(group)
        frequencies = self._groups[number] if number is not None else _Frequencies()
        idf = frequencies.idf(found)
        weights = (1.0 + np.log(np.fromiter((counts[f] for f in features), float, len(features)))) * idf
        channels = _channels(found)
        norms = np.sqrt(np.bincount(channels, weights * weights, minlength=len(CHANNELS)))
        return Query(group, features, found, channels, weights, norms.tolist(), dict(zip(features, idf.tolist())))

    def cosines(self, query: Query, partitions: Iterable[Hashable]) -> dict[int, tuple[float, float]]:
        """(text, concept) cosines with every document of the partitions sharing a feature."""
        found: dict[int, tuple[float, float]] = {}
        for partition in partitions:
            number = self._partition_ids.get(partition)
            if number is None:
                continue
            part = self._partitions[number]
            which, docs, counts = part.postings(query.keys)
            live = self._partition_of[docs] >= 0
            which, docs, counts = which[live], docs[live], counts[live]
            if not len(docs):
                continue
            order = np.argsort(docs, kind="stable")
            docs, which, counts = docs[order], which[order], counts[order]
            bounds = np.append(np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]]), len(docs))
            each = docs[bounds[:-1]]
            query.read.append((each, bounds, which))
            slot = np.repeat(np.arange(len(each)), np.diff(bounds))
            scaled = query.weights * self._groups[part.group].idf(query.keys)
            dots = np.bincount(slot * len(CHANNELS) + query.channels[which], scaled[which] * _TF[counts],
                               minlength=len(each) * len(CHANNELS)).reshape(-1, len(CHANNELS))
            self._refresh_norms(part, each)
            text, concept = _similarity(query, dots, self._norms[each])
            found.update(zip(each.tolist(), zip(text.tolist(), concept.tolist())))
        return found

    def cosine(self, query: Query, doc: int) -> tuple[float, float]:
        """(text, concept) cosines with one document, whatever its partition."""
        part = self._partitions[self._partition_of[doc]]
        features, _, counts = part.entries(np.array([doc], np.int32))
        positions, shared = _lookup(query.keys, features)
        positions, counts = positions[shared], counts[shared]
        scaled = query.weights[positions] * self._groups[part.group].idf(query.keys[positions]) * _TF[counts]
        dots = np.bincount(query.channels[positions], scaled, minlength=len(CHANNELS))
        self._refresh_norms(part, np.array([doc], np.int32))
        text, concept = _similarity(query, dots[np.newaxis], self._norms[[doc]])
        return float(text[0]), float(concept[0])

    def _refresh_norms(self, part: _Partition, docs: np.ndarray) -> None:
        """Recompute the lengths of those documents (sorted ids of this partition) whose country's IDF generation
        moved on since they were last computed."""
        group = self._groups[part.group]
        stale = docs[self._generation[docs] != group.generation]
        if not len(stale):
            return
        features, owners, counts = part.entries(stale)
        weights = _TF[counts] * group.idf(features)
        slot = np.searchsorted(stale, owners) * len(CHANNELS) + _channels(features)
        sums = np.bincount(slot, weights * weights, minlength=len(stale) * len(CHANNELS))
        self._norms[stale] = np.sqrt(sums.reshape(-1, len(CHANNELS)))
        self._generation[stale] = group.generation

    def shared(self, query: Query, doc: int) -> set[str]:
        """The draft's features that a document has too (for explaining a match)."""
        for each, bounds, which in query.read:
            n = int(np.searchsorted(each, doc))
            if n < len(each) and each[n] == doc:
                return {query.features[position] for position in which[bounds[n]:bounds[n + 1]].tolist()}
        features, _, _ = self._partitions[self._partition_of[doc]].entries(np.array([doc], np.int32))
        positions, found = _lookup(query.keys, features)
        return {query.features[n] for n in positions[found].tolist()}


def _similarity(query: Query, dots: np.ndarray, norms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(text, concept) cosines of documents (rows); text channels weigh as much as the draft has of each."""
    mass = sum(query.norms[ch] ** 2 for ch in TEXT_CHANNELS)
    text = np.zeros(len(dots))
    with np.errstate(divide="ignore", invalid="ignore"):
        for ch in TEXT_CHANNELS:
            if query.norms[ch]:
                part = (query.norms[ch] ** 2 / mass) * dots[:, ch] / (query.norms[ch] * norms[:, ch])
                text += np.where((dots[:, ch] != 0) & (norms[:, ch] != 0), part, 0.0)
        k = CHANNELS["k"]
        concept = dots[:, k] / (query.norms[k] * norms[:, k])
    concept = np.where((dots[:, k] != 0) & (norms[:, k] != 0), concept, 0.0)
    return np.minimum(text, 1.0), np.minimum(concept, 1.0)
