"""Text normalisation and lexical features for the overlap check, for every ASEAN language.

Spaced scripts (English, Vietnamese, Bahasa, Filipino) give word features: unigrams and bigrams of the
ASCII-folded, lightly stemmed tokens (channel "w") plus the exact Vietnamese syllables with their
diacritics (channel "v"), so text with and without diacritics both match. Thai, Lao, Khmer and Burmese
write words without spaces: runs of those scripts give character 3–5-grams (channel "c").
Stop-words and generic smart-city filler never become unigram features; a bigram keeps a single filler
word ("smart pole", "city bus") because the pair is specific even when the word is not.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from smartcities.overlap.engine import stopwords
from smartcities.overlap.engine.stopwords import SPELLING

# Thai, Lao, Myanmar (+ extensions), Khmer (+ symbols).
UNSPACED = "\u0e00-\u0eff\u1000-\u109f\ua9e0-\ua9ff\uaa60-\uaa7f\u1780-\u17ff\u19e0-\u19ff"
_TOKEN = re.compile(rf"(?P<run>[{UNSPACED}]+)|(?P<word>[^\W_{UNSPACED}]+)")
_PM25 = re.compile(r"\bpm\s*2[.,]5\b")
_DECIMAL = re.compile(r"(?<=\d)[.,](?=\d)")
# Between two words only spaces, hyphens or slashes keep them in one phrase ("water-level sensor").
_JOINING_GAP = re.compile(r"[\s\-/]*")
NGRAMS = (3, 4, 5)


def normalise(text: str) -> str:
    """NFKC, casefold, and one spelling for numbers such as 'PM2.5' (-> 'pm25') and '1,000'."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return _DECIMAL.sub("", _PM25.sub("pm25", text))


_DISPLAY = ((re.compile("\u0e4d\u0e32"), "\u0e33"), (re.compile("\u0ecd\u0eb2"), "\u0eb3"),
            (re.compile(r"\bpm25\b"), "PM2.5"))


def display(text: str) -> str:
    """Undo for a reader what normalise() did for matching: 'pm25' -> 'PM2.5', and SARA AM split by NFKC."""
    for pattern, replacement in _DISPLAY:
        text = pattern.sub(replacement, text)
    return text


def fold(token: str) -> str:
    """ASCII fold of a Latin-script token: 'ngập' -> 'ngap', 'đường' -> 'duong'."""
    if token.isascii():
        return token
    decomposed = unicodedata.normalize("NFKD", token.replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def stem(token: str) -> str:
    """Plural folding for English-like tokens; enough to match 'sensors' with 'sensor'."""
    token = SPELLING.get(token, token)
    if len(token) <= 3 or not token.isalpha():
        return token
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith(("sses", "ches", "shes", "xes", "uses")):
        return token[:-2]
    if token.endswith("s") and not token.endswith(("ss", "us", "is")):
        token = token[:-1]
    return SPELLING.get(token, token)


def keys_of(text: str) -> list[str]:
    """The folded, stemmed word keys of a text, as features and lexicon terms use them."""
    return [stem(fold(m.group())) for m in _TOKEN.finditer(normalise(text)) if m.lastgroup == "word"]


STOP = frozenset(stem(fold(w)) for w in stopwords.STOP_WORDS.split())
STOP_EXACT = frozenset(normalise(stopwords.STOP_EXACT_WORDS).split())
FILLER = frozenset(stem(fold(w)) for w in stopwords.FILLER_WORDS.split())
FILLER_PHRASES = frozenset(tuple(keys_of(line)) for line in stopwords.FILLER_PHRASE_LINES.strip().splitlines())
_NOISE = re.compile("|".join(sorted({re.escape(normalise(w)) for w in stopwords.UNSPACED_NOISE},
                                    key=len, reverse=True)))


@dataclass(frozen=True)
class Word:
    key: str        # folded, stemmed: the "w" feature
    exact: str      # as written, casefolded: also the "v" feature when it carries diacritics
    kind: str       # "content", "filler" or "stop"
    joined: bool    # directly follows the previous word (no punctuation between)


@dataclass
class Parsed:
    """One text cut into words (spaced scripts) and runs (unspaced scripts)."""
    words: list[Word] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)


def _kinds(keys: list[str], exacts: list[str], extra_stop: frozenset[str]) -> list[str]:
    kinds = ["content"] * len(keys)
    for i, (key, exact) in enumerate(zip(keys, exacts)):
        if key in STOP or exact in STOP_EXACT or key in extra_stop or len(key) < 2:
            kinds[i] = "stop"
        elif key in FILLER:
            kinds[i] = "filler"
    for size in (3, 2):
        for i in range(len(keys) - size + 1):
            if tuple(keys[i:i + size]) in FILLER_PHRASES:
                for j in range(i, i + size):
                    if kinds[j] == "content":
                        kinds[j] = "filler"
    return kinds


def parse(text: str, extra_stop: frozenset[str] = frozenset()) -> Parsed:
    """Words and unspaced-script runs of a text; `extra_stop` are folded words to ignore (a city's name)."""
    norm = normalise(text)
    parsed = Parsed()
    keys, exacts, joined = [], [], []
    previous_end = None
    for match in _TOKEN.finditer(norm):
        if match.lastgroup == "run":
            parsed.runs.append(match.group())
            previous_end = None
            continue
        token = match.group()
        folded = fold(token)
        keys.append(stem(folded))
        exacts.append(token)
        gap = norm[previous_end:match.start()] if previous_end is not None else None
        joined.append(gap is not None and _JOINING_GAP.fullmatch(gap) is not None)
        previous_end = match.end()
    kinds = _kinds(keys, exacts, extra_stop)
    parsed.words = [Word(k, e, kind, j) for k, e, kind, j in zip(keys, exacts, kinds, joined)]
    return parsed


def run_pieces(run: str) -> list[str]:
    """A run with its function words and filler cut out, as the pieces between them."""
    return [piece for piece in _NOISE.sub(" ", run).split() if piece]


def bigram(left: Word, right: Word) -> str | None:
    """The bigram feature of two neighbouring words: none across punctuation or a stop-word, nor of two fillers."""
    if right.joined and "stop" not in (left.kind, right.kind) and "content" in (left.kind, right.kind):
        return f"w|{left.key} {right.key}"
    return None


def features(title: Parsed, text: Parsed) -> Counter:
    """Feature counts of a document: the title counts twice, being its densest description."""
    counts: Counter = Counter()
    for parsed, weight in ((title, 2), (text, 1)):
        words = parsed.words
        for i, word in enumerate(words):
            if word.kind == "content":
                counts["w|" + word.key] += weight
                if not word.exact.isascii():
                    counts["v|" + word.exact] += weight
            pair = bigram(words[i - 1], word) if i else None
            if pair:
                counts[pair] += weight
        for run in parsed.runs:
            for piece in run_pieces(run):
                for n in NGRAMS:
                    for start in range(len(piece) - n + 1):
                        counts["c|" + piece[start:start + n]] += weight
    return counts
