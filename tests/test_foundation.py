"""The app factory, configuration, health checks and the reference data loaded by `seed`."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from smartcities import config
from smartcities.extensions import db
from smartcities.geo.models import City, Country
from smartcities.organisations.models import Organisation
from smartcities.plans.models import NationalPlan, PlanInitiative
from smartcities.projects.models import FocusArea

REFERENCE = Path(__file__).resolve().parent.parent / "smartcities" / "data"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_health_endpoints(client):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["database"] == "ok"


def test_secret_key_required_in_production(monkeypatch, tmp_path):
    monkeypatch.setenv("SMARTCITIES_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(config.ConfigError):
        config.from_environment(str(tmp_path))


def test_local_secret_key_is_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("SMARTCITIES_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = config.from_environment(str(tmp_path))["SECRET_KEY"]
    assert len(first) >= 32 and (tmp_path / "secret_key").exists()
    assert config.from_environment(str(tmp_path))["SECRET_KEY"] == first


def test_database_url_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db:5432/ascn")
    assert config.from_environment(str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == \
        "postgresql+psycopg://u@db:5432/ascn"
    monkeypatch.delenv("DATABASE_URL")
    assert config.from_environment(str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == \
        f"sqlite:///{tmp_path / 'smartcities.db'}"


def test_seed_loads_every_reference_row(app):
    with open(REFERENCE / "cities.csv", encoding="utf-8") as handle:
        cities = list(csv.DictReader(handle))
    plans = json.loads((REFERENCE / "plans.json").read_text(encoding="utf-8"))["plans"]
    assert count(Country) == 11
    assert db.session.get(Country, "TL").name == "Timor-Leste"
    assert count(City) == len(cities) == 33
    assert db.session.scalar(select(func.count()).where(City.is_member)) == 32
    assert count(FocusArea) == 6
    assert count(Organisation) == 28
    assert count(NationalPlan) == len(plans) == 35
    assert count(PlanInitiative) == sum(len(p["initiatives"]) for p in plans) == 139
    for row in cities:
        city = db.session.scalar(select(City).where(City.name == row["name"]))
        assert (city.latitude, city.longitude) == (float(row["latitude"]), float(row["longitude"]))
        assert city.local_name == row["local_name"] and city.country_code == row["country_iso2"]


def test_seed_reference_details(app):
    putrajaya = db.session.scalar(select(City).where(City.slug == "putrajaya"))
    assert not putrajaya.is_member and putrajaya.member_since is None
    bangkok = db.session.scalar(select(City).where(City.slug == "bangkok"))
    assert bangkok.local_name == "กรุงเทพมหานคร" and bangkok.member_since == 2018
    assert db.session.scalar(select(City.member_since).where(City.slug == "cauayan-city")) == 2025
    adb = db.session.scalar(select(Organisation).where(Organisation.name == "Asian Development Bank (ADB)"))
    assert adb.kind == "multilateral" and adb.is_external_partner and adb.source
    temasek = db.session.scalar(select(Organisation).where(Organisation.name == "Temasek Foundation"))
    assert temasek.country_code == "SG" and not temasek.is_external_partner
    plan = db.session.scalar(select(NationalPlan).where(NationalPlan.external_id == "my-putrajaya-2018"))
    assert plan.level == "city" and plan.city.slug == "putrajaya"


def test_seed_is_idempotent(runner):
    before = [count(m) for m in (Country, City, FocusArea, Organisation, NationalPlan, PlanInitiative)]
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "Nothing to do" in result.output
    assert [count(m) for m in (Country, City, FocusArea, Organisation, NationalPlan, PlanInitiative)] == before


def test_seed_repairs_a_changed_row(runner):
    city = db.session.scalar(select(City).where(City.slug == "hanoi"))
    city.latitude = 0.0
    db.session.commit()
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0 and "Reference data loaded." in result.output
    assert db.session.scalar(select(City.latitude).where(City.slug == "hanoi")) == 21.0285


def test_database_refuses_out_of_range_coordinates(app):
    from sqlalchemy.exc import IntegrityError
    db.session.add(City(slug="nowhere", name="Nowhere", country_code="TH", latitude=91, longitude=0))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
