"""The overlap engine's compact inverted index scores exactly what TF-IDF cosines say, through any mix of adds,
removals and merges, and survives a saved copy unchanged."""
from __future__ import annotations

import math
import pickle
import random
import subprocess
import sys

import pytest

from smartcities.overlap.engine import store
from smartcities.overlap.engine.store import Vectors, keys

VOCABULARY = [f"{channel}|{word}" for channel in "wvck" for word in
              ("flood", "sensor", "canal", "waste", "bank", "app", "wall", "bus", "ticket", "clinic", "solar", "lamp")]


def _reference(docs: dict, counts: dict[str, int], group: str, partitions: list) -> dict[int, tuple[float, float]]:
    """The definition, written out: per-country IDF over counted documents, sublinear TF, cosines per channel."""
    n, df = {}, {}
    for _, country, features, counted in docs.values():
        if counted:
            n[country] = n.get(country, 0) + 1
            for feature in features:
                df[(country, feature)] = df.get((country, feature), 0) + 1

    def idf(feature, country):
        return math.log((n.get(country, 0) + 1) / (df.get((country, feature), 0) + 1)) + store.IDF_FLOOR

    weights = {f: store.tf(c) * idf(f, group) for f, c in counts.items()}
    query_norms = [0.0] * 4
    for feature, weight in weights.items():
        query_norms[store.CHANNELS[feature[0]]] += weight * weight
    query_norms = [math.sqrt(value) for value in query_norms]
    mass = sum(query_norms[ch] ** 2 for ch in store.TEXT_CHANNELS)
    found = {}
    for doc, (partition, country, features, _) in docs.items():
        if partition not in partitions or not weights.keys() & features.keys():
            continue
        dots, norms = [0.0] * 4, [0.0] * 4
        for feature, count in features.items():
            weight = store.tf(min(count, 255)) * idf(feature, country)   # a document's counts are kept in a byte
            norms[store.CHANNELS[feature[0]]] += weight * weight
            if feature in weights:
                dots[store.CHANNELS[feature[0]]] += weights[feature] * weight
        norms = [math.sqrt(value) for value in norms]
        text = sum((query_norms[ch] ** 2 / mass) * dots[ch] / (query_norms[ch] * norms[ch])
                   for ch in store.TEXT_CHANNELS if dots[ch] and norms[ch])
        concept = dots[3] / (query_norms[3] * norms[3]) if dots[3] and norms[3] else 0.0
        found[doc] = (min(text, 1.0), min(concept, 1.0))
    return found


def _random_counts(rng: random.Random) -> dict[str, int]:
    return {feature: rng.choice((1, 1, 2, 3, 300)) for feature in rng.sample(VOCABULARY, rng.randint(1, 8))}


@pytest.mark.parametrize("seed", range(4))
def test_cosines_equal_the_definition_through_adds_removals_and_merges(monkeypatch, seed):
    monkeypatch.setattr(store, "MERGE_AT", 3)   # merge all the time, so blocks, tails and dead postings mix
    rng = random.Random(seed)
    vectors, docs, next_doc = Vectors(), {}, 1
    partitions = [("projects", "bangkok"), ("projects", "hanoi"), ("plans", "national", "TH")]
    # Fewer than 20 counted documents per country: every change moves the IDF generation, so no cached length
    # may lag behind (the 5% tolerance of larger collections is by design).
    for _ in range(60):
        if docs and rng.random() < 0.35:
            doc = rng.choice(sorted(docs))
            vectors.discard(doc)
            del docs[doc]
        else:
            partition = rng.choice(partitions)
            country = "VN" if partition[1] == "hanoi" else "TH"
            counts, counted = _random_counts(rng), rng.random() < 0.8
            vectors.add(next_doc, partition, country, counts, counted=counted)
            docs[next_doc] = (partition, country, counts, counted)
            next_doc += 1
        assert len(vectors) == len(docs)
        counts, group = _random_counts(rng), rng.choice(("TH", "VN", "LA"))
        wanted = rng.sample(partitions, 2)
        query = vectors.query(counts, group)
        got, expected = vectors.cosines(query, wanted), _reference(docs, counts, group, wanted)
        assert got.keys() == expected.keys()
        for doc, values in expected.items():
            assert got[doc] == pytest.approx(values, abs=1e-12)
            assert vectors.cosine(query, doc) == pytest.approx(values, abs=1e-12)
            assert vectors.shared(query, doc) == counts.keys() & docs[doc][2].keys()


def test_a_saved_copy_scores_the_same_and_holds_only_sorted_blocks():
    rng = random.Random(7)
    vectors = Vectors()
    for doc in range(1, 200):
        vectors.add(doc, ("projects", rng.choice(("bangkok", "hanoi"))), "TH", _random_counts(rng))
    for doc in range(1, 200, 3):
        vectors.discard(doc)
    query = vectors.query(_random_counts(rng), "TH")
    before = vectors.cosines(query, [("projects", "bangkok"), ("projects", "hanoi")])
    vectors.compact()
    copy = pickle.loads(pickle.dumps(vectors, protocol=pickle.HIGHEST_PROTOCOL))
    assert all(not len(part.tail[1]) and not part.dead for part in copy._partitions)
    assert all(not group.new for group in copy._groups)
    again = copy.cosines(query, [("projects", "bangkok"), ("projects", "hanoi")])
    assert again.keys() == before.keys() and len(copy) == len(vectors) == 132
    for doc, values in before.items():
        assert again[doc] == pytest.approx(values, abs=1e-12)


def test_keys_are_the_same_in_every_process_and_keep_the_channel():
    """A saved copy is read by other processes, whose string hashes are seeded differently."""
    script = "from smartcities.overlap.engine.store import keys; print(keys(['w|flood', 'c|น้ำท่วม']).tolist())"
    outputs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                              env={"PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert outputs == {f"{keys(['w|flood', 'c|น้ำท่วม']).tolist()}\n"}
    found = keys([f"{channel}|x" for channel in "wvck"])
    assert (found >> 62).tolist() == [0, 1, 2, 3] and len(set(keys(VOCABULARY).tolist())) == len(VOCABULARY)
