"""Small text helpers shared by every domain."""
from __future__ import annotations

import re
import unicodedata


def slugify(value: str) -> str:
    """ASCII slug for URLs: 'Đà Nẵng' -> 'da-nang', 'Cebu City' -> 'cebu-city'."""
    folded = unicodedata.normalize("NFKD", value.replace("Đ", "D").replace("đ", "d"))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
