"""One organisation, many names (issue 15.0): names, aliases, acronyms and IATI identifiers find the same
organisation — in the form, the project file import and merges — ignoring case, diacritics, punctuation and
legal forms; an ambiguous name finds none; a city's private organisation stays out of other cities' reach."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from test_projects_import import GOOD, write_csv

from smartcities.extensions import db
from smartcities.geo.services import find_city
from smartcities.organisations.models import Organisation
from smartcities.organisations.names import lookup_keys, name_key
from smartcities.organisations.services import (
    find_organisation, index_names, merge_organisations, organisation_for,
)
from smartcities.projects.models import Project

ADB = "Asian Development Bank (ADB)"


@pytest.mark.parametrize("one, other", [
    ("Asian Development Bank", "ASIAN  development-bank"),
    ("Siam Cement Public Company Limited", "siam cement"),
    ("PT Telkom Indonesia (Persero) Tbk", "Telkom Indonesia (Persero)"),
    ("U.S.-ASEAN Smart Cities Partnership", "US ASEAN Smart Cities Partnership"),
    ("Công ty Đà Nẵng", "cong ty da nang"),
    ("Bangkok Flood Tech Co., Ltd.", "Bangkok Flood Tech"),
    ("Sdn Bhd Holdings Sdn. Bhd.", "sdn bhd holdings"),
])
def test_one_key_for_every_way_of_writing_a_name(one, other):
    assert name_key(one) == name_key(other) != ""


@pytest.mark.parametrize("one, other", [
    ("Asian Development Bank", "Asian Development Fund"),
    ("Public Works Department", "Works Department"),  # "public" is a legal form only at the end
    ("Bank of Thailand", "Thailand"),
])
def test_different_names_keep_different_keys(one, other):
    assert name_key(one) != name_key(other)


def test_a_name_of_legal_forms_only_keeps_them():
    assert name_key("Co., Ltd.") == "co" and name_key("!!!") == ""
    assert lookup_keys("World Bank (IBRD)") == ["world bank ibrd", "world bank"]


@pytest.mark.parametrize("written", [
    "Asian Development Bank", "asian development bank", "ADB", "adb", "XM-DAC-46004", "xm-dac-46004",
    "Asian Development Bank Ltd.", "ASIAN DEVELOPMENT BANK (ADB)"])
def test_the_seeded_partner_is_found_by_its_names(app, written):
    assert find_organisation(written).name == ADB


@pytest.mark.parametrize("written", ["The World Bank", "World Bank Group", "XM-DAC-44000",
                                     "International Bank for Reconstruction and Development"])
def test_the_world_bank_is_found_by_its_aliases_and_iati_identifier(app, written):
    assert find_organisation(written).name == "World Bank"


def test_an_ambiguous_or_unknown_name_finds_none(app):
    for name in ("Mekong Water Fund", "Mekong Water Foundation"):
        organisation = Organisation(name=name, kind="foundation")
        index_names(organisation, acronym="MWF")
        db.session.add(organisation)
    db.session.commit()
    assert find_organisation("MWF") is None  # two organisations go by it: neither is guessed
    assert find_organisation("mekong water fund").name == "Mekong Water Fund"
    assert find_organisation("Mekong Development Agency") is None


def test_a_private_organisation_is_found_only_by_its_city(app, people):
    bangkok, hanoi = find_city("bangkok"), find_city("hanoi")
    secret = organisation_for("Thonburi Sensor Works Co., Ltd.", bangkok, public=False, user=people["official"])
    db.session.commit()
    assert find_organisation("thonburi sensor works", bangkok) == secret
    assert find_organisation("thonburi sensor works", hanoi) is None
    assert find_organisation("thonburi sensor works") is None


def test_the_form_and_the_import_reuse_the_organisation_written_another_way(app, runner, tmp_path, people):
    before = db.session.scalar(select(func.count(Organisation.id)))
    assert organisation_for("asian development bank", find_city("hanoi"), True, people["official"]).name == ADB
    row = {**GOOD, "title": "Canal sensors, second phase",
           "partners": "ADB (funding); Asian Development Bank (funding); XM-DAC-46004 (implementing)"}
    result = runner.invoke(args=["projects", "import", write_csv(tmp_path / "p.csv", [row])])
    assert result.exit_code == 0, result.output
    project = db.session.scalar(select(Project).where(Project.title == "Canal sensors, second phase"))
    assert sorted((p.organisation.name, p.role) for p in project.participations) == [
        (ADB, "funding"), (ADB, "implementing")]
    assert db.session.scalar(select(func.count(Organisation.id))) == before


def test_a_merged_duplicate_s_name_becomes_an_alias(app, people):
    duplicate = organisation_for("Asian Dev. Bank Manila", find_city("manila"), True, people["official"])
    adb = find_organisation(ADB)
    merge_organisations(duplicate, adb, None)
    db.session.commit()
    assert "Asian Dev. Bank Manila" in adb.aliases
    assert find_organisation("asian dev bank manila") == adb
    assert (adb.acronym, adb.iati_ref) == ("ADB", "XM-DAC-46004")


def test_the_partner_page_shows_its_other_names_escaped(app, client):
    adb = find_organisation(ADB)
    index_names(adb, aliases=["Asian Development Bank", "Banco Asiático de Desarrollo", "<b>ADB Manila</b>"])
    db.session.commit()
    page = client.get(f"/organisations/{adb.id}").get_data(as_text=True)
    # An alias that is only the name written another way adds nothing, and is not listed.
    assert "XM-DAC-46004" in page and "&lt;b&gt;ADB Manila&lt;/b&gt;; Banco Asiático de Desarrollo</dd>" in page
    assert "<b>ADB Manila" not in page


def test_the_api_gives_the_other_names_and_a_new_alias_moves_the_etag(app, client):
    adb = find_organisation(ADB)
    first = client.get(f"/api/v1/organisations/{adb.id}")
    assert (first.json["acronym"], first.json["iati_ref"]) == ("ADB", "XM-DAC-46004")
    listed = next(o for o in client.get("/api/v1/organisations").json["items"] if o["id"] == adb.id)
    assert listed["aliases"] == first.json["aliases"]
    index_names(adb, aliases=[*adb.aliases, "Banque asiatique de développement"])
    db.session.commit()
    second = client.get(f"/api/v1/organisations/{adb.id}", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and "Banque asiatique de développement" in second.json["aliases"]


def test_the_form_asks_before_adding_a_name_close_to_a_known_organisation(app, client, as_user):
    from test_workflow import form

    token = as_user("official")
    before = db.session.scalar(select(func.count(Organisation.id)))
    misspelt = {"participants-0-organisation": "Asian Developmnt Bank", "participants-0-role": "funding"}
    asked = client.post("/projects/new", data=form(token, title="Canal sensors with ADB", **misspelt))
    page = asked.get_data(as_text=True)
    assert asked.status_code == 400
    assert "is not a known organisation: did you mean" in page and "Asian Development Bank (ADB)" in page
    assert 'name="new_partners"' in page
    assert db.session.scalar(select(func.count(Organisation.id))) == before
    assert db.session.scalar(select(Project).where(Project.title == "Canal sensors with ADB")) is None

    confirmed = client.post("/projects/new", data=form(token, title="Canal sensors with ADB", new_partners="y",
                                                       **misspelt))
    assert confirmed.status_code == 302
    project = db.session.scalar(select(Project).where(Project.title == "Canal sensors with ADB"))
    assert [p.organisation.name for p in project.participations] == ["Asian Developmnt Bank"]

    firm = {"participants-0-organisation": "Klong Toei Sensor Works", "participants-0-role": "implementing"}
    plain = client.post("/projects/new", data=form(token, title="Canal sensors with a new firm", **firm))
    assert plain.status_code == 302  # a name close to none is added without a question


def test_one_file_naming_a_new_partner_two_ways_makes_one_organisation(app, runner, tmp_path):
    rows = [{**GOOD, "title": "Klong sensors A", "partners": "Klong Toei Devices Co., Ltd. (implementing)"},
            {**GOOD, "title": "Klong sensors B", "partners": "KLONG TOEI DEVICES (implementing)"}]
    result = runner.invoke(args=["projects", "import", write_csv(tmp_path / "p.csv", rows)])
    assert result.exit_code == 0, result.output
    named = {p.organisation for title in ("Klong sensors A", "Klong sensors B")
             for p in db.session.scalar(select(Project).where(Project.title == title)).participations}
    assert [o.name for o in named] == ["KLONG TOEI DEVICES"]  # the first in the import's (sorted) order
