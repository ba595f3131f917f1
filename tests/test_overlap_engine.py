"""The overlap engine alone (no Flask, no database): coverage, languages, projects, updates, the lexicon.

Its quality on the labelled case sets (with floors) and the metric arithmetic are in test_overlap_quality.py.
"""
from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path

import pytest

from smartcities.overlap.engine.concepts import LABELS, find
from smartcities.overlap.engine import Draft, Flag, InitiativeDoc, OverlapIndex, PlanDoc, ProjectDoc
from smartcities.overlap.engine.evaluation import draft_from_case, plan_docs_from_plan_file
from smartcities.overlap.engine.lexicon import CONCEPTS
from smartcities.overlap.engine.text import fold, normalise, parse
from smartcities.text import slugify

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
with open(ROOT / "smartcities" / "data" / "cities.csv", encoding="utf-8") as _handle:
    CITIES = {slugify(row["name"]): (slugify(row["name"]), row["country_iso2"], float(row["latitude"]),
                                     float(row["longitude"])) for row in csv.DictReader(_handle)}
COORDS = {slug: (lat, lon) for slug, (_, _, lat, lon) in CITIES.items()}


def city_lookup(name: str) -> tuple[str, str]:
    slug, country, _, _ = CITIES[slugify(name)]
    return slug, country


PLANS = plan_docs_from_plan_file(json.loads((DATA / "overlap_plans.json").read_text(encoding="utf-8")),
                                 city_lookup)
CASES = json.loads((DATA / "overlap_cases.json").read_text(encoding="utf-8"))["cases"]
POSITIVE = sorted({c["category"] for c in CASES if c["category"].startswith("positive")})
NEGATIVE = sorted({c["category"] for c in CASES if c["category"].startswith("negative")})


@pytest.fixture
def index():
    built = OverlapIndex(city_coords=COORDS)
    for plan in PLANS:
        built.upsert_plan(plan)
    return built


def plan_ids(result) -> set[str]:
    return {flag.plan_id for flag in result.flags if flag.kind == "plan"}


def draft(title: str, text: str = "", city: str = "bangkok", **fields) -> Draft:
    slug, country = city_lookup(city)
    fields.setdefault("start", date(2026, 1, 1))
    fields.setdefault("end", date(2027, 12, 31))
    return Draft(title=title, text=text, city=slug, country=country, **fields)


# The labelled set


def test_labelled_set_is_well_formed():
    ids = {plan.plan_id for plan in PLANS}
    assert len(PLANS) == 19 and len(CASES) >= 100 and len(POSITIVE) + len(NEGATIVE) == 9
    assert len({case["id"] for case in CASES}) == len(CASES)
    for case in CASES:
        assert set(case["expected_plan_ids"]) <= ids, case["id"]
        assert bool(case["expected_plan_ids"]) == case["category"].startswith("positive"), case["id"]
        city_lookup(case["project"]["city"])


# Which plans cover a draft

FLOOD = "Water-level sensors in canals and flood early warning for residents"


def plan(plan_id: str, *initiatives: str, country: str = "TH", city: str | None = None, start: int = 2018,
         end: int | None = None) -> PlanDoc:
    return PlanDoc(plan_id=plan_id, title=f"Plan {plan_id}", country=country,
                   level="city" if city else "national", city=city, start_year=start, end_year=end,
                   focus_areas=frozenset({"Safety and Security"}), summary="",
                   initiatives=tuple(InitiativeDoc(id=n, title=text, description=text)
                                     for n, text in enumerate(initiatives or (FLOOD,), 1)))


@pytest.mark.parametrize("start_year, end_year, start, end, covered", [
    (2018, 2022, date(2023, 1, 1), date(2024, 12, 31), False),   # ended before the project starts
    (2018, 2022, date(2022, 6, 1), date(2024, 12, 31), True),    # its last year overlaps
    (2030, None, date(2026, 1, 1), date(2027, 12, 31), False),   # starts after the project ends
    (2027, 2030, date(2026, 1, 1), date(2027, 3, 1), True),      # its first year overlaps
    (2018, None, date(2040, 1, 1), date(2041, 1, 1), True),      # open-ended
    (2018, 2020, None, None, True),                              # a project without dates
    (2018, 2020, date(2026, 1, 1), None, False),
    (2030, 2035, None, date(2027, 1, 1), False),
])
def test_plan_period_coverage(start_year, end_year, start, end, covered):
    index = OverlapIndex()
    index.upsert_plan(plan("p", start=start_year, end=end_year))
    result = index.check(draft("Flood warning from canal water-level sensors", FLOOD, start=start, end=end))
    assert (plan_ids(result) == {"p"}) is covered
    assert result.checked["plans"] == (1 if covered else 0)
    assert result.checked["initiatives"] == (1 if covered else 0)


def test_only_national_plans_of_the_country_and_plans_of_the_city_cover_a_draft():
    index = OverlapIndex()
    index.upsert_plan(plan("th-national"))
    index.upsert_plan(plan("th-bangkok", city="bangkok"))
    index.upsert_plan(plan("th-chiang-mai", city="chiang-mai"))
    index.upsert_plan(plan("vn-national", country="VN"))
    result = index.check(draft("Flood warning from canal water-level sensors", FLOOD))
    assert plan_ids(result) == {"th-national", "th-bangkok"}
    assert result.checked == {"plans": 2, "initiatives": 2, "projects": 0}
    assert "plan period 2018–open covers 2026–2027" in result.flags[0].reasons


# Projects against projects


def project(project_id: int, title: str = "Canal flood warning", text: str = FLOOD, city: str = "bangkok",
            start: date | None = date(2026, 1, 1), end: date | None = date(2027, 12, 31),
            lat: float | None = None, lon: float | None = None, partners: tuple[str, ...] = ()) -> ProjectDoc:
    slug, country = city_lookup(city)
    return ProjectDoc(id=project_id, title=title, text=text, city=slug, country=country,
                      focus_areas=frozenset({"Safety and Security"}), start=start, end=end, lat=lat, lon=lon,
                      partners=frozenset(partners))


def project_ids(result) -> list[int]:
    return [flag.project_id for flag in result.flags if flag.kind == "project"]


def test_a_similar_project_in_the_same_city_is_flagged_with_its_distance():
    index = OverlapIndex(city_coords=COORDS)
    index.upsert_project(project(1, lat=13.80, lon=100.55))
    index.upsert_project(project(2, "Stray dog vaccination", "District vets vaccinate stray dogs."))
    result = index.check(draft("Flood warning for canal communities", FLOOD, lat=13.81, lon=100.55))
    assert project_ids(result) == [1] and result.checked["projects"] == 2
    flag = result.flags[0]
    assert flag.plan_id is None and flag.project_title == "Canal flood warning"
    assert any(reason.startswith("same city, 1.1 km away") for reason in flag.reasons), flag.reasons
    assert any(reason.startswith("dates overlap") for reason in flag.reasons)


def test_a_project_is_never_flagged_against_itself():
    index = OverlapIndex(city_coords=COORDS)
    index.upsert_project(project(1))
    assert project_ids(index.check(draft("Canal flood warning", FLOOD, project_id=1))) == []
    assert project_ids(index.check(draft("Canal flood warning", FLOOD))) == [1]


def test_projects_whose_dates_do_not_overlap_are_not_flagged():
    index = OverlapIndex(city_coords=COORDS)
    index.upsert_project(project(1, start=date(2020, 1, 1), end=date(2022, 12, 31)))
    index.upsert_project(project(2, start=None, end=None))
    result = index.check(draft("Canal flood warning", FLOOD, start=date(2026, 1, 1), end=None))
    assert project_ids(result) == [2] and result.checked["projects"] == 1


def test_a_project_of_another_city_within_the_radius_is_flagged_but_not_a_far_one():
    index = OverlapIndex(radius_km=5.0, city_coords=COORDS)
    index.upsert_project(project(1, city="chonburi", lat=13.70, lon=100.52))   # registered by a neighbour
    index.upsert_project(project(2, city="chiang-mai"))
    index.upsert_project(project(3, city="hanoi"))
    result = index.check(draft("Canal flood warning", FLOOD, lat=13.72, lon=100.52))
    assert project_ids(result) == [1]
    assert any(reason.startswith("2.2 km away") for reason in result.flags[0].reasons), result.flags[0].reasons


def test_a_shared_partner_raises_the_score_and_says_so():
    index = OverlapIndex(city_coords=COORDS)
    index.upsert_project(project(1, partners=("Asian Development Bank",)))
    plain = index.check(draft("Canal flood warning", FLOOD)).flags[0]
    adb = frozenset({"asian development bank"})
    shared = index.check(draft("Canal flood warning", FLOOD, partners=adb)).flags[0]
    assert shared.score > plain.score
    assert "shared partner: asian development bank (possible double funding)" in shared.reasons


# Languages


def test_thai_without_spaces_matches_thai():
    index = OverlapIndex()
    index.upsert_plan(plan("th", "ระบบแจ้งเตือนน้ำท่วมด้วยเซ็นเซอร์วัดระดับน้ำในคลอง"))
    result = index.check(draft("ติดตั้งเซ็นเซอร์วัดระดับน้ำในคลองและแจ้งเตือนน้ำท่วมให้ชุมชน"))
    assert plan_ids(result) == {"th"}
    assert any("เซ็นเซอร์วัดระดับน" in reason for reason in result.flags[0].reasons), result.flags[0].reasons


def test_thai_matches_english_through_a_shared_concept():
    index = OverlapIndex()
    index.upsert_plan(plan("th", "Telehealth for elderly and bed-ridden patients"))
    result = index.check(draft("การแพทย์ทางไกลสำหรับผู้สูงอายุ"))
    assert plan_ids(result) == {"th"}
    assert 'same concept: telemedicine and remote consultation ("การแพทย์ทางไกล" ~ "telehealth")' \
        in result.flags[0].reasons


@pytest.mark.parametrize("title", ["Cảnh báo ngập lụt và quan trắc mực nước tại các phường trũng thấp",
                                   "Canh bao ngap lut va quan trac muc nuoc tai cac phuong trung thap"])
def test_vietnamese_matches_with_and_without_diacritics(title):
    index = OverlapIndex()
    index.upsert_plan(plan("vn", "Quan trắc mưa, mực nước và cảnh báo ngập lụt", country="VN"))
    index.upsert_plan(plan("vn-ascii", "Quan trac muc nuoc va canh bao ngap lut", country="VN"))
    result = index.check(draft(title, city="hanoi"))
    assert plan_ids(result) == {"vn", "vn-ascii"}


def test_folding_and_normalisation():
    assert fold("đường") == "duong" and fold("Đà Nẵng".casefold()) == "da nang"
    assert normalise("PM2.5 und PM 2.5") == "pm25 und pm25"
    assert [w.key for w in parse("Sensors, buses and licences").words] == ["sensor", "bus", "and", "licence"]


@pytest.mark.parametrize("title, text, city", [
    ("Smart City Digital Development Project", "A smart digital system project for the development of the "
     "smart city, with a digital platform and smart solutions.", "bangkok"),
    ("โครงการพัฒนาเมืองอัจฉริยะด้วยระบบดิจิทัล", "โครงการพัฒนาระบบดิจิทัลและแพลตฟอร์มเมืองอัจฉริยะ", "bangkok"),
    ("Dự án phát triển đô thị thông minh", "Xây dựng hệ thống và nền tảng số thông minh cho thành phố.",
     "da-nang"),
    ("Du an phat trien do thi thong minh", "Xay dung he thong va nen tang so thong minh.", "da-nang"),
    ("Pengembangan Kota Cerdas Berbasis Digital", "Program pengembangan sistem dan aplikasi digital.", "makassar"),
    ("The project of the city", "It is for the and with of a an in on at by to.", "kuala-lumpur"),
])
def test_filler_and_stop_words_alone_never_flag(index, title, text, city):
    index.upsert_plan(plan("filler", "Smart city digital development programme",
                           "Digital platform and smart system development for the smart city", city=city,
                           country=city_lookup(city)[1]))
    index.upsert_project(project(1, "Smart digital city platform project", "Smart city development system.",
                                 city=city))
    assert index.check(draft(title, text, city=city)).flags == []


def test_its_means_a_transport_system_only_in_capitals():
    assert "traffic_signals" in find("ITS for the downtown grid", parse("ITS for the downtown grid"))
    assert "traffic_signals" not in find("Improve its bus stops", parse("Improve its bus stops"))


def terms_of(terms: str) -> list[str]:
    return [term.strip() for term in terms.split(";")]


def test_every_concept_has_a_unique_key_a_label_and_terms():
    keys = [key for key, _, _ in CONCEPTS]
    labels = [label for _, label, _ in CONCEPTS]
    assert len(set(keys)) == len(keys), sorted(key for key in keys if keys.count(key) > 1)
    assert len(set(labels)) == len(labels), sorted(label for label in labels if labels.count(label) > 1)
    for key, label, terms in CONCEPTS:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", key), key
        assert label.strip() == label and label, key
        assert LABELS[key] == label
        assert all(terms_of(terms)), f"{key}: an empty term (a stray ';')"
        assert any(term.isascii() for term in terms_of(terms)), f"{key}: no English term"


def test_every_term_names_its_own_concept():
    # A term that stemming, stop-words or normalisation reduce to nothing (or to another concept) is dead.
    dead = [(key, term) for key, _, terms in CONCEPTS for term in terms_of(terms)
            if key not in find(term, parse(term))]
    assert dead == []


# One established term per language of the lexicon, each found as the concept it names.
LANGUAGE_PROBES = [
    ("English", "flood early warning", "flood"),
    ("Thai", "ระบบแจ้งเตือนน้ำท่วม", "flood"),
    ("Vietnamese", "cảnh báo ngập lụt", "flood"),
    ("Vietnamese without diacritics", "canh bao ngap lut", "flood"),
    ("Bahasa Indonesia", "pemantauan kualitas udara", "air_quality"),
    ("Malay", "pemantauan kualiti udara", "air_quality"),
    ("Khmer", "ទឹកជំនន់", "flood"),
    ("Lao", "ນ້ຳຖ້ວມ", "flood"),
    ("Burmese", "ရေကြီး", "flood"),
    ("Filipino", "babala sa baha", "flood"),
]


@pytest.mark.parametrize("language, text, concept", LANGUAGE_PROBES, ids=[p[0] for p in LANGUAGE_PROBES])
def test_every_language_of_the_lexicon_names_concepts(language, text, concept):
    assert concept in find(text, parse(text))


@pytest.mark.parametrize("script, letters", [("Thai", "\u0e00-\u0e7f"), ("Lao", "\u0e80-\u0eff"),
                                             ("Khmer", "\u1780-\u17ff"), ("Burmese", "\u1000-\u109f")])
def test_every_script_has_terms_in_several_concepts(script, letters):
    with_script = [key for key, _, terms in CONCEPTS if re.search(f"[{letters}]", terms)]
    assert len(with_script) >= 10, with_script


def test_nearly_every_concept_crosses_languages():
    # The lexicon exists to let a Thai or Vietnamese project meet an English initiative.
    english_only = [key for key, _, terms in CONCEPTS if all(term.isascii() for term in terms_of(terms))]
    assert len(english_only) <= 0.1 * len(CONCEPTS), english_only


# Incremental updates


def test_upsert_then_remove_a_plan_changes_the_result():
    index = OverlapIndex()
    flood = draft("Flood warning from canal water-level sensors", FLOOD)
    assert index.check(flood).flags == []
    index.upsert_plan(plan("p"))
    assert plan_ids(index.check(flood)) == {"p"}
    index.remove_plan("p")
    assert index.check(flood).flags == [] and index.check(flood).checked["plans"] == 0
    index.remove_plan("p")   # unknown ids are ignored


def test_re_upserting_a_plan_replaces_its_initiatives():
    index = OverlapIndex()
    index.upsert_plan(plan("p", FLOOD, "Free public Wi-Fi in markets"))
    index.upsert_plan(plan("p", "Electric buses on city routes"))
    assert index.check(draft("Flood warning from canal water-level sensors", FLOOD)).flags == []
    result = index.check(draft("Battery-electric buses for the city bus service"))
    assert [flag.initiative for flag in result.flags] == ["Electric buses on city routes"]
    assert result.checked == {"plans": 1, "initiatives": 1, "projects": 0}


def test_upsert_then_remove_a_project_and_move_it():
    index = OverlapIndex(city_coords=COORDS)
    flood = draft("Canal flood warning", FLOOD)
    index.upsert_project(project(1))
    assert project_ids(index.check(flood)) == [1]
    index.upsert_project(project(1, city="hanoi"))   # re-registered in another city
    assert project_ids(index.check(flood)) == []
    assert project_ids(index.check(draft("Canal flood warning", FLOOD, city="hanoi"))) == [1]
    index.remove_project(1)
    assert index.check(draft("Canal flood warning", FLOOD, city="hanoi")).flags == []
    index.remove_project(1)


# What a flag says


def test_reasons_name_the_matched_phrases_focus_and_period(index):
    result = index.check(draft("Canal water-level sensors and flood warning", "Sensors measure the water level "
                               "in canals and warn residents before flooding.",
                               focus_areas=frozenset({"Safety and Security"})))
    flag = next(f for f in result.flags if f.initiative == "Water-level sensors and flood warning")
    assert flag.plan_id == "th-bangkok-bma-2022" and flag.severity == "high"
    text = next(reason for reason in flag.reasons if reason.startswith("Text similarity"))
    assert '"water level sensors"' in text or '"water-level sensors"' in text, text
    assert "shared focus area: Safety and Security" in flag.reasons
    assert "plan period 2022–open covers 2026–2027" in flag.reasons
    assert any(reason.startswith("same concept: flood monitoring") for reason in flag.reasons)


def test_flags_are_sorted_thresholded_and_one_per_initiative(index):
    bangkok = draft("Traffic signals, bus location and flood sensors", "Adaptive traffic signals, real-time "
                    "bus location at smart bus stops, and water-level sensors with flood warning.")
    result = index.check(bangkok)
    scores = [flag.score for flag in result.flags]
    assert len(scores) >= 3 and scores == sorted(scores, reverse=True) and min(scores) >= index.threshold
    keys = [(flag.plan_id, flag.initiative_id) for flag in result.flags]
    assert len(keys) == len(set(keys))
    strict = OverlapIndex(threshold=0.9)
    for item in PLANS:
        strict.upsert_plan(item)
    assert len(strict.check(bangkok).flags) < len(result.flags)


def test_flag_as_dict_is_the_answer_format():
    flag = Flag(kind="plan", score=0.81234, severity="high", reasons=["r"], plan_id="p", plan_title="P",
                initiative="I", initiative_id=3)
    assert flag.as_dict() == {"kind": "plan", "plan_id": "p", "plan_title": "P", "initiative": "I",
                              "project_id": None, "project_title": None, "score": 0.81, "severity": "high",
                              "reasons": ["r"]}


def test_a_case_project_becomes_a_draft():
    case = {"title": "T", "summary": "S", "description": "D", "city": "Da Nang",
            "focus_areas": ["Civic and Social"], "start_date": "2026-01-01",
            "location": {"lat": 16.0, "lon": 108.2}, "partners": ["UNDP"]}
    assert draft_from_case(case, city_lookup) == Draft(
        title="T", text="S D", city="da-nang", country="VN", focus_areas=frozenset({"Civic and Social"}),
        start=date(2026, 1, 1), lat=16.0, lon=108.2, partners=frozenset({"UNDP"}))


def test_the_engine_imports_nothing_of_the_portal():
    """The engine stays framework-free: no module under overlap/engine imports Flask, SQLAlchemy, Werkzeug or
    any part of the portal outside the engine."""
    import ast
    from pathlib import Path

    import smartcities.overlap.engine as engine_package

    folder = Path(engine_package.__file__).parent
    modules = sorted(folder.glob("*.py"))
    assert len(modules) >= 10
    for module in modules:
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                top = name.split(".")[0]
                assert top not in {"flask", "flask_babel", "flask_login", "sqlalchemy", "werkzeug"}, (module, name)
                if top == "smartcities":
                    assert name.startswith("smartcities.overlap.engine"), (module.name, name)
