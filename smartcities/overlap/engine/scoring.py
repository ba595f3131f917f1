"""How an overlap's signals combine into a score and a severity, and the wording of its text evidence."""
from __future__ import annotations

from smartcities.overlap.engine.text import display

# A text cosine this high counts as full text evidence: paraphrases rarely go above it.
TEXT_FULL = 0.5
# A shared concept alone is strong evidence but not certainty: the same kind of thing can be two projects.
CONCEPT_WEIGHT = 0.7
# Below both, the shared words are incidental ("residents", "district"): never a flag on their own.
MIN_TEXT = 0.12
MIN_CONCEPT = 0.35
# High blocks submission until justified, so a shared concept alone (at most CONCEPT_WEIGHT) stays medium:
# high needs the words to agree as well.
HIGH, MEDIUM = 0.75, 0.5


def content(text: float, concept: float) -> float:
    """How much the two describe the same thing: text and concept evidence combined as a noisy-or."""
    if text < MIN_TEXT and concept < MIN_CONCEPT:
        return 0.0
    return 1.0 - (1.0 - min(1.0, text / TEXT_FULL)) * (1.0 - CONCEPT_WEIGHT * concept)


def plan_score(text: float, concept: float, focus: float) -> float:
    """A plan initiative: content, tempered when the focus areas differ."""
    return content(text, concept) * (0.8 + 0.2 * focus)


def project_score(text: float, concept: float, focus: float, nearness: float, partners: bool) -> float:
    """Another project: content, tempered by focus and distance; a shared partner raises double funding."""
    score = content(text, concept) * (0.7 + 0.1 * focus + 0.2 * nearness)
    if partners and score:
        score += 0.15
    return min(score, 1.0)


def severity(score: float) -> str:
    """high, medium or low."""
    return "high" if score >= HIGH else "medium" if score >= MEDIUM else "low"


def text_reason(similarity: float, phrases: list[str]) -> str:
    """'Text similarity 0.72; shared phrases: "flood early warning", "sensor"'."""
    reason = f"Text similarity {similarity:.2f}"
    if phrases:
        reason += "; shared phrases: " + ", ".join(f'"{display(phrase)}"' for phrase in phrases)
    return reason


def meaning_reason(similarity: float, draft_text: str, other_text: str) -> str:
    """'similar meaning (0.91): "…" ~ "…"', naming the two sentences that matched (shortened)."""
    return f'similar meaning ({similarity:.2f}): "{_shorten(display(draft_text))}" ~ "{_shorten(display(other_text))}"'


def _shorten(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def concept_reason(label: str, draft_words: str, other_words: str) -> str:
    """'same concept: flood early warning ("น้ำท่วม" ~ "flood")'."""
    draft_words, other_words = display(draft_words), display(other_words)
    if draft_words == other_words:
        return f'same concept: {label} ("{draft_words}")'
    return f'same concept: {label} ("{draft_words}" ~ "{other_words}")'
