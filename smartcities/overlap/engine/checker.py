"""The overlap check: an incrementally updated index of plan initiatives and projects that flags drafts.

The portal converts its rows into the plain documents of documents.py (overlap/conversion.py) and keeps an
OverlapIndex in sync (overlap/index.py). A check first narrows the candidates (plans of the draft's country and
city whose period covers it; projects in its city or within the radius whose dates overlap), then scores
them from the inverted index (store.py) so only documents sharing a word or a concept are touched.
"""
from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from smartcities.overlap.engine import calibration, scoring, signals
from smartcities.overlap.engine.analysis import Analysis, PhraseFinder, analyse
from smartcities.overlap.engine.documents import CheckResult, Draft, Flag, PlanDoc, ProjectDoc
from smartcities.overlap.engine.concepts import LABELS
from smartcities.overlap.engine.embedder import Embedder, Vectors16, parts
from smartcities.overlap.engine.registry import Registry
from smartcities.overlap.engine.store import Query, Vectors
from smartcities.overlap.engine.text import keys_of

# Reached by a shared concept with little else, or by a text cosine of about 0.2 with matching focus areas;
# never by filler, which makes no features. Below it a reviewer would mostly read noise.
DEFAULT_THRESHOLD = 0.4


@dataclass
class _Plan:
    plan: PlanDoc
    docs: list[int]          # internal document id of each initiative, in order


def _locked(method):
    """Run an OverlapIndex method under the index's (re-entrant) lock."""
    @functools.wraps(method)
    def locked(self, *args):
        with self._lock:
            return method(self, *args)
    return locked


def _city_words(slug: str | None) -> frozenset[str]:
    """A city's own name is no evidence of overlap inside that city ('da-nang' -> {'da', 'nang'})."""
    return frozenset(keys_of(slug.replace("-", " "))) if slug else frozenset()


class OverlapIndex:
    """Plan initiatives and registered projects, updated one document at a time, that checks drafts.

    Safe to share between threads: updates and checks take one lock (a check reads shared postings); texts are
    analysed before it is taken.
    """

    def __init__(self, *, radius_km: float = 5.0, threshold: float = DEFAULT_THRESHOLD,
                 city_coords: Mapping[str, tuple[float, float]] | None = None,
                 embedder: Embedder | None = None) -> None:
        self.radius_km = radius_km
        self.embedder = embedder                              # None: the lexical signals alone
        self._meanings = Vectors16()                          # initiative document -> its parts' vectors
        self.threshold = threshold
        self._city_coords = dict(city_coords or {})
        self._vectors = Vectors()
        self._last_doc = 0
        self._concepts: dict[int, tuple[str, ...]] = {}      # document -> concept, words naming it, concept, …
        self._plans: dict[str, _Plan] = {}
        self._plans_in: dict[tuple[str, str], set[str]] = {}  # ("national", ISO2) / ("city", slug)
        self._owner: dict[int, tuple[str, int]] = {}          # initiative document -> (plan id, position)
        self._registry = Registry()                           # registered projects and their sites, as columns
        self._lock = threading.RLock()

    def __getstate__(self) -> dict:
        """What a saved copy holds: everything but the lock and the embedder (a process' model, given back by
        `restored`), its postings merged into their sorted blocks first."""
        with self._lock:
            self._vectors.compact()
            return {name: value for name, value in self.__dict__.items() if name not in ("_lock", "embedder")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.embedder = None
        self._lock = threading.RLock()

    def restored(self, embedder: Embedder | None) -> OverlapIndex:
        """A copy loaded from a snapshot, given the process' embedder (the one its vectors were made with)."""
        self.embedder = embedder
        return self

    # Updates

    def _add_doc(self, partition: tuple, country: str, analysis: Analysis, public: bool = True) -> int:
        self._last_doc += 1
        doc = self._last_doc
        self._vectors.add(doc, partition, country, analysis.counts, counted=public)
        # Flattened, its words interned: a dict per document would cost more than the document's postings.
        self._concepts[doc] = tuple(sys.intern(part) for pair in analysis.concepts.items() for part in pair)
        return doc

    def _drop_doc(self, doc: int) -> None:
        self._vectors.discard(doc)
        self._concepts.pop(doc, None)
        self._meanings.drop(doc)

    @staticmethod
    def _plan_scope(plan: PlanDoc) -> tuple[str, str]:
        return ("city", plan.city or "") if plan.level == "city" else ("national", plan.country)

    def upsert_plan(self, plan: PlanDoc) -> None:
        """Add a plan or replace the indexed version with the same plan_id."""
        stop = _city_words(plan.city) if plan.level == "city" else frozenset()
        # Analysed before the lock: reading a text needs nothing shared, and no other thread should wait on it.
        analyses = [analyse(initiative.title, initiative.description, stop) for initiative in plan.initiatives]
        meanings = []
        if self.embedder is not None:
            texts = [parts(initiative.title, initiative.description) for initiative in plan.initiatives]
            vectors = self.embedder.embed([text for each in texts for text in each], passage=True)
            ends = np.cumsum([0] + [len(each) for each in texts])
            meanings = [(each, vectors[ends[n]:ends[n + 1]]) for n, each in enumerate(texts)]
        self._put_plan(plan, analyses, meanings)

    @_locked
    def _put_plan(self, plan: PlanDoc, analyses: list[Analysis], meanings: list) -> None:
        self.remove_plan(plan.plan_id)
        scope = self._plan_scope(plan)
        docs = []
        for position, analysis in enumerate(analyses):
            doc = self._add_doc(("plans", *scope), plan.country, analysis)
            self._owner[doc] = (plan.plan_id, position)
            if meanings:
                self._meanings.put(doc, *meanings[position])
            docs.append(doc)
        self._plans[plan.plan_id] = _Plan(plan, docs)
        self._plans_in.setdefault(scope, set()).add(plan.plan_id)

    @_locked
    def remove_plan(self, plan_id: str) -> None:
        """Forget a plan and its initiatives; unknown ids are ignored."""
        entry = self._plans.pop(plan_id, None)
        if entry is None:
            return
        for doc in entry.docs:
            self._drop_doc(doc)
            del self._owner[doc]
        self._plans_in[self._plan_scope(entry.plan)].discard(plan_id)

    def _points(self, doc: Draft | ProjectDoc) -> tuple[tuple[tuple[float, float], ...], bool]:
        """Its sites, or the city's centre standing in for missing ones (second value True)."""
        if doc.sites:
            return tuple(doc.sites), False
        if doc.lat is not None and doc.lon is not None:
            return ((doc.lat, doc.lon),), False
        centre = self._city_coords.get(doc.city)
        return ((tuple(centre),), True) if centre and None not in centre else ((), False)

    def upsert_project(self, project: ProjectDoc) -> None:
        """Add a registered project or replace the indexed version with the same id."""
        self._put_project(project, analyse(project.title, project.text, _city_words(project.city)))

    @_locked
    def _put_project(self, project: ProjectDoc, analysis: Analysis) -> None:
        self.remove_project(project.id)
        doc = self._add_doc(("projects", project.city), project.country, analysis, project.public)
        self._registry.put(project, doc, *self._points(project))

    @_locked
    def remove_project(self, project_id: int) -> None:
        """Forget a project; unknown ids are ignored."""
        doc = self._registry.remove(project_id)
        if doc is not None:
            self._drop_doc(doc)

    # Checks

    def check(self, draft: Draft) -> CheckResult:
        """Flags for a draft against the plans covering it and the registered projects near it."""
        # The analysis (the costly part for a long text) reads nothing shared, so it runs before the lock that
        # saves and submissions also take. Weighting it needs the country's current IDF, so that waits for it.
        meaning = None
        if self.embedder is not None:
            texts = parts(draft.title, draft.text)
            meaning = (texts, self.embedder.embed(texts))
        return self._check(draft, analyse(draft.title, draft.text, _city_words(draft.city)), meaning)

    @_locked
    def _check(self, draft: Draft, analysis: Analysis, meaning: tuple | None = None) -> CheckResult:
        checked = {"plans": 0, "initiatives": 0, "projects": 0}
        query = self._vectors.query(analysis.counts, draft.country)
        finder = PhraseFinder(analysis, query.idf.__getitem__)
        related: list[Flag] = []
        if meaning is None:
            flags = self._plan_flags(draft, finder, analysis, query, checked)
        else:
            flags, related = self._plan_flags_by_meaning(draft, finder, analysis, query, meaning, checked)
        flags += self._project_flags(draft, finder, analysis, query, checked)
        order = lambda flag: (-flag.score, flag.kind, flag.plan_id or "", flag.project_id or 0)  # noqa: E731
        return CheckResult(sorted(flags, key=order), checked, sorted(related, key=order))

    def _content_reasons(self, finder: PhraseFinder, analysis: Analysis, query: Query, doc: int,
                         text: float) -> list[str]:
        """Why the texts match: similarity with the shared phrases, and the shared concepts."""
        reasons = []
        if text >= scoring.MIN_TEXT:
            reasons.append(scoring.text_reason(text, finder.phrases(self._vectors.shared(query, doc))))
        flat = self._concepts[doc]
        theirs = dict(zip(flat[::2], flat[1::2]))
        shared = [key for key in analysis.concepts if key in theirs]
        reasons += [scoring.concept_reason(LABELS[key], analysis.concepts[key], theirs[key])
                    for key in shared[:3]]
        return reasons

    def _covering(self, draft: Draft, checked: dict) -> set[str]:
        """The plans of the draft's country and city whose period covers its dates."""
        scopes = [("national", draft.country), ("city", draft.city)]
        covering = {plan_id for scope in scopes for plan_id in self._plans_in.get(scope, ())
                    if signals.plan_covers(self._plans[plan_id].plan.start_year,
                                           self._plans[plan_id].plan.end_year, draft.start, draft.end)}
        checked["plans"] = len(covering)
        checked["initiatives"] = sum(len(self._plans[plan_id].docs) for plan_id in covering)
        return covering

    def _plan_flags(self, draft: Draft, finder: PhraseFinder, analysis: Analysis, query: Query,
                    checked: dict) -> list[Flag]:
        covering = self._covering(draft, checked)
        scopes = [("national", draft.country), ("city", draft.city)]
        flags = []
        for doc, (text, concept) in self._vectors.cosines(query, [("plans", *scope) for scope in scopes]).items():
            plan_id, position = self._owner[doc]
            if plan_id not in covering:
                continue
            plan = self._plans[plan_id].plan
            initiative = plan.initiatives[position]
            focus, shared_areas = signals.focus_overlap(draft.focus_areas,
                                                        initiative.focus_areas or plan.focus_areas)
            score = scoring.plan_score(text, concept, focus)
            if score < self.threshold or not score:
                continue
            reasons = self._content_reasons(finder, analysis, query, doc, text)
            if shared_areas:
                reasons.append(signals.focus_reason(shared_areas))
            reasons.append(signals.period_reason(plan.start_year, plan.end_year, draft.start, draft.end))
            flags.append(Flag(kind="plan", score=score, severity=scoring.severity(score), reasons=reasons,
                              plan_id=plan.plan_id, plan_title=plan.title, initiative=initiative.title,
                              initiative_id=initiative.id))
        return flags

    def _plan_flags_by_meaning(self, draft: Draft, finder: PhraseFinder, analysis: Analysis, query: Query,
                               meaning: tuple, checked: dict) -> tuple[list[Flag], list[Flag]]:
        """Every initiative of the covering plans, scored by the calibrated decision over lexical and semantic
        signals: flags from calibration.FLAG, related ones from calibration.RELATED."""
        texts, vectors = meaning
        covering = self._covering(draft, checked)
        scopes = [("national", draft.country), ("city", draft.city)]
        found = self._vectors.cosines(query, [("plans", *scope) for scope in scopes])
        docs = [doc for plan_id in sorted(covering) for doc in self._plans[plan_id].docs if doc in self._meanings]
        best = {doc: self._meanings.best(vectors, doc) for doc in docs}
        median = float(np.median([value[0] for value in best.values()])) if best else 0.0
        flags, related = [], []
        for doc in docs:
            plan_id, position = self._owner[doc]
            plan = self._plans[plan_id].plan
            initiative = plan.initiatives[position]
            text, concept = found.get(doc, (0.0, 0.0))
            focus, shared_areas = signals.focus_overlap(draft.focus_areas,
                                                        initiative.focus_areas or plan.focus_areas)
            semantic, mine, theirs = best[doc]
            p = calibration.probability(calibration.Signals(
                lexical=scoring.plan_score(text, concept, focus), semantic=semantic, margin=semantic - median,
                focus=focus))
            if p < calibration.RELATED:
                continue
            reasons = [scoring.meaning_reason(semantic, texts[mine], self._meanings.text(doc, theirs))]
            reasons += self._content_reasons(finder, analysis, query, doc, text)
            if shared_areas:
                reasons.append(signals.focus_reason(shared_areas))
            reasons.append(signals.period_reason(plan.start_year, plan.end_year, draft.start, draft.end))
            flag = Flag(kind="plan", score=p, severity=scoring.severity(p), reasons=reasons, plan_id=plan.plan_id,
                        plan_title=plan.title, initiative=initiative.title, initiative_id=initiative.id)
            (flags if p >= calibration.FLAG else related).append(flag)
        return flags, related

    def _project_flags(self, draft: Draft, finder: PhraseFinder, analysis: Analysis, query: Query,
                       checked: dict) -> list[Flag]:
        points, at_centre = self._points(draft)
        # Projects in the draft's city or within the radius, visible to the asker, dates overlapping, with their
        # rough distance (from the nearest pair of sites).
        candidates = self._registry.candidates(draft.city, points, self.radius_km, draft.reach, draft.start,
                                               draft.end, draft.project_id)
        checked["projects"] = len(candidates)
        found = self._vectors.cosines(query, [("projects", draft.city)])
        for doc in candidates.keys() - found.keys():
            if self._registry.city(candidates[doc][0]) != draft.city:
                found[doc] = self._vectors.cosine(query, doc)
        flags = []
        for doc, (text, concept) in found.items():
            if doc not in candidates or not scoring.content(text, concept):   # no evidence: no score, whatever else
                continue
            row, km = candidates[doc]
            other = self._registry.project(row)
            focus, shared_areas = signals.focus_overlap(draft.focus_areas, other.focus_areas)
            pair = signals.nearest_pair(points, other.sites)
            if km is None and pair:
                km = signals.haversine_km(*pair)
            nearness = max(0.0, 1.0 - km / self.radius_km) if km is not None else 0.0
            partners = signals.shared_partners(draft.partners, other.partners)
            score = scoring.project_score(text, concept, focus, nearness, bool(partners))
            if score < self.threshold or not score:
                continue
            reasons = self._content_reasons(finder, analysis, query, doc, text)
            if shared_areas:
                reasons.append(signals.focus_reason(shared_areas))
            reasons.append(signals.dates_reason(draft.start, draft.end, other.start, other.end))
            same_city = other.city == draft.city
            if pair:
                km = signals.geodesic_km(*pair)
                centre = at_centre or self._registry.at_city_centre(row)
                reasons.append(signals.distance_reason(km, same_city, centre))
            elif same_city:
                reasons.append("same city")
            if partners:
                reasons.append(signals.partners_reason(partners))
            flags.append(Flag(kind="project", score=score, severity=scoring.severity(score), reasons=reasons,
                              project_id=other.id, project_title=other.title))
        return flags
