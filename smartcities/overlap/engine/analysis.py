"""What the overlap check reads in a document (features and concepts) and how it names a text match."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from smartcities.overlap.engine.concepts import find
from smartcities.overlap.engine.text import Parsed, bigram, features, parse, run_pieces

# Character n-grams shorter than this are too common to show a reviewer as a shared phrase.
_MIN_SHOWN_NGRAM = 4


@dataclass
class Analysis:
    counts: Counter              # feature -> count; concepts are the "k|" features
    concepts: dict[str, str]     # concept -> the words that first named it
    title: Parsed
    text: Parsed


def analyse(title: str, text: str = "", extra_stop: frozenset[str] = frozenset()) -> Analysis:
    """Features and concepts of a title and its text; `extra_stop` words (the city's name) are ignored."""
    parsed_title, parsed_text = parse(title, extra_stop), parse(text, extra_stop)
    counts = features(parsed_title, parsed_text)
    concepts: dict[str, str] = {}
    for parsed, raw, weight in ((parsed_title, title, 2), (parsed_text, text, 1)):
        for concept, surfaces in find(raw, parsed).items():
            counts["k|" + concept] += weight * len(surfaces)
            concepts.setdefault(concept, surfaces[0])
    return Analysis(counts, concepts, parsed_title, parsed_text)


class PhraseFinder:
    """The draft's words and phrases that another document shares, to show a reviewer.

    The draft's candidate features are laid out once per check; each flagged document then costs only
    lookups. Neighbouring shared bigrams merge into one phrase ("flood early warning"), and in scripts
    without spaces shared character n-grams merge into the longest shared stretch of text.
    """

    def __init__(self, draft: Analysis, idf: Callable[[str], float]) -> None:
        self._idf: dict[str, float] = {}
        self._sentences = []
        for parsed in (draft.title, draft.text):
            words = parsed.words
            bigrams = [None] + [bigram(words[i - 1], words[i]) for i in range(1, len(words))]
            unigrams = ["w|" + w.key if w.kind == "content" else None for w in words]
            self._sentences.append((words, bigrams, unigrams))
        self._pieces = []
        for run in draft.title.runs + draft.text.runs:
            for piece in run_pieces(run):
                grams = [(s, n, "c|" + piece[s:s + n]) for n in (_MIN_SHOWN_NGRAM, _MIN_SHOWN_NGRAM + 1)
                         for s in range(len(piece) - n + 1)]
                self._pieces.append((piece, grams))
        for feature in draft.counts:
            self._idf[feature] = idf(feature)

    def _words(self, other: dict[str, int]) -> list[tuple[float, str]]:
        phrases = []
        for words, bigrams, unigrams in self._sentences:
            covered, i = set(), 1
            while i < len(words):
                start, weight = i, 0.0
                while i < len(words) and bigrams[i] in other:
                    weight += self._idf[bigrams[i]]
                    i += 1
                if i > start:
                    phrases.append((weight, " ".join(w.exact for w in words[start - 1:i])))
                    covered.update(range(start - 1, i))
                else:
                    i += 1
            phrases += [(self._idf[feature], words[n].exact) for n, feature in enumerate(unigrams)
                        if feature in other and n not in covered]
        return phrases

    def _runs(self, other: dict[str, int]) -> list[tuple[float, str]]:
        phrases = []
        for piece, grams in self._pieces:
            weights = [0.0] * (len(piece) + 1)
            for start, n, feature in grams:
                if feature in other:
                    weight = self._idf[feature]
                    for pos in range(start, start + n):
                        if weights[pos] < weight:
                            weights[pos] = weight
            begin = None
            for pos, weight in enumerate(weights):
                if weight and begin is None:
                    begin = pos
                elif not weight and begin is not None:
                    phrases.append((sum(weights[begin:pos]) / 2, piece[begin:pos]))
                    begin = None
        return phrases

    def phrases(self, other: dict[str, int], limit: int = 4) -> list[str]:
        """The shared phrases, most telling (highest summed IDF) first, none inside another."""
        found: dict[str, float] = {}
        for weight, phrase in self._words(other) + self._runs(other):
            found[phrase] = max(found.get(phrase, 0.0), weight)
        kept: list[str] = []
        for phrase in sorted(found, key=lambda phrase: -found[phrase]):
            if not any(phrase in longer for longer in kept):
                kept.append(phrase)
        return kept[:limit]
