"""Search over projects' text: forgiving of case, accents and typos, answered by the database's text index, ranked.

A query is folded like the indexed text (smartcities.text.fold) and cut into terms: its words, a word shorter than
a trigram joined to its neighbour ("da nang", "e health"). A project matches when its text contains every term
(anywhere: a Thai word inside a Thai title is found). A Latin-script word that no published project uses is also
matched by the closest words that some do ("lumpor" -> "lumpur"). Matches rank by the terms found in the title.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, case, column, false, func, literal_column, or_, select, table

from smartcities.extensions import db
from smartcities.projects.models import Project
from smartcities.projects.search_index import project_search, search_words
from smartcities.text import fold

TRIGRAM = 3                 # the shortest text either index can look up
CORRECTABLE = re.compile(r"[a-z][a-z0-9]{3,39}")
SIMILAR = 0.4               # trigram similarity (as pg_trgm counts it) from which a word corrects a typo
CORRECTIONS, CANDIDATES = 3, 50


@dataclass(frozen=True)
class Term:
    """One term of a query: the folded text, and the vocabulary words that stand for it if it is a typo."""

    text: str
    corrections: tuple[str, ...] = ()

    @property
    def alternatives(self) -> tuple[str, ...]:
        return (self.text, *self.corrections)


def split_terms(q: str) -> list[str]:
    """The folded terms of a query; a word shorter than a trigram is searched with the word before (or after) it."""
    terms: list[str] = []
    for word in fold(q).split():
        if terms and (len(word) < TRIGRAM or len(terms[-1]) < TRIGRAM):
            terms[-1] = f"{terms[-1]} {word}"
        else:
            terms.append(word)
    return terms


def trigrams(word: str) -> set[str]:
    """pg_trgm's trigrams of one word (padded with two spaces before and one after)."""
    padded = f"  {word} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    """pg_trgm's similarity: shared trigrams over all trigrams of the two words."""
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / len(ta | tb)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _candidates(word: str) -> list[str]:
    """Vocabulary words sharing trigrams with `word`, the closest first as each database's index ranks them."""
    if _dialect() == "postgresql":
        return list(db.session.scalars(
            select(search_words.c.word).where(search_words.c.word.op("%")(word))
            .order_by(func.similarity(search_words.c.word, word).desc()).limit(CANDIDATES)))
    grams = " OR ".join(f'"{word[i:i + 3]}"' for i in range(len(word) - 2))
    fts = table("search_words_fts", column("word"))
    return list(db.session.scalars(select(fts.c.word).where(literal_column("search_words_fts").op("MATCH")(grams))
                                   .order_by(literal_column("rank")).limit(CANDIDATES)))


def corrections(word: str) -> tuple[str, ...]:
    """The closest words of published projects to a Latin-script word none of them uses; () for the others."""
    if not CORRECTABLE.fullmatch(word) or db.session.scalar(
            select(search_words.c.id).where(search_words.c.word == word)) is not None:
        return ()
    scored = sorted(((similarity(word, other), other) for other in _candidates(word)), reverse=True)
    return tuple(other for score, other in scored[:CORRECTIONS] if score >= SIMILAR)


def terms_of(q: str) -> list[Term]:
    """The terms of a query with their corrections."""
    return [Term(text, corrections(text) if " " not in text else ()) for text in split_terms(q)]


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _contains(text: str) -> ColumnElement[bool]:
    # folded text holds no LIKE wildcards (% and _ fold to spaces), so the pattern needs no escaping
    return project_search.c.body.like(f"%{text}%")


def matching(q: str) -> ColumnElement[bool]:
    """Projects whose indexed text contains every term of `q` (or a correction of it); none if `q` has no term."""
    terms = terms_of(q)
    if not terms:
        return false()
    if _dialect() == "postgresql":  # LIKE '%…%' is answered by the pg_trgm GIN index
        found = select(project_search.c.project_id).where(
            *(or_(*map(_contains, term.alternatives)) for term in terms))
        return Project.id.in_(found)
    indexed = [t for t in terms if len(t.text) >= TRIGRAM]
    short = [t for t in terms if len(t.text) < TRIGRAM]   # a query of one short word: a scan of the index table
    conditions: list[ColumnElement[bool]] = []
    if indexed:
        expression = " AND ".join("(" + " OR ".join(map(_quoted, t.alternatives)) + ")" for t in indexed)
        fts = table("project_search_fts", column("rowid"))
        conditions.append(Project.id.in_(select(fts.c.rowid).where(
            literal_column("project_search_fts").op("MATCH")(expression))))
    if short:
        conditions.append(Project.id.in_(select(project_search.c.project_id).where(
            *(_contains(t.text) for t in short))))
    return and_(*conditions)


def title_score(q: str) -> ColumnElement[int]:
    """A project's rank for `q`: 2 for each term in its title, 1 for a term only corrected there."""
    title = project_search.c.title
    points = [case((title.like(f"%{t.text}%"), 2),
                   *([(or_(*(title.like(f"%{c}%") for c in t.corrections)), 1)] if t.corrections else []),
                   else_=0)
              for t in terms_of(q)]
    score = sum(points[1:], points[0]) if points else literal_column("0")
    return func.coalesce(select(score).where(project_search.c.project_id == Project.id).scalar_subquery(), 0)


def ranked(query: Select, q: str, after_id: int | None) -> Select:
    """`query` over projects matching `q`, best first (then by id), after the keyset `after_id`."""
    score = title_score(q)
    if after_id is not None:
        after_score = db.session.scalar(select(score).where(Project.id == after_id))
        if after_score is None:  # a keyset that is no match: go on after it in id order
            query = query.where(Project.id > after_id)
        else:
            query = query.where(or_(score < after_score, and_(score == after_score, Project.id > after_id)))
    return query.order_by(score.desc(), Project.id)
