"""Small text helpers shared by every domain."""
from __future__ import annotations

import functools
import re
import unicodedata


def slugify(value: str) -> str:
    """ASCII slug for URLs: 'Đà Nẵng' -> 'da-nang', 'Cebu City' -> 'cebu-city'."""
    folded = unicodedata.normalize("NFKD", value.replace("Đ", "D").replace("đ", "d"))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


@functools.cache
def _fold_table() -> dict[int, int | None]:
    """Code points of the Basic Multilingual Plane that folding changes: Latin accents (U+0300-U+036F) go, any
    punctuation, symbol, space or control becomes a space. Letters, digits and the other scripts' marks stay:
    a Thai, Khmer, Lao or Burmese vowel sign is part of its word."""
    table: dict[int, int | None] = {code: None for code in range(0x300, 0x370)}
    for code in range(0x10000):
        if code not in table and unicodedata.category(chr(code))[0] not in "LMN":
            table[code] = 0x20
    return table


def fold(value: str) -> str:
    """Text as search compares it: no case, no Latin accents, words separated by single spaces.

    'Đà Nẵng' -> 'da nang', 'E-Health!' -> 'e health'; Thai, Khmer, Lao and Burmese keep their letters and marks
    (they write no spaces between words, so a word is found inside its run of text).
    """
    normal = unicodedata.normalize("NFKD", value.replace("Đ", "D").replace("đ", "d")).casefold()
    return " ".join(normal.translate(_fold_table()).split())


class FieldError(ValueError):
    """A single field's value is wrong; the message says how.

    `problem` is the message without the field's name (for errors keyed by field), `field` the name if given:
    str() is "title must not contain …", `problem` "must not contain …".
    """

    def __init__(self, problem: str, field: str | None = None):
        super().__init__(f"{field} {problem}" if field else problem)
        self.problem, self.field = problem, field


# Characters that can hide or reorder what a reader sees: the explicit bidi embeddings, overrides and isolates,
# and the bidi marks (LRM, RLM, ALM). Zero-width joiners (U+200C, U+200D), which Khmer, Burmese and emoji need,
# are not among them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# and lone UTF-16 surrogates (JSON may escape one, "\ud800"), which no UTF-8 text or database can hold.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ud800-\udfff]")


def clean_text(value: str | None, field: str, max_length: int, multiline: bool = False) -> str:
    """The one input-hygiene rule for free text: `value` stripped, or FieldError naming `field`.

    Refused: NUL, the bidi controls and lone surrogates; any other C0/C1 control character except tab, newline
    and carriage return (and, unless `multiline`, newline and carriage return as well); more than `max_length`
    characters once stripped (the column's size, so the database never sees a longer value). None is "".
    Nothing else is changed: combining marks, joiners and emoji pass as they came.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FieldError("must be text", field)
    allowed = "\t\n\r" if multiline else "\t"
    for match in _CONTROL.finditer(value):
        char = match.group()
        if char in allowed:
            continue
        code = f"U+{ord(char):04X}"
        if char == "\x00":
            raise FieldError(f"must not contain a NUL character ({code})", field)
        if char in BIDI_CONTROLS:
            raise FieldError(f"must not contain {code}, a bidirectional control character", field)
        if "\ud800" <= char <= "\udfff":
            raise FieldError(f"must not contain {code}, half of a UTF-16 surrogate pair", field)
        if char in "\n\r":
            raise FieldError("must be a single line (no line breaks)", field)
        raise FieldError(f"must not contain the control character {code}", field)
    value = value.strip()
    if len(value) > max_length:
        raise FieldError(f"must be at most {max_length:,} characters", field)
    return value
