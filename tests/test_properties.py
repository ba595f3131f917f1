"""Issue 14, property tests (Hypothesis) of the three ways outside input arrives whole: the Project file importer,
the Plan file importer and the overlap-check request. Any input imports correctly, or is refused whole with an
error naming the row (or plan) and field; never another exception, never a 500.

Each example runs in the test's own transaction and rolls it back, so every example starts from the seed. A refusal
is checked before that rollback: "nothing changed" means nothing was even flushed.
"""
from __future__ import annotations

import csv
import json
import re
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

import smartcities
from smartcities.errors import ValidationError
from smartcities.extensions import db, limiter
from smartcities.organisations.names import name_key
from smartcities.overlap.draft import MAX_LENGTHS
from smartcities.plans.plan_file import PLAN_ID
from smartcities.plans.models import NationalPlan
from smartcities.plans.services import export_plans, import_plans, plan_to_dict
from smartcities.projects import importer
from smartcities.projects import validation as v
from smartcities.projects.models import IATI_ROLES, STAGES, Project
from smartcities.text import BIDI_CONTROLS, slugify

DATA = Path(smartcities.__file__).parent / "data"


def _reference(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


CITIES = [(row["name"], row["local_name"], row["country_iso2"]) for row in _reference("cities.csv")]
COUNTRIES = sorted(row["iso2"] for row in _reference("countries.csv"))
AREAS = [row["name"] for row in _reference("focus_areas.csv")]
CURRENCIES = sorted(v.CURRENCIES)
# SQLite keeps 15 significant digits of a NUMERIC (it stores a REAL), so cents of budgets from 10^13 are lost there.
MAX_BUDGET = {"sqlite": Decimal("9999999999999.99"), "postgresql": Decimal("9999999999999999.99")}
PROJECT_FIELDS = (*importer.COLUMNS, "geometry", "id", "url")
PROJECT_KEY = re.compile(rf"(file|header|row \d+: ({'|'.join(PROJECT_FIELDS)}))")
PLAN_KEY = re.compile(r"plans(\[\d+\](\.(id|country|level|city|title|summary|source|period(\.start|\.end)?"
                      r"|focus_areas|initiatives(\[\d+\](\.(id|title|description|focus_areas))?)?))?)?")


def examples(count: int) -> settings:
    """The same examples on every run, nothing remembered between runs; `count` sized for the file's time budget.

    The function-scoped fixtures (the seed restore, the client) are shared by the examples on purpose: each example
    undoes its own writes.
    """
    return settings(max_examples=count, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large, HealthCheck.large_base_example])


# ---- text: what people write (the region's scripts, emoji, joiners) and what the hygiene rule refuses --------------

LETTER = st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"], exclude_characters="".join(BIDI_CONTROLS))
REFUSED = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b", *sorted(BIDI_CONTROLS)]  # in any text field
BREAKS = ["\n", "\r"]  # refused in single-line fields
SURROGATES = ["\ud800", "\udfff"]  # a JSON string may escape half a UTF-16 pair; no UTF-8 file (a CSV) can hold one
ANY_TEXT = st.text(st.characters(codec="utf-8") | st.sampled_from(REFUSED + BREAKS), max_size=30)
JSON_TEXT = st.text(st.characters(codec="utf-8") | st.sampled_from(REFUSED + BREAKS + SURROGATES), max_size=30)
PAD = st.sampled_from(["", " ", "\t", " \t "])


def padded(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(PAD, text, PAD).map("".join)


def line(max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    """Single-line text, padded with blanks the import strips, at most `max_size` characters once stripped."""
    return padded(st.text(LETTER, min_size=min_size, max_size=max_size)).filter(
        lambda s: min_size <= len(s.strip()) <= max_size and (min_size == 0 or stored_text(s, "csv")))


def lines(max_size: int) -> st.SearchStrategy[str]:
    return st.text(st.one_of(LETTER, st.sampled_from("\n\r\t")), max_size=max_size)


@st.composite
def with_refused(draw, text: str, multiline: bool = False) -> str:
    """`text` with one character the hygiene rule refuses put in somewhere."""
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(st.sampled_from(REFUSED if multiline else REFUSED + BREAKS)) + text[at:]


def stored_text(raw: str, form: str) -> str:
    """The documented normalisation of a text cell: the CSV export's formula quote undone, blanks stripped."""
    if form == "csv" and len(raw) > 1 and raw[0] == "'" and raw[1] in importer.FORMULA_STARTS:
        raw = raw[1:]
    return raw.strip()


def any_case(text: str) -> st.SearchStrategy[str]:
    return st.sampled_from([text, text.upper(), text.lower()])


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | JSON_TEXT,
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(JSON_TEXT, inner, max_size=3),
                    max_leaves=8)


def mostly(likely: st.SearchStrategy, junk: st.SearchStrategy) -> st.SearchStrategy:
    """Four times in five `likely` (right for its field, so the checks after the first one run too), else `junk`."""
    return st.sampled_from([likely] * 4 + [junk]).flatmap(lambda strategy: strategy)


def database_rows() -> dict[str, list[str]]:
    """Every row of every table, in this session's transaction: what "nothing changed" is checked against."""
    return {table.name: sorted(repr(tuple(row)) for row in db.session.execute(select(table)))
            for table in db.metadata.sorted_tables}


def refused_whole(load, named: list[str], keys: re.Pattern) -> None:
    """`load` is refused with a ValidationError naming at least `named`, every key of the `keys` form with a
    message, and the database unchanged; the test's transaction is rolled back either way."""
    before = database_rows()
    try:
        with pytest.raises(ValidationError) as refused:
            load()
        assert set(named) <= set(refused.value.errors), refused.value.errors
        assert all(keys.fullmatch(key) and message for key, message in refused.value.errors.items())
        assert database_rows() == before
    finally:
        db.session.rollback()


# ---- the Project file --------------------------------------------------------------------------------------------

@st.composite
def project_row(draw, form: str, target: tuple[int, str] | None = None) -> tuple[dict, dict]:
    """A valid row (its cells as the file holds them) and the project it must become.

    `target` (id, city name) makes it a row that updates that published project.
    """
    name, local, country = next(c for c in CITIES if c[0] == target[1]) if target else draw(st.sampled_from(CITIES))
    areas = draw(st.lists(st.sampled_from(AREAS), unique=True, max_size=3))
    area_cells = [draw(any_case(area)) for area in areas]
    stage = draw(st.sampled_from(["", *STAGES]))
    days = sorted(draw(st.lists(st.dates(v.EARLIEST, v.LATEST), max_size=2)))
    start, end = draw(st.sampled_from([(None, None), (days[0], days[-1]) if days else (None, None),
                                       (days[0] if days else None, None), (None, days[-1] if days else None)]))
    budget = draw(st.none() | st.decimals(0, MAX_BUDGET[db.engine.dialect.name], places=2))
    currency = draw(st.sampled_from(CURRENCIES) if budget is not None else st.none() | st.sampled_from(CURRENCIES))
    coords = draw(st.none() | st.tuples(st.floats(-90, 90), st.floats(-180, 180)))
    # Names that fold to one key ("UE", "UĒ") are one organisation (organisations/names.py): one partner each.
    partners = draw(st.lists(st.tuples(line(200, 1).filter(
        lambda s: ";" not in s and "(" not in s and not s.startswith("'")),
                                       st.sampled_from(IATI_ROLES)), max_size=3,
                             unique_by=lambda partner: name_key(partner[0])))
    cells = {
        "title": draw(line(200, 1)), "summary": draw(lines(300)),
        "city": draw(padded(st.sampled_from([name, name.upper(), slugify(name), local or name]))),
        "country": draw(st.sampled_from(["", country, country.lower()])),
        "focus_areas": ";".join(draw(padded(st.just(a))) for a in area_cells + draw(st.lists(st.just(""), max_size=1))),
        "stage": draw(padded(any_case(stage))), "start_date": start.isoformat() if start else "",
        "end_date": end.isoformat() if end else "",
        "budget": "" if budget is None else draw(st.sampled_from([str(budget), f"{budget:,}"])),
        "currency": draw(any_case(currency)) if currency else "",
        "partners": "; ".join(f"{n} ({draw(any_case(role))})" for n, role in partners),
    }
    if target:
        cells["id"] = str(target[0])
    expected = {"title": stored_text(cells["title"], form), "summary": stored_text(cells["summary"], form),
                "city": name, "stage": stage or "concept", "start_date": start, "end_date": end, "budget": budget,
                "currency": currency, "coords": coords, "areas": frozenset(areas),
                "partners": frozenset((name_key(n), role) for n, role in partners)}   # the organisation, by key
    if form == "csv":
        cells.update(latitude=repr(coords[0]) if coords else "", longitude=repr(coords[1]) if coords else "")
        return cells, expected
    feature = {"type": "Feature", "properties": cells, "geometry": None}
    if coords and draw(st.booleans()):
        feature["geometry"] = {"type": "Point", "coordinates": [coords[1], coords[0], *draw(st.lists(
            st.floats(-100, 9000), max_size=1))]}
    elif coords:
        cells.update(latitude=coords[0], longitude=coords[1])
    if draw(st.booleans()):  # the GeoJSON export's form of the lists
        cells.update(focus_areas=area_cells, partners=[{"name": n, "role": role} for n, role in partners])
    empty = [key for key, value in cells.items() if value in ("", [])]
    if target is None and empty:  # a new project: a property left out is the same as one left empty
        for key in draw(st.sets(st.sampled_from(empty))):
            del cells[key]
    if target and draw(st.booleans()):
        cells["id"] = target[0]
    return feature, expected


@st.composite
def project_file(draw, form: str, targets: list[tuple[int, str]]) -> list[tuple[dict, dict]]:
    """One to four valid rows, some of them updating distinct published projects of `targets`."""
    count = draw(st.integers(1, 4))
    chosen = draw(st.lists(st.sampled_from(targets), unique=True, max_size=min(count, len(targets))))
    rows = [draw(project_row(form, target)) for target in [*chosen, *[None] * (count - len(chosen))]]
    return draw(st.permutations(rows))


def write_project_file(folder: Path, form: str, rows: list[dict]) -> Path:
    if form == "csv":
        path = folder / "projects.csv"
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(dict.fromkeys(k for row in rows for k in row)), restval="")
            writer.writeheader()
            writer.writerows(rows)
    else:
        path = folder / "projects.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": rows}), encoding="utf-8")
    return path


def stored_project(project: Project) -> dict:
    """A stored project in the terms of `project_row`'s expectation."""
    return {"title": project.title, "summary": project.summary, "city": project.city.name, "stage": project.stage,
            "start_date": project.start_date, "end_date": project.end_date, "budget": project.budget_amount,
            "currency": project.currency, "coords": (project.latitude, project.longitude),
            "areas": frozenset(fa.name for fa in project.focus_areas),
            "partners": frozenset((name_key(p.organisation.name), p.role) for p in project.participations)}


def set_cell(row: dict, changes: dict) -> None:
    """Change a raw row: a CSV row's cells, or a feature's properties (and its geometry, under "geometry")."""
    for key, value in changes.items():
        if "properties" not in row:
            row[key] = value
        elif key == "geometry":
            row["geometry"] = value
        else:
            row["properties"][key] = value
            if key in ("latitude", "longitude"):  # a Point would stand in for the properties
                row["geometry"] = None


TEXT_LIMITS = {name: limit for name, (limit, _) in importer.TEXTS.items() if name in importer.COLUMNS}


@st.composite
def project_mistake(draw, form: str, drafts: list[int]) -> tuple[dict, str]:
    """(changes that make a row wrong, the field the refusal must name)."""
    kind = draw(st.sampled_from(["hygiene", "value", "id", *(["type", "geometry"] if form == "geojson" else [])]))
    field = draw(st.sampled_from(list(TEXT_LIMITS)))
    text = st.text(LETTER, max_size=20)
    if kind == "geometry":
        return {"geometry": draw(st.sampled_from([
            {"type": "Point", "coordinates": []}, {"type": "Point", "coordinates": [100.5]},
            {"type": "Point", "coordinates": ["100.5", 13.7]}, {"type": "Point", "coordinates": [True, 13.7]},
            {"type": "Point", "coordinates": [180.5, 13.7]}, {"type": "Point", "coordinates": [100.5, -90.5]},
            {"type": "Point", "coordinates": [1, 2, 3, 4]}, {"type": "Point", "coordinates": None},
            {"type": "Point"}, {"type": "LineString", "coordinates": [[100, 13], [101, 14]]}, {"type": "Pointy"},
            "POINT (100.5 13.7)", [100.5, 13.7]]))}, "geometry"
    if kind == "type":  # a GeoJSON value of a type the column cannot hold
        wrong = st.just(True) | st.dictionaries(st.text(max_size=3), JSON, min_size=1, max_size=2)
        if field not in ("focus_areas", "partners"):  # the export gives these as lists
            wrong = wrong | st.lists(JSON, min_size=1, max_size=2)
        if field not in ("budget", "latitude", "longitude"):
            wrong = wrong | st.integers() | st.floats()
        return {field: draw(wrong), **({"currency": "USD"} if field == "budget" else {})}, field
    if kind == "id":
        return {"id": draw(st.sampled_from([str(2 ** 31 - 1), *map(str, drafts), "abc", "-1", "0", "1.5"]))}, "id"
    if kind == "hygiene":  # a character the hygiene rule refuses, or one too many
        limit = TEXT_LIMITS[field]
        bad = draw(st.sampled_from([with_refused(draw(text), field == "summary"), st.just("x" * (limit + 1))]))
        return {field: draw(bad)}, field
    return draw(st.sampled_from({
        "title": [({"title": ""}, "title"), ({"title": " \t "}, "title")],
        "summary": [({"summary": "\x00"}, "summary")],
        "city": [({"city": draw(st.from_regex(r"Atlantis[a-z ]{0,8}", fullmatch=True))}, "city"),
                 ({"city": "Bangkok", "country": "VN"}, "city")],
        "country": [({"country": draw(st.sampled_from(["US", "THA", "XX", "T H"]))}, "country")],
        "focus_areas": [({"focus_areas": f"{AREAS[0]}; Space Travel"}, "focus_areas")],
        "stage": [({"stage": draw(text.filter(lambda s: s.strip() and s.strip().lower() not in STAGES))}, "stage")],
        "start_date": [({"start_date": draw(st.sampled_from(["2026-13-01", "2026-02-30", "01/02/2026", "soon"]))},
                        "start_date"),
                       ({"start_date": draw(st.dates(max_value=date(1989, 12, 31))).isoformat()}, "start_date")],
        "end_date": [({"end_date": draw(st.dates(min_value=date(2101, 1, 1))).isoformat()}, "end_date"),
                     ({"start_date": "2030-01-01", "end_date": "2029-12-31"}, "end_date")],
        "budget": [({"budget": draw(st.sampled_from(["-1", "1e16", "NaN", "-Infinity", "sNaN", "lots", "1.2.3"])),
                     "currency": "USD"}, "budget")],
        "currency": [({"currency": draw(st.from_regex(r"[A-Za-z]{1,5}", fullmatch=True).filter(
            lambda s: s.upper() not in v.CURRENCIES))}, "currency"), ({"budget": "100", "currency": ""}, "currency")],
        "latitude": [({"latitude": draw(st.sampled_from(["90.5", "-91", "nan", "inf", "north", "1e400"])),
                       "longitude": "100"}, "latitude"), ({"latitude": "", "longitude": "100.5"}, "latitude")],
        "longitude": [({"latitude": "13.7", "longitude": draw(st.sampled_from(["180.01", "-1e300", "east"]))},
                       "longitude"), ({"latitude": "13.7", "longitude": ""}, "longitude")],
        "partners": [({"partners": draw(st.sampled_from([
            "World Bank (sponsor)", "(funding)", "No role at all", "P" * 201 + " (funding)",
            "; ".join(f"Partner {n} (funding)" for n in range(51))]))}, "partners")],
    }[field]))


@pytest.fixture
def targets(make_project) -> dict[str, list]:
    """Published projects a row may update (by id), and drafts it may not."""
    published = [make_project(title=f"Published {n}", city=city) for n, city in enumerate(["bangkok", "hanoi"])]
    draft = make_project(title="A draft", status="draft")
    return {"published": [(p.id, p.city.name) for p in published], "drafts": [draft.id]}


@pytest.mark.parametrize("form", ["csv", "geojson"])
def test_a_valid_project_file_imports_every_row_as_it_was_written(app, tmp_path, targets, form):
    @examples(25)
    @given(data=st.data())
    def check(data):
        rows = data.draw(project_file(form, targets["published"]))
        before = db.session.scalar(select(func.max(Project.id)))
        try:
            tally = importer.import_projects(write_project_file(tmp_path, form, [raw for raw, _ in rows]))
            new = iter(db.session.scalars(select(Project).where(Project.id > before).order_by(Project.id)
                                          .execution_options(populate_existing=True)))
            updated = [target for target, _ in targets["published"]]
            assert tally["created"] == sum(1 for raw, _ in rows if "id" not in raw.get("properties", raw))
            for raw, expected in rows:
                cells = raw.get("properties", raw)
                project = db.session.get(Project, int(cells["id"])) if "id" in cells else next(new)
                assert project.id in updated or "id" not in cells
                assert project.status == "published"
                if expected["coords"] is None:
                    expected["coords"] = (project.city.latitude, project.city.longitude)
                assert stored_project(project) == expected
        finally:
            db.session.rollback()
    check()


@pytest.mark.parametrize("form", ["csv", "geojson"])
def test_a_project_file_with_mistakes_is_refused_whole_naming_each_row_and_field(app, tmp_path, targets, form):
    @examples(40)
    @given(data=st.data())
    def check(data):
        rows = [raw for raw, _ in data.draw(project_file(form, targets["published"]))]
        wrong = data.draw(st.lists(st.sampled_from(range(len(rows))), min_size=1, unique=True))
        named = []
        for index in wrong:
            changes, field = data.draw(project_mistake(form, targets["drafts"]))
            set_cell(rows[index], changes)
            named.append(f"row {index + 1}: {field}")
        refused_whole(lambda: importer.import_projects(write_project_file(tmp_path, form, rows)), named,
                      PROJECT_KEY)
    check()


def hygienic(project: Project) -> bool:
    """What every imported project satisfies, whatever the file held."""
    texts = [project.title, project.summary, *(p.organisation.name for p in project.participations)]
    return (1 <= len(project.title) <= 200 and project.stage in STAGES and project.status == "published"
            and not any(ch in text for text in texts for ch in REFUSED + SURROGATES)
            and all(d is None or v.EARLIEST <= d <= v.LATEST for d in (project.start_date, project.end_date))
            and (project.currency in v.CURRENCIES if project.budget_amount is not None else True)
            and -90 <= project.latitude <= 90 and -180 <= project.longitude <= 180)


LIKELY = {"title": st.text(LETTER, min_size=1, max_size=5), "city": st.sampled_from(["Bangkok", "hanoi", "KUCHING"]),
          "country": st.sampled_from(["", "TH", "vn"]), "focus_areas": st.sampled_from(["", *AREAS]),
          "stage": st.sampled_from(["", *STAGES]), "start_date": st.sampled_from(["", "2026-01-01"]),
          "end_date": st.sampled_from(["", "2027-12-31"]), "budget": st.sampled_from(["", "100", "1,000.5"]),
          "currency": st.sampled_from(["", "THB", "usd"]), "latitude": st.sampled_from(["", "13.7"]),
          "longitude": st.sampled_from(["", "100.5"]), "partners": st.sampled_from(["", "Canal Works (funding)"])}
JUNK = mostly(ANY_TEXT, st.sampled_from(["x" * 20_001, "x" * 140_000]))  # over a column, over the csv module's limit


@st.composite
def random_csv(draw) -> list[list[str]]:
    """A header of contract and other names, and rows of cells mostly right for their column, else junk."""
    others = st.lists(st.sampled_from(PROJECT_FIELDS[2:]), unique=True, max_size=6)
    header = draw(st.permutations(["title", "city", *draw(others)])
                  | st.lists(st.sampled_from(PROJECT_FIELDS) | ANY_TEXT, max_size=5))
    rows = [[draw(mostly(LIKELY.get(name, JUNK), JUNK)) for name in header] + draw(st.lists(JUNK, max_size=1))
            for _ in range(draw(st.integers(1, 3)))]
    return [header, *rows]


@st.composite
def random_feature(draw) -> dict:
    """A Feature with properties mostly right for their names, else junk, and a Point or any geometry."""
    names = ["title", "city", *draw(st.lists(st.sampled_from(PROJECT_FIELDS[2:]), unique=True, max_size=6))]
    junk = JSON | JUNK
    properties = {name: draw(mostly(LIKELY.get(name, junk), junk)) for name in draw(st.permutations(names))}
    point = st.fixed_dictionaries({"type": st.just("Point"),
                                   "coordinates": st.lists(st.floats(-200, 200) | JSON, max_size=4)})
    return {"type": "Feature", "properties": draw(st.just(properties) | JSON), "geometry": draw(
        st.none() | point | JSON)}


RANDOM_GEOJSON = st.fixed_dictionaries({"type": st.just("FeatureCollection"),
                                       "features": st.lists(random_feature() | JSON, max_size=3)}) | JSON


def random_project_file(folder: Path, form: str, content) -> Path:
    path = folder / f"random.{form}"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif form == "csv":
        with open(path, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(content)
    else:
        path.write_text(json.dumps(content), encoding="utf-8")
    return path


@pytest.mark.parametrize("form", ["csv", "geojson"])
def test_any_project_file_imports_or_is_refused_whole_with_named_errors(app, tmp_path, form):
    @examples(60)
    @given(content=(random_csv() if form == "csv" else RANDOM_GEOJSON) | st.binary(max_size=200))
    @example(content=b"[" * 5000)  # nested deeper than Python's JSON reader goes
    @example(content="title,city\nCaf\u00e9 sensors,Bangkok\n".encode("cp1252"))  # a spreadsheet's "CSV"
    @example(content="title,city\nCanal,Bangkok\n".encode("utf-16"))
    def check(content):
        before = database_rows()
        count = db.session.scalar(select(func.count(Project.id)))
        try:
            tally = importer.import_projects(random_project_file(tmp_path, form, content))
        except ValidationError as refused:
            assert all(PROJECT_KEY.fullmatch(key) and message for key, message in refused.errors.items())
            assert database_rows() == before
        else:
            projects = list(db.session.scalars(select(Project)))
            assert len(projects) == count + tally["created"]
            assert all(hygienic(p) for p in projects)
        finally:
            db.session.rollback()
    check()


# ---- the Plan file -----------------------------------------------------------------------------------------------

PLAN_IDS = st.from_regex(PLAN_ID, fullmatch=True)
SEEDED_PLANS = [plan["id"] for plan in json.loads((DATA / "plans.json").read_text(encoding="utf-8"))["plans"]]


def in_order(areas: list[str]) -> list[str]:
    """Focus areas as a plan holds them: each once, in the reference order."""
    return sorted(set(areas), key=AREAS.index)


@st.composite
def initiative(draw) -> tuple[dict, dict]:
    item = {"title": draw(line(300, 1))}
    description = draw(st.none() | lines(300))
    areas = draw(st.none() | st.lists(st.sampled_from(AREAS), max_size=3))
    item.update(draw(st.sampled_from([{}, {"description": description}, {"description": description,
                                                                         "focus_areas": areas}])))
    return item, {"title": item["title"].strip(), "description": (item.get("description") or "").strip(),
                  "focus_areas": in_order(item.get("focus_areas") or [])}


@st.composite
def plan_entry(draw, plan_id: str) -> tuple[dict, dict]:
    """A valid Plan file entry and the plan it must become, in the export's form (initiative ids aside)."""
    name, local, country = draw(st.sampled_from(CITIES))
    level = draw(st.sampled_from(["national", "city"]))
    if level == "national":
        country = draw(st.sampled_from(COUNTRIES))
    start = draw(st.integers(v.EARLIEST.year, v.LATEST.year))
    end = draw(st.none() | st.integers(start, v.LATEST.year))
    areas = draw(st.lists(st.sampled_from(AREAS), max_size=4))
    items = draw(st.lists(initiative(), max_size=3))
    keys = draw(st.lists(PLAN_IDS, min_size=len(items), max_size=len(items), unique=True))
    for (item, _), key in zip(items, keys):
        item.update(draw(st.sampled_from([{}, {"id": None}, {"id": ""}, {"id": key}])))
    entry = {"id": draw(padded(st.just(plan_id))), "country": draw(any_case(country)), "level": level,
             "city": draw(padded(st.sampled_from([name, name.upper(), slugify(name), local or name]))
                           if level == "city" else st.sampled_from([None, ""])),
             "title": draw(line(300, 1)), "period": {"start": start, "end": end}, "focus_areas": areas,
             "summary": draw(st.none() | lines(300)), "source": draw(st.none() | lines(100)),
             "initiatives": [item for item, _ in items]}
    expected = {"id": plan_id, "country": country, "level": level, "city": name if level == "city" else None,
                "title": entry["title"].strip(), "period": {"start": start, "end": end},
                "focus_areas": in_order(areas), "summary": (entry["summary"] or "").strip(),
                "source": (entry["source"] or "").strip(), "initiatives": [wanted for _, wanted in items]}
    return entry, expected


@st.composite
def plan_file(draw) -> list[tuple[dict, dict]]:
    """One to four plans with distinct ids, new ones and some of the seeded plans (an import updates those)."""
    ids = draw(st.lists(PLAN_IDS | st.sampled_from(SEEDED_PLANS), min_size=1, max_size=4, unique=True))
    return [draw(plan_entry(plan_id)) for plan_id in ids]


def exported(ids: list[str]) -> dict[str, dict]:
    """The plans of `ids` as the export writes them (services.plan_to_dict), read back from the database."""
    db.session.expire_all()
    return {plan.external_id: plan_to_dict(plan)
            for plan in db.session.scalars(select(NationalPlan).where(NationalPlan.external_id.in_(ids)))}


def test_a_valid_plan_file_imports_as_written_and_its_export_imports_back_unchanged(app):
    @examples(30)
    @given(plans=plan_file())
    def check(plans):
        try:
            tally = import_plans({"plans": [entry for entry, _ in plans]})
            stored = exported([wanted["id"] for _, wanted in plans])
            assert tally["created"] == sum(1 for _, wanted in plans if wanted["id"] not in SEEDED_PLANS)
            for entry, wanted in plans:
                plan = {**stored[wanted["id"]], "initiatives": [dict(i) for i in stored[wanted["id"]]["initiatives"]]}
                keys = [initiative.pop("id") for initiative in plan["initiatives"]]
                assert plan == wanted
                assert len(set(keys)) == len(keys) and all(PLAN_ID.fullmatch(key) for key in keys)
                assert all(key == item["id"] for key, item in zip(keys, entry["initiatives"]) if item.get("id"))
            file = json.loads(json.dumps({"plans": list(stored.values())}))  # the export, as a file holds it
            assert import_plans(file) == Counter(unchanged=len(stored))
            assert exported(list(stored)) == stored
        finally:
            db.session.rollback()
    check()


def test_the_seeded_plans_exported_import_back_unchanged(app):
    file = json.loads(json.dumps(export_plans()))
    assert import_plans(file) == Counter(unchanged=len(SEEDED_PLANS))
    assert export_plans() == file


PLAN_MISTAKES = [
    ({"id": ""}, "id"), ({"id": "-leading-dash"}, "id"), ({"id": "x" * 65}, "id"), ({"id": "with space"}, "id"),
    ({"id": 17}, "id"), ({"id": None}, "id"), ({"country": "US"}, "country"), ({"country": 5}, "country"),
    ({"country": None}, "country"), ({"level": "regional"}, "level"), ({"level": None}, "level"),
    ({"level": "city", "city": "Atlantis"}, "city"), ({"level": "city", "city": None}, "city"),
    ({"level": "city", "city": 5}, "city"), ({"level": "city", "city": "Bangkok", "country": "VN"}, "city"),
    ({"level": "national", "city": "Bangkok"}, "city"), ({"title": ""}, "title"), ({"title": 5}, "title"),
    ({"title": "x" * 301}, "title"), ({"summary": "x" * 20_001}, "summary"), ({"summary": 5}, "summary"),
    ({"source": ["a"]}, "source"), ({"period": None}, "period"), ({"period": "2017-2022"}, "period"),
    ({"period": {"start": 1989}}, "period.start"), ({"period": {"start": 2101}}, "period.start"),
    ({"period": {"start": "2017"}}, "period.start"), ({"period": {"start": 2017.0}}, "period.start"),
    ({"period": {"start": True}}, "period.start"), ({"period": {"start": 2020, "end": 2019}}, "period.end"),
    ({"period": {"start": 2020, "end": 2101}}, "period.end"),
    ({"period": {"start": 2020, "end": "2022"}}, "period.end"),
    ({"focus_areas": ["Space Travel"]}, "focus_areas"), ({"focus_areas": "Safety and Security"}, "focus_areas"),
    ({"focus_areas": [5]}, "focus_areas"), ({"focus_areas": ["safety and security"]}, "focus_areas"),
    ({"initiatives": {}}, "initiatives"), ({"initiatives": [5]}, "initiatives[0]"),
    ({"initiatives": [{"title": ""}]}, "initiatives[0].title"),
    ({"initiatives": [{"title": "t", "description": 5}]}, "initiatives[0].description"),
    ({"initiatives": [{"title": "t", "focus_areas": ["Nope"]}]}, "initiatives[0].focus_areas"),
    ({"initiatives": [{"id": "bad id", "title": "t"}]}, "initiatives[0].id"),
    ({"initiatives": [{"id": 5, "title": "t"}]}, "initiatives[0].id"),
    ({"initiatives": [{"id": "a", "title": "t"}, {"id": "a", "title": "u"}]}, "initiatives[1].id"),
]


@st.composite
def plan_mistake(draw) -> tuple[dict, str]:
    """(changes that make a plan wrong, the field path below the plan that the refusal must name)."""
    if draw(st.booleans()):
        return draw(st.sampled_from(PLAN_MISTAKES))
    field = draw(st.sampled_from(["id", "title", "summary", "source", "city", "initiative title", "description"]))
    bad = draw(with_refused(draw(st.text(LETTER, max_size=20)), field in ("summary", "source", "description")))
    if field == "city":
        return {"level": "city", "city": bad}, "city"
    if field in ("initiative title", "description"):
        return {"initiatives": [{"title": bad if field != "description" else "t", "description": bad}]}, (
            f"initiatives[0].{field.removeprefix('initiative ')}")
    return {field: bad}, field


def test_a_plan_file_with_mistakes_is_refused_whole_naming_each_plan_and_field(app):
    @examples(50)
    @given(plans=plan_file(), data=st.data())
    def check(plans, data):
        entries = [entry for entry, _ in plans]
        wrong = data.draw(st.lists(st.sampled_from(range(len(entries))), min_size=1, unique=True))
        named = []
        if len(entries) > 2 and data.draw(st.booleans()):  # the same id twice in good plans: the later is named
            twins = [index for index in range(len(entries)) if index not in wrong][:2]
            if len(twins) == 2:
                entries[twins[1]]["id"] = entries[twins[0]]["id"]
                named.append(f"plans[{twins[1]}].id")
        for index in wrong:
            changes, field = data.draw(plan_mistake())
            entries[index].update(changes)
            named.append(f"plans[{index}].{field}")
        refused_whole(lambda: import_plans({"plans": entries}), named, PLAN_KEY)
    check()


PLAN_LIKELY = {
    "id": PLAN_IDS, "country": st.sampled_from(COUNTRIES), "level": st.sampled_from(["national", "city"]),
    "city": st.sampled_from(["Bangkok", "hanoi", None, ""]), "title": st.text(LETTER, min_size=1, max_size=5),
    "period": st.fixed_dictionaries({"start": st.integers(1985, 2105), "end": st.none() | st.integers(1985, 2105)}),
    "focus_areas": st.lists(st.sampled_from(AREAS), max_size=2), "summary": st.none() | ANY_TEXT,
    "source": st.none() | ANY_TEXT,
    "initiatives": st.lists(st.fixed_dictionaries({"title": ANY_TEXT}, optional={
        "id": PLAN_IDS | JSON, "description": ANY_TEXT | JSON, "focus_areas": st.lists(st.sampled_from(AREAS))}),
        max_size=2)}


@st.composite
def random_plan(draw) -> dict:
    """A plan with values mostly right for their names, else any JSON; some names left out."""
    names = draw(st.sets(st.sampled_from(list(PLAN_LIKELY)), min_size=len(PLAN_LIKELY) - 2))
    return {name: draw(mostly(PLAN_LIKELY[name], JSON)) for name in names}


def test_any_plan_file_imports_or_is_refused_whole_with_named_errors(app):
    @examples(60)
    @given(data=st.fixed_dictionaries({"plans": st.lists(random_plan() | JSON, max_size=3)}) | JSON)
    def check(data):
        before = database_rows()
        try:
            import_plans(data)
        except ValidationError as refused:
            assert all(PLAN_KEY.fullmatch(key) and message for key, message in refused.errors.items())
            assert database_rows() == before
        else:
            for plan in export_plans()["plans"]:
                texts = [plan["title"], plan["summary"], plan["source"], *(i["title"] for i in plan["initiatives"])]
                assert PLAN_ID.fullmatch(plan["id"]) and 1 <= len(plan["title"]) <= 300
                assert v.EARLIEST.year <= plan["period"]["start"] <= (plan["period"]["end"] or v.LATEST.year)
                assert not any(ch in text for text in texts for ch in REFUSED + SURROGATES)
        finally:
            db.session.rollback()
    check()


def test_the_plans_command_refuses_a_file_nested_too_deep_as_unreadable(runner, tmp_path):
    path = tmp_path / "plans.json"
    path.write_text("[" * 5000)  # deeper than Python's JSON reader goes: a RecursionError, not a ValueError
    result = runner.invoke(args=["plans", "import", str(path)])
    assert result.exit_code == 1 and "error: file: cannot read" in result.output, result.output


# ---- the overlap-check request -----------------------------------------------------------------------------------

OVERLAP = "/api/v1/overlap-check"


@st.composite
def draft(draw) -> dict:
    """A valid overlap-check draft: the contract's fields, the optional ones given or not."""
    name, local, _ = draw(st.sampled_from(CITIES))
    body = {"title": draw(line(MAX_LENGTHS["title"], 1)),
            "city": draw(padded(st.sampled_from([name, name.upper(), slugify(name), local or name])))}
    days = sorted(draw(st.lists(st.dates(v.EARLIEST, v.LATEST), min_size=2, max_size=2)))
    optional = {
        "summary": st.none() | lines(MAX_LENGTHS["summary"]), "description": st.none() | lines(500),
        "focus_areas": st.lists(st.sampled_from(AREAS).flatmap(lambda a: st.sampled_from([a, a.upper(), slugify(a)])),
                                max_size=3),
        "start_date": st.just(days[0].isoformat()), "end_date": st.just(days[1].isoformat()),
        "location": st.fixed_dictionaries({"lat": st.floats(-90, 90) | st.integers(-90, 90),
                                           "lon": st.floats(-180, 180) | st.integers(-180, 180)}),
        "partners": st.lists(line(200, 1), max_size=5) | st.sampled_from([[f"Partner {n}" for n in range(50)]]),
        "project_id": st.integers(1, 2 ** 63)}
    for name in draw(st.sets(st.sampled_from(list(optional)))):
        body[name] = draw(optional[name])
    return body


def well_formed_answer(answer: dict) -> bool:
    """The contract's answer: flags (most likely overlap first) with score, severity and reasons; what was checked."""
    flags, checked = answer["flags"], answer["checked"]
    assert set(answer) == {"flags", "checked", "related"} and set(checked) == {"plans", "initiatives", "projects"}
    assert all(isinstance(n, int) and n >= 0 for n in checked.values())
    for flag in flags:
        assert flag["kind"] in ("plan", "project") and 0 <= flag["score"] <= 1
        assert flag["severity"] in ("high", "medium", "low")
        assert flag["reasons"] and all(isinstance(reason, str) and reason for reason in flag["reasons"])
        assert isinstance(flag["plan_id"] if flag["kind"] == "plan" else flag["project_id"], (str, int))
    return [f["score"] for f in flags] == sorted((f["score"] for f in flags), reverse=True)


def problem_document(response, status: int | None = None) -> dict:
    """The one JSON error format: an RFC 9457 problem document whose status is the response's."""
    body = response.get_json(force=True)
    assert response.mimetype == "application/problem+json" and body["status"] == response.status_code
    assert body["title"] and body["detail"] and body["type"].startswith("https://")
    assert all(error["name"] and error["message"] for error in body.get("errors", []))
    assert status in (None, response.status_code)
    return body


def test_a_valid_draft_is_answered_with_well_formed_flags(client):
    @examples(40)
    @given(body=draft())
    def check(body):
        limiter.reset()
        response = client.post(OVERLAP, json=body)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert well_formed_answer(response.get_json())
    check()


DRAFT_MISTAKES = [
    ({"title": None}, "title"), ({"title": "  "}, "title"), ({"title": 5}, "title"),
    ({"title": "x" * (MAX_LENGTHS["title"] + 1)}, "title"),
    ({"summary": "x" * (MAX_LENGTHS["summary"] + 1)}, "summary"),
    ({"summary": 5}, "summary"), ({"description": ["a"]}, "description"), ({"city": None}, "city"),
    ({"city": "Atlantis"}, "city"), ({"city": 5}, "city"), ({"city": "x" * 201}, "city"),
    ({"focus_areas": AREAS[0]}, "focus_areas"), ({"focus_areas": [5]}, "focus_areas"),
    ({"focus_areas": ["Space Travel"]}, "focus_areas"), ({"focus_areas": ["x" * 201]}, "focus_areas"),
    ({"start_date": "2026-13-01"}, "start_date"), ({"start_date": 20260101}, "start_date"),
    ({"start_date": "1989-12-31"}, "start_date"), ({"end_date": "2101-01-01"}, "end_date"),
    ({"start_date": "2027-01-01", "end_date": "2026-12-31"}, "end_date"), ({"location": "13.7,100.5"}, "location"),
    ({"location": [13.7, 100.5]}, "location"), ({"location": {"lat": 90.5, "lon": 0}}, "location.lat"),
    ({"location": {"lat": "13", "lon": 100}}, "location.lat"), ({"location": {"lat": 0, "lon": True}}, "location.lon"),
    ({"location": {"lat": 0, "lon": 1e400}}, "location.lon"), ({"location": {}}, "location.lat"),
    ({"partners": [f"P{n}" for n in range(51)]}, "partners"), ({"partners": "ADB"}, "partners"),
    ({"partners": [5]}, "partners"), ({"partners": ["x" * 201]}, "partners"), ({"project_id": 0}, "project_id"),
    ({"project_id": "5"}, "project_id"), ({"project_id": True}, "project_id"), ({"project_id": 1.5}, "project_id"),
]


@st.composite
def draft_mistake(draw) -> tuple[dict, str]:
    """(changes that make a draft wrong, the field the refusal must name)."""
    if draw(st.booleans()):
        return draw(st.sampled_from(DRAFT_MISTAKES))
    field = draw(st.sampled_from(["title", "summary", "description", "city", "focus_areas", "partners", "start_date"]))
    bad = draw(with_refused(draw(st.text(LETTER, max_size=20)), field in ("summary", "description")))
    return {field: [bad] if field in ("focus_areas", "partners") else bad}, field


def test_a_draft_with_mistakes_is_refused_with_a_problem_naming_each_field(client):
    @examples(50)
    @given(body=draft(), mistakes=st.lists(draft_mistake(), min_size=1, max_size=3))
    def check(body, mistakes):
        fields = []
        for position, (changes, field) in enumerate(mistakes):
            body.update(changes)
            if all(changes.keys().isdisjoint(later) for later, _ in mistakes[position + 1:]):  # not undone later
                fields.append(field)
        limiter.reset()
        response = client.post(OVERLAP, json=body)
        named = [error["name"] for error in problem_document(response, 400)["errors"]]
        for field in fields:
            assert any(re.fullmatch(rf"{re.escape(field)}(\[\d+\])?", name) for name in named), (field, named)
    check()


LIKELY_DRAFT = {"title": st.text(LETTER, min_size=1, max_size=5), "city": st.sampled_from(["bangkok", "Hanoi"]),
                "focus_areas": st.lists(st.sampled_from(AREAS), max_size=2), "start_date": st.just("2026-01-01"),
                "end_date": st.just("2027-12-31"), "location": st.just({"lat": 13.75, "lon": 100.5}),
                "partners": st.lists(st.text(LETTER, min_size=1, max_size=5), max_size=2), "summary": ANY_TEXT,
                "project_id": st.integers(-2, 2 ** 70)}
BODIES = st.one_of(
    st.fixed_dictionaries({}, optional={name: mostly(likely, JSON)
                                        for name, likely in LIKELY_DRAFT.items()}).map(json.dumps),
    JSON.map(json.dumps), st.binary(max_size=100), st.sampled_from(["{", '{"title": "x"', "[" * 5000, "1e999", "",
                                                                    "\ufeff{}", " " * (2 * 1024 * 1024 + 1)]))
CONTENT_TYPES = st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain", "",
                                 "application/x-www-form-urlencoded", "multipart/form-data", "application/xml"])


def test_any_request_is_answered_or_refused_with_a_problem_never_a_500(client):
    @examples(80)
    @given(body=BODIES, content_type=CONTENT_TYPES)
    @example(body="[" * 5000, content_type="application/json")  # nested deeper than Python's JSON reader goes
    def check(body, content_type):
        limiter.reset()
        response = client.post(OVERLAP, data=body, content_type=content_type or None)
        assert response.status_code in (200, 400, 413), response.get_data(as_text=True)[:300]  # 413: over 2 MB
        if response.status_code == 200:
            assert well_formed_answer(response.get_json())
        elif response.status_code == 400:
            assert problem_document(response)["errors"]  # each naming its field
        else:
            problem_document(response)
    check()


def test_a_lone_surrogate_is_refused_naming_the_field(client, tmp_path):
    """JSON can escape half of a UTF-16 pair ("\\ud800"); Python reads it, but no UTF-8 text (or database) holds it."""
    title = "Canal sensors \ud800"
    response = client.post(OVERLAP, json={"title": "Canal sensors", "city": "Bangkok \udc00"})
    assert [e["name"] for e in problem_document(response, 400)["errors"]] == ["city"]
    feature = {"type": "Feature", "geometry": None, "properties": {"title": title, "city": "Bangkok"}}
    with pytest.raises(ValidationError) as refused:
        importer.import_projects(write_project_file(tmp_path, "geojson", [feature]))
    assert list(refused.value.errors) == ["row 1: title"]
    plan = {"id": "TH-X", "country": "TH", "level": "national", "title": title, "period": {"start": 2024}}
    with pytest.raises(ValidationError) as refused:
        import_plans({"plans": [plan]})
    assert list(refused.value.errors) == ["plans[0].title"]
