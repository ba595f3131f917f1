"""Finds the lexicon's smart-city concepts in a text, with the words that named them."""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from smartcities.overlap.engine.lexicon import CONCEPTS
from smartcities.overlap.engine.text import UNSPACED, Parsed, keys_of, normalise

LABELS = {key: label for key, label, _ in CONCEPTS}
_HAS_UNSPACED = re.compile(f"[{UNSPACED}]")


@dataclass(frozen=True)
class _Compiled:
    by_first_key: dict[str, list[tuple[tuple[str, ...], str]]]   # first word key -> (all keys, concept)
    substrings: dict[str, list[tuple[str, str]]]                 # first two letters -> (term, concept)
    acronyms: re.Pattern | None                                  # case-sensitive short acronyms
    acronym_concepts: dict[str, str]


def _compile() -> _Compiled:
    by_first: dict[str, list] = defaultdict(list)
    substrings: dict[str, list] = defaultdict(list)
    acronyms = {}
    for key, _, terms in CONCEPTS:
        for term in (t.strip() for t in terms.split(";")):
            if not term:
                continue
            if _HAS_UNSPACED.search(term):
                term = normalise(term)
                substrings[term[:2]].append((term, key))
            elif term.isalpha() and term.isupper() and len(term) <= 3:
                acronyms[term] = key
            else:
                keys = tuple(keys_of(term))
                if keys and (keys, key) not in by_first[keys[0]]:
                    by_first[keys[0]].append((keys, key))
    for entries in by_first.values():
        entries.sort(key=lambda entry: -len(entry[0]))  # longest term first: its words are the surface
    pattern = None
    if acronyms:
        alternatives = "|".join(sorted(acronyms, key=len, reverse=True))
        pattern = re.compile(rf"(?<![A-Za-z0-9])({alternatives})s?(?![A-Za-z0-9])")
    return _Compiled(dict(by_first), dict(substrings), pattern, acronyms)


_LEXICON = _compile()


def find(raw: str, parsed: Parsed) -> dict[str, list[str]]:
    """Concept key -> the surface words that named it, once per occurrence, in text order."""
    found: dict[str, list[str]] = defaultdict(list)
    words = parsed.words
    for i, word in enumerate(words):
        named_here = set()
        for keys, concept in _LEXICON.by_first_key.get(word.key, ()):
            n = len(keys)
            if concept not in named_here and tuple(w.key for w in words[i:i + n]) == keys:
                named_here.add(concept)
                found[concept].append(" ".join(w.exact for w in words[i:i + n]))
    for run in parsed.runs:
        # Overlapping terms ("ป้ายรถเมล์" holds "รถเมล์") count once: the most frequent, then the longest.
        best: dict[str, tuple[int, int, str]] = {}
        starts = {run[i:i + 2] for i in range(len(run) - 1)} & _LEXICON.substrings.keys()
        for term, concept in (entry for start in starts for entry in _LEXICON.substrings[start]):
            count = run.count(term)
            if count and (count, len(term)) > best.get(concept, (0, 0, ""))[:2]:
                best[concept] = (count, len(term), term)
        for concept, (count, _, term) in best.items():
            found[concept].extend([term] * count)
    if _LEXICON.acronyms is not None:
        for match in _LEXICON.acronyms.finditer(unicodedata.normalize("NFKC", raw or "")):
            found[_LEXICON.acronym_concepts[match.group(1)]].append(match.group(1))
    return dict(found)
