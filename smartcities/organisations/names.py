"""One organisation, many names: the key under which every way of writing a name is found.

"Asian Development Bank", "ASIAN DEVELOPMENT BANK (ADB)", "ADB" and "XM-DAC-46004" are one organisation; so are
"Siam Cement Public Company Limited" and "Siam Cement", "PT Telkom Indonesia Tbk" and "Telkom Indonesia",
"U.S.-ASEAN" and "US ASEAN". A key ignores case, diacritics, punctuation and legal forms.
"""
from __future__ import annotations

import re
import unicodedata

# Legal forms, written after the name (or, for the first two, before it), in the languages of the region.
LEGAL_SUFFIXES = frozenset(
    "ltd limited co company companies corp corporation inc incorporated plc pcl public llc llp lp gmbh ag sa "
    "nv bv kk jsc sdn bhd berhad pte tbk persero tnhh cp mtv".split())
LEGAL_PREFIXES = frozenset({"pt", "cv"})
_PARENTHESES = re.compile(r"\(([^()]*)\)")


def _plain(text: str) -> str:
    """Lower case, diacritics dropped (đ is d), every character that is not a letter or digit a space."""
    folded = unicodedata.normalize("NFKD", text.casefold().replace("đ", "d"))
    letters = "".join(c if c.isalnum() else " " for c in folded if not unicodedata.combining(c))
    return " ".join(letters.split())


def _join_initials(words: list[str]) -> list[str]:
    """Runs of single letters are one word: "u s asean" is "us asean"."""
    joined, run = [], ""
    for word in words:
        if len(word) == 1 and word.isalpha():
            run += word
            continue
        joined += [run, word] if run else [word]
        run = ""
    return joined + [run] if run else joined


def name_key(name: str) -> str:
    """The key of a name ("" for a name of punctuation only); legal forms go unless they are all it has."""
    core = _join_initials(_plain(name).split())
    while len(core) > 1 and core[-1] in LEGAL_SUFFIXES:
        core.pop()
    if len(core) > 1 and core[0] in LEGAL_PREFIXES:
        core.pop(0)
    return " ".join(core)


def name_keys(name: str) -> set[str]:
    """Every key a name is found under: the whole name, the name without its parentheses, and what they hold
    ("Asian Development Bank (ADB)": the three of them)."""
    keys = {name_key(name), name_key(_PARENTHESES.sub(" ", name))}
    keys |= {name_key(inside) for inside in _PARENTHESES.findall(name)}
    return {key for key in keys if key}


def lookup_keys(name: str) -> list[str]:
    """The keys to look a written name up by, surest first: the whole name, then the name without its
    parentheses ("World Bank (IBRD)" finds the World Bank). What parentheses hold alone is not looked up: it
    names an organisation only when that organisation says so (an acronym it was given)."""
    keys = [name_key(name), name_key(_PARENTHESES.sub(" ", name))]
    return [key for n, key in enumerate(keys) if key and key not in keys[:n]]
