"""`flask plans import/export`: the Plan file contract, updates by id, all-or-nothing on bad input."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from smartcities.extensions import db
from smartcities.overlap.models import OverlapFlag
from smartcities.plans.models import NationalPlan, PlanInitiative


def plan(**overrides):
    base = {
        "id": "th-test-water-2026", "country": "TH", "level": "city", "city": "Chiang Mai",
        "title": "Chiang Mai smart water plan", "period": {"start": 2026, "end": None},
        "focus_areas": ["Quality Environment"], "summary": "Water quality sensors.", "source": "test",
        "initiatives": [
            {"id": "river-sensors", "title": "River water quality sensors",
             "description": "Sensors on the Ping river.", "focus_areas": ["Quality Environment"]},
            {"id": "leaks", "title": "Leak detection", "description": "District metering.", "focus_areas": []},
        ],
    }
    base.update(overrides)
    return base


def write(tmp_path, plans, name="plans.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"plans": plans}, ensure_ascii=False), encoding="utf-8")
    return str(path)


def counts():
    return (db.session.scalar(select(func.count(NationalPlan.id))),
            db.session.scalar(select(func.count(PlanInitiative.id))))


def test_import_creates_then_updates_by_id(runner, tmp_path):
    plans_before, initiatives_before = counts()
    result = runner.invoke(args=["plans", "import", write(tmp_path, [plan()])])
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output
    assert counts() == (plans_before + 1, initiatives_before + 2)

    changed = plan(title="Chiang Mai smart water plan (revised)",
                   initiatives=[{"id": "river-sensors", "title": "River water quality sensors",
                                 "description": "Now 40 sensors."}])
    result = runner.invoke(args=["plans", "import", write(tmp_path, [changed])])
    assert result.exit_code == 0 and "1 updated" in result.output
    assert counts() == (plans_before + 1, initiatives_before + 1)
    stored = db.session.scalar(select(NationalPlan).where(NationalPlan.external_id == "th-test-water-2026"))
    assert stored.title.endswith("(revised)") and stored.city.slug == "chiang-mai" and stored.end_year is None
    assert [i.description for i in stored.initiatives] == ["Now 40 sensors."]

    result = runner.invoke(args=["plans", "import", write(tmp_path, [changed])])
    assert "1 unchanged" in result.output


def test_export_round_trips_the_plan_file_format(runner, tmp_path):
    runner.invoke(args=["plans", "import", write(tmp_path, [plan()])])
    out = tmp_path / "export.json"
    result = runner.invoke(args=["plans", "export", str(out)])
    assert result.exit_code == 0
    exported = json.loads(out.read_text(encoding="utf-8"))["plans"]
    assert len(exported) == counts()[0]
    mine = next(p for p in exported if p["id"] == "th-test-water-2026")
    assert mine == plan()
    assert set(exported[0]) == {"id", "country", "level", "city", "title", "period", "focus_areas", "summary",
                                "source", "initiatives"}
    # The export imports back unchanged.
    result = runner.invoke(args=["plans", "import", str(out)])
    assert result.exit_code == 0 and " 0 created, 0 updated" in result.output


def test_export_to_stdout(runner):
    result = runner.invoke(args=["plans", "export"])
    assert result.exit_code == 0
    assert any(p["id"] == "th-bangkok-bma" for p in json.loads(result.output)["plans"])


@pytest.mark.parametrize("bad, field", [
    (plan(country="XX"), "plans[1].country"),
    (plan(city=None), "plans[1].city"),
    (plan(city="Hanoi"), "plans[1].city"),
    (plan(level="regional"), "plans[1].level"),
    (plan(period={"start": 2026, "end": 2020}), "plans[1].period.end"),
    (plan(period={"start": "2026"}), "plans[1].period.start"),
    (plan(focus_areas=["Smart Stuff"]), "plans[1].focus_areas"),
    (plan(title=""), "plans[1].title"),
    (plan(initiatives=[{"description": "no title"}]), "plans[1].initiatives[0].title"),
    (plan(id="th-bangkok-bma", title="dup"), "plans[1].id"),
    (plan(initiatives=[{"id": "a b", "title": "Spaces are not allowed"}]), "plans[1].initiatives[0].id"),
    (plan(initiatives=[{"id": "x", "title": "One"}, {"id": "x", "title": "Two"}]), "plans[1].initiatives[1].id"),
    (plan(initiatives=[{"id": 7, "title": "A number is not an id"}]), "plans[1].initiatives[0].id"),
])
def test_bad_plan_files_change_nothing(runner, tmp_path, bad, field):
    good = plan(id="th-good-2026", title="A good plan")
    files = [good, bad] if field != "plans[1].id" else [plan(id="th-bangkok-bma", title="x"), bad]
    before = counts()
    result = runner.invoke(args=["plans", "import", write(tmp_path, files)])
    assert result.exit_code == 1
    assert field in result.output and "nothing was written" in result.output
    assert counts() == before
    assert db.session.scalar(select(NationalPlan.title).where(NationalPlan.external_id == "th-bangkok-bma")) != "x"


def test_malformed_json_is_refused(runner, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"plans": [', encoding="utf-8")
    result = runner.invoke(args=["plans", "import", str(path)])
    assert result.exit_code == 1 and "cannot read" in result.output
    path.write_text('[]', encoding="utf-8")
    result = runner.invoke(args=["plans", "import", str(path)])
    assert result.exit_code == 1 and "plans:" in result.output


def flag_on(initiative: PlanInitiative, make_project, status: str = "dismissed") -> OverlapFlag:
    project = make_project(title=f"Project repeating {initiative.title}", city="chiang-mai")
    flag = OverlapFlag(project_id=project.id, kind="plan", plan_id=initiative.plan_id, initiative_id=initiative.id,
                       subject=initiative.title, score=0.9, severity="high", status=status,
                       dismissal_reason="Reviewed: a different river.")
    db.session.add(flag)
    db.session.commit()
    return flag


def initiative(key: str) -> PlanInitiative:
    return db.session.scalar(select(PlanInitiative).join(NationalPlan)
                             .where(NationalPlan.external_id == "th-test-water-2026", PlanInitiative.key == key))


def test_initiatives_are_updated_by_their_id_so_flags_keep_their_initiative(runner, tmp_path, make_project):
    three = plan(initiatives=[{"id": "river-sensors", "title": "River water quality sensors"},
                              {"id": "leaks", "title": "Leak detection"},
                              {"id": "meters", "title": "Smart water meters"}])
    assert runner.invoke(args=["plans", "import", write(tmp_path, [three])]).exit_code == 0
    on_leaks, on_meters = flag_on(initiative("leaks"), make_project), flag_on(initiative("meters"), make_project)

    # The middle one removed, the others reordered and renamed: each flag stays with its own initiative.
    edited = plan(initiatives=[{"id": "meters", "title": "Smart water meters in every home"},
                               {"id": "river-sensors", "title": "River sensors"}])
    result = runner.invoke(args=["plans", "import", write(tmp_path, [edited])])
    assert result.exit_code == 0 and "1 updated" in result.output, result.output
    db.session.expire_all()
    assert db.session.get(OverlapFlag, on_meters.id).initiative.title == "Smart water meters in every home"
    assert [(i.key, i.title) for i in initiative("meters").plan.initiatives] == [
        ("meters", "Smart water meters in every home"), ("river-sensors", "River sensors")]
    kept = db.session.get(OverlapFlag, on_leaks.id)  # the removed initiative's flag keeps its history
    assert kept.initiative_id is None and kept.subject == "Leak detection" and kept.status == "dismissed"
    assert kept.plan.external_id == "th-test-water-2026" and kept.dismissal_reason.startswith("Reviewed")


def test_a_file_without_initiative_ids_updates_by_title_and_numbers_the_new_ones(runner, tmp_path, make_project):
    """A Plan file written before initiatives had ids still updates in place, never by position."""
    first = plan(initiatives=[{"title": "River water quality sensors"}, {"title": "Leak detection"}])
    assert runner.invoke(args=["plans", "import", write(tmp_path, [first])]).exit_code == 0
    assert [i.key for i in initiative("i1").plan.initiatives] == ["i1", "i2"]
    on_leaks = flag_on(initiative("i2"), make_project)
    second = plan(initiatives=[{"title": "Leak detection", "description": "District metering."},
                               {"title": "Flood pumps"}])
    assert runner.invoke(args=["plans", "import", write(tmp_path, [second])]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(OverlapFlag, on_leaks.id).initiative.key == "i2"
    assert [(i.key, i.title) for i in initiative("i2").plan.initiatives] == [("i2", "Leak detection"),
                                                                              ("i3", "Flood pumps")]
