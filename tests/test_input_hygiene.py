"""Issue 14, input hygiene: one rule (smartcities.text.clean_text) for every text field of the project form, the
overlap-check API, the project and plan file imports and the plan form; plan ids, date ranges, GeoJSON points."""
from __future__ import annotations

import html
import json
import unicodedata

import pytest
from sqlalchemy import func, select
from test_plan_management import form as post_plan_form
from test_plans_cli import plan as plan_entry
from test_plans_cli import write as write_plans
from test_projects_import import GOOD, write_csv
from support import csrf_token
from test_workflow import form

from smartcities.audit.models import AuditEvent
from smartcities.extensions import db
from smartcities.organisations.models import Organisation
from smartcities.plans.models import NationalPlan, PlanInitiative
from smartcities.projects import validation as v
from smartcities.projects.models import Project, ProjectParticipation
from smartcities.text import FieldError, clean_text

OVERLAP = "/api/v1/overlap-check"
DRAFT = {"title": "Smart poles with flood sensors", "summary": "Poles with sensors for road flooding.",
         "city": "bangkok", "start_date": "2026-01-01", "end_date": "2027-12-31"}

# (label, the bad character or None for an over-long value, what the message says)
BAD = [
    pytest.param("\x00", "must not contain a NUL character (U+0000)", id="NUL"),
    pytest.param("\u202e", "must not contain U+202E, a bidirectional control character", id="U+202E"),
    pytest.param("\u2066", "must not contain U+2066, a bidirectional control character", id="U+2066"),
    pytest.param("\x07", "must not contain the control character U+0007", id="BEL"),
    pytest.param("\x9b", "must not contain the control character U+009B", id="C1-CSI"),
    pytest.param(None, "must be at most {limit} characters", id="over-long"),
]

# Real names in the region's scripts: combining marks (Thai, Lao, Khmer, Burmese vowels and tones; Vietnamese in
# decomposed form), Khmer subscripts, joiners, and emoji with a zero-width joiner and a variation selector.
LEGITIMATE = {
    "thai": "โครงการเซ็นเซอร์น้ำท่วมในคลอง กรุงเทพฯ",
    "khmer": "គម្រោងក្រុងឆ្លាតវៃ ភ្នំពេញ",
    "lao": "ໂຄງການເມືອງອັດສະລິຍະ ນະຄອນຫຼວງວຽງຈັນ",
    "burmese": "ရန်ကုန်မြို့ စမတ်စီးတီး စီမံကိန်း",
    "vietnamese": unicodedata.normalize("NFD", "Cảm biến ngập lụt Đà Nẵng"),
    "emoji": "Flood sensors 🌧️ 👩‍🔬 🇹🇭 \u200c",
}


def bad_value(char: str | None, limit: int) -> str:
    return "x" * (limit + 1) if char is None else f"Canal{char} sensors"


def counts() -> dict[str, int]:
    """What any entry point could write, counted afresh (the request or command ran in its own session)."""
    db.session.rollback()
    models = (Project, ProjectParticipation, Organisation, AuditEvent, NationalPlan, PlanInitiative)
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in models}


def problem_fields(response) -> dict[str, str]:
    assert response.status_code == 400 and response.mimetype == "application/problem+json", response.data[:300]
    return {error["name"]: error["message"] for error in response.json["errors"]}


def field_error(page: str, field: str) -> str:
    """The text of the error shown under a form field (its id="<field>-error" element)."""
    marker = f'id="{field}-error"'
    assert marker in page, f"no error shown for {field}"
    start = page.index(">", page.index(marker)) + 1
    return html.unescape(page[start:page.index("<", start)])


@pytest.fixture
def focal_point(client, auth, make_user):
    make_user("focal_point", email="fp@th.example", country="TH")
    auth.login("fp@th.example")


# -- the rule itself -------------------------------------------------------------------------------------------

def test_clean_text_names_the_field_and_keeps_good_text_unchanged():
    for text in LEGITIMATE.values():
        assert clean_text(text, "title", 200) == text
    assert clean_text("  two\nlines\r\n\tindented  ", "summary", 200, multiline=True) == "two\nlines\r\n\tindented"
    assert clean_text(None, "summary", 10) == ""
    with pytest.raises(FieldError) as error:
        clean_text("a\nb", "title", 200)
    assert str(error.value) == "title must be a single line (no line breaks)" and error.value.field == "title"
    for char in ("\u202a", "\u202b", "\u202c", "\u202d", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f",
                 "\u061c", "\x7f", "\x1b", "\x80"):
        with pytest.raises(FieldError, match="^summary must not contain"):
            clean_text(f"a{char}b", "summary", 200, multiline=True)
    assert clean_text("ab", "title", 2) == "ab"
    with pytest.raises(FieldError, match="^title must be text$"):
        clean_text(5, "title", 200)


# -- each entry point x each bad value: refused, the field named, nothing written ---------------------------------

@pytest.mark.parametrize("field, label, limit", [("title", "Title", 200), ("summary", "Summary", 2000),
                                                 ("participants-0-organisation", "Organisation", 200)])
@pytest.mark.parametrize("char, message", BAD)
def test_project_form_refuses(client, as_user, field, label, limit, char, message):
    token = as_user("official")
    changes = {field: bad_value(char, limit)}
    if field.startswith("participants"):
        changes["participants-0-role"] = "funding"
    before = counts()
    response = client.post("/projects/new", data=form(token, **changes))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    expected = f"{label} {message.format(limit=f'{limit:,}')}"
    if field.startswith("participants"):  # a partner row's error is shown in its table cell
        assert f'<p class="field-error">{html.escape(expected)}</p>' in page
    else:
        assert field_error(page, field) == expected
    assert counts() == before


@pytest.mark.parametrize("field, limit", [("title", 300), ("summary", 2000), ("description", 10_000),
                                          ("city", 200), ("partners", 200)])
@pytest.mark.parametrize("char, message", BAD)
def test_overlap_check_refuses(client, field, limit, char, message):
    value = bad_value(char, limit)
    payload = {**DRAFT, field: [value] if field == "partners" else value}
    before = counts()
    name = "partners[0]" if field == "partners" else field
    assert problem_fields(client.post(OVERLAP, json=payload)) == {name: message.format(limit=f"{limit:,}")}
    assert counts() == before


@pytest.mark.parametrize("field, limit", [("title", 200), ("summary", 2000), ("city", 200)])
@pytest.mark.parametrize("char, message", BAD)
def test_project_import_refuses(runner, tmp_path, field, limit, char, message):
    rows = [GOOD, {**GOOD, "title": "Second row", field: bad_value(char, limit)}]
    before = counts()
    result = runner.invoke(args=["projects", "import", write_csv(tmp_path / "p.csv", rows)])
    assert result.exit_code == 1, result.output
    assert f"row 2: {field}: {message.format(limit=f'{limit:,}')}" in result.output
    assert "nothing was written" in result.output and counts() == before


def test_project_import_refuses_a_bad_partner_name_in_geojson(runner, tmp_path):
    feature = {"type": "Feature", "geometry": None,
               "properties": {**GOOD, "partners": [{"name": "ADB\u202e", "role": "funding"}]}}
    path = tmp_path / "p.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    before = counts()
    result = runner.invoke(args=["projects", "import", str(path)])
    assert result.exit_code == 1 and "row 1: partners: a partner's name must not contain U+202E" in result.output
    assert counts() == before


@pytest.mark.parametrize("where, limit", [("title", 300), ("summary", 20_000), ("initiatives[1].title", 300),
                                          ("initiatives[0].description", 20_000)])
@pytest.mark.parametrize("char, message", BAD)
def test_plan_import_refuses(runner, tmp_path, where, limit, char, message):
    bad = plan_entry(id="th-hygiene-2026")
    if where.startswith("initiatives"):
        index, key = int(where[12]), where.rpartition(".")[2]
        bad["initiatives"][index][key] = bad_value(char, limit)
    else:
        bad[where] = bad_value(char, limit)
    before = counts()
    result = runner.invoke(args=["plans", "import", write_plans(tmp_path, [plan_entry(), bad])])
    assert result.exit_code != 0
    assert f"plans[1].{where}: {message.format(limit=f'{limit:,}')}" in result.output, result.output
    assert counts() == before


@pytest.mark.parametrize("field, label, limit", [("title", "Title", 300), ("summary", "Summary", 20_000),
                                                 ("initiatives-0-title", "Initiative", 300)])
@pytest.mark.parametrize("char, message", BAD)
def test_plan_form_refuses(client, focal_point, field, label, limit, char, message):
    before = counts()
    response = post_plan_form(client, "/plans/new", **{field: bad_value(char, limit)})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), field) == f"{label} {message.format(limit=f'{limit:,}')}"
    assert counts() == before


def test_a_line_break_is_refused_in_single_line_fields_only(client, as_user, runner, tmp_path):
    token = as_user("official")
    before = counts()
    page = client.post("/projects/new", data=form(token, title="Two\nlines")).get_data(as_text=True)
    assert field_error(page, "title") == "Title must be a single line (no line breaks)" and counts() == before
    assert problem_fields(client.post(OVERLAP, json={**DRAFT, "title": "Two\nlines"})) == {
        "title": "must be a single line (no line breaks)"}
    assert client.post(OVERLAP, json={**DRAFT, "summary": "Two\nlines\r\n\tand a tab"}).status_code == 200
    result = runner.invoke(args=["plans", "import", write_plans(tmp_path, [plan_entry(title="Two\rlines")])])
    assert "plans[0].title: must be a single line" in result.output and counts() == before
    assert client.post("/projects/new", data=form(token, summary="Two\nlines")).status_code == 302


# -- plan ids ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("plan_id", ["th-water\n2026", "th/water-2026", "a" * 65, "-th-water", "th water"])
def test_a_malformed_plan_id_is_refused_on_import_and_in_the_form(client, focal_point, runner, tmp_path, plan_id):
    before = counts()
    result = runner.invoke(args=["plans", "import", write_plans(tmp_path, [plan_entry(id=plan_id)])])
    assert result.exit_code != 0 and "plans[0].id: " in result.output, result.output
    response = post_plan_form(client, "/plans/new", id=plan_id)
    assert response.status_code == 400 and field_error(response.get_data(as_text=True), "id")
    assert counts() == before


def test_a_plan_id_of_64_characters_is_accepted(runner, tmp_path):
    plan_id = "T" + "h.-_9" * 12 + "abc"
    assert len(plan_id) == 64
    result = runner.invoke(args=["plans", "import", write_plans(tmp_path, [plan_entry(id=plan_id)])])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).where(NationalPlan.external_id == plan_id)) == 1


# -- dates and plan periods ------------------------------------------------------------------------------------

@pytest.mark.parametrize("day", ["1989-12-31", "2101-01-01"])
def test_dates_outside_1990_to_2100_are_refused(client, as_user, runner, tmp_path, day):
    with pytest.raises(FieldError, match="not between 1990-01-01 and 2100-12-31"):
        v.parse_date(day)
    token = as_user("official")
    before = counts()
    field = "start_date" if day < "2000" else "end_date"
    page = client.post("/projects/new", data=form(token, **{field: day})).get_data(as_text=True)
    assert "not between 1990-01-01 and 2100-12-31" in field_error(page, field)
    assert f"{field}" in problem_fields(client.post(OVERLAP, json={**DRAFT, field: day}))
    result = runner.invoke(args=["projects", "import", write_csv(tmp_path / "p.csv", [{**GOOD, field: day}])])
    assert result.exit_code == 1 and f"row 1: {field}: {day} is not between" in result.output
    year = int(day[:4])
    period = {"start": year, "end": None} if year < 2000 else {"start": 2026, "end": year}
    result = runner.invoke(args=["plans", "import", write_plans(tmp_path, [plan_entry(period=period)])])
    assert result.exit_code != 0 and ("period.start" if year < 2000 else "period.end") in result.output
    assert counts() == before
    as_user("focal")
    before = counts()  # (signing in may record an event)
    response = post_plan_form(client, "/plans/new", start_year=str(year))
    assert response.status_code == 400 and field_error(response.get_data(as_text=True), "start_year")
    assert counts() == before


def test_dates_at_the_bounds_are_accepted(client, as_user, runner, tmp_path):
    assert v.parse_date("1990-01-01").isoformat() == "1990-01-01"
    assert v.parse_date("2100-12-31").isoformat() == "2100-12-31"
    token = as_user("official")
    assert client.post("/projects/new", data=form(token, start_date="1990-01-01",
                                                  end_date="2100-12-31")).status_code == 302
    assert client.post(OVERLAP, json={**DRAFT, "start_date": "1990-01-01", "end_date": "2100-12-31"}).status_code == 200
    rows = [{**GOOD, "start_date": "1990-01-01", "end_date": "2100-12-31"}]
    result = runner.invoke(args=["projects", "import", write_csv(tmp_path / "p.csv", rows)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["plans", "import", write_plans(tmp_path, [plan_entry(period={"start": 1990,
                                                                                            "end": 2100})])])
    assert result.exit_code == 0, result.output


# -- GeoJSON points ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("geometry", [
    {"type": "Point", "coordinates": 5}, {"type": "Point", "coordinates": "x"},
    {"type": "Point", "coordinates": [200, 0]}, {"type": "Point", "coordinates": [100, 91]},
    {"type": "Point", "coordinates": []}, {"type": "Point", "coordinates": ["100", "13"]},
    {"type": "Point", "coordinates": [100, True]}, {"type": "Point"},
    {"type": "MultiPoint", "coordinates": [[100, 13], [201, 14]]}, 5, "Point",
], ids=["number", "string", "lon-200", "lat-91", "empty", "strings", "bool", "missing", "multipoint", "int", "str"])
def test_a_malformed_geojson_point_names_the_row_and_geometry(runner, tmp_path, geometry):
    good = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [100.5, 13.7]}, "properties": GOOD}
    bad = {"type": "Feature", "geometry": geometry, "properties": {**GOOD, "title": "Second"}}
    path = tmp_path / "p.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [good, bad]}), encoding="utf-8")
    before = counts()
    result = runner.invoke(args=["projects", "import", str(path)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, (TypeError, AttributeError))
    line = next(line for line in result.output.splitlines() if "row 2: geometry: " in line)
    assert "coordinates" in line or "must be a Point" in line
    assert counts() == before


# -- legitimate text of the region passes unchanged ---------------------------------------------------------------

@pytest.mark.parametrize("script", LEGITIMATE)
def test_text_of_the_region_is_accepted_unchanged(client, as_user, runner, tmp_path, script):
    text = LEGITIMATE[script]
    summary = f"{text}\n{text}"
    token = as_user("official")
    assert client.post("/projects/new", data=form(token, title=text, summary=summary,
                                                  description=summary)).status_code == 302
    db.session.rollback()
    project = db.session.scalars(select(Project).order_by(Project.id.desc())).first()
    assert (project.title, project.summary, project.description) == (text, summary, summary)

    assert client.post(OVERLAP, json={**DRAFT, "title": text, "summary": summary,
                                      "partners": [text]}).status_code == 200

    row = {**GOOD, "title": text, "summary": summary, "partners": f"{text} (implementing)"}
    result = runner.invoke(args=["projects", "import", write_csv(tmp_path / "p.csv", [row])])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    imported = db.session.scalars(select(Project).order_by(Project.id.desc())).first()
    assert (imported.title, imported.summary) == (text, summary)
    assert [p.organisation.name for p in imported.participations if p.role == "implementing"] == [text]

    entry = plan_entry(title=text, summary=summary, initiatives=[{"title": text, "description": summary}])
    result = runner.invoke(args=["plans", "import", write_plans(tmp_path, [entry])])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    plan = db.session.scalar(select(NationalPlan).where(NationalPlan.external_id == entry["id"]))
    assert (plan.title, plan.summary, plan.initiatives[0].title, plan.initiatives[0].description) == (
        text, summary, text, summary)

    as_user("focal")
    response = post_plan_form(client, "/plans/new", title=text, summary=summary, **{"initiatives-0-title": text})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    db.session.rollback()
    plan = db.session.scalar(select(NationalPlan).where(NationalPlan.external_id == "th-ev-charging-2026"))
    assert (plan.title, plan.summary, plan.initiatives[0].title) == (text, summary, text)


@pytest.mark.parametrize("char, message", BAD)
def test_an_account_name_is_refused_in_the_admin_form_and_the_cli(client, auth, make_user, runner, char, message):
    make_user("admin", email="admin@example.org")
    auth.login("admin@example.org")
    before = counts()
    name = bad_value(char, 120)
    response = client.post("/admin/users", data={
        "email": "lan@example.org", "role": "focal_point", "country": "VN", "display_name": name,
        "password": "a long enough secret", "csrf_token": csrf_token(client, "/admin/users")})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "display_name") == "Name " + message.format(limit=120)
    result = runner.invoke(args=["users", "create", "--email", "lan@example.org", "--role", "focal_point",
                                 "--country", "VN", "--name", name, "--password-stdin"],
                           input="a long enough secret\n")
    assert result.exit_code != 0 and "display_name" in result.output and message.format(limit=120) in result.output
    assert counts() == before
