"""Production means PostgreSQL: with SMARTCITIES_ENV=production the portal refuses to start on a missing or SQLite
DATABASE_URL (unless ALLOW_SQLITE=1), and deploy/ascn.env.example names every setting the portal reads."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from smartcities import config, create_app

REPO = Path(__file__).resolve().parent.parent
READERS = r"(?:os\.environ\.get|_flag|_int|_choice)\(\s*\"([A-Z][A-Z0-9_]*)\""


@pytest.fixture
def production(monkeypatch):
    """A clean production environment (settings from the developer's shell would blur the test)."""
    for name in settings_read_by_config():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SMARTCITIES_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.setenv("LOG_FORMAT", "text")  # JSON logging would reconfigure the process's loggers
    return monkeypatch


def settings_read_by_config() -> set[str]:
    """Every environment variable smartcities/config.py reads."""
    return set(re.findall(READERS, (REPO / "smartcities" / "config.py").read_text()))


def example_settings() -> dict[str, str]:
    """deploy/ascn.env.example as systemd's EnvironmentFile reads it: KEY=VALUE, quotes around a value removed."""
    lines = (REPO / "deploy" / "ascn.env.example").read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))
    return {key.strip(): _unquoted(value.strip()) for key, value in pairs}


def _unquoted(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"" else value


def test_a_shell_reads_the_environment_example_as_systemd_does():
    """deploy/README.md runs the flask commands with the file sourced by sh (set -a; . FILE): every value must
    come out as the unit's EnvironmentFile gives it (quoted where it holds spaces, & or <)."""
    shell = subprocess.run(["sh", "-c", 'set -a; . "$1"; set +a; env -0', "sh",
                            str(REPO / "deploy" / "ascn.env.example")],
                           capture_output=True, check=True, env={"PATH": os.environ["PATH"]})
    sourced = dict(item.split("=", 1) for item in shell.stdout.decode().split("\0") if "=" in item)
    expected = example_settings()
    assert {key: sourced.get(key) for key in expected} == expected
    assert expected["LOGIN_RATE_LIMIT"] == "10 per 15 minutes" and expected["TILE_ATTRIBUTION"].startswith("&copy; <a")


def test_production_refuses_to_start_without_database_url(production):
    with pytest.raises(config.ConfigError, match="DATABASE_URL must be set when SMARTCITIES_ENV=production"):
        create_app()


def test_production_refuses_sqlite_unless_allowed(production, tmp_path):
    production.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'portal.db'}")
    with pytest.raises(config.ConfigError, match="SQLite .* ALLOW_SQLITE=1"):
        create_app()
    production.setenv("ALLOW_SQLITE", "1")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.db'}"


def test_production_refuses_other_databases(production):
    production.setenv("DATABASE_URL", "mysql://ascn@db/ascn")
    with pytest.raises(config.ConfigError, match="must be a PostgreSQL URL"):
        create_app()


def test_production_runs_on_postgresql(production):
    production.setenv("DATABASE_URL", "postgresql://ascn@/ascn")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://ascn@/ascn"
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_production_still_requires_a_secret_key(production):
    production.setenv("DATABASE_URL", "postgresql://ascn@/ascn")
    production.delenv("SECRET_KEY")
    with pytest.raises(config.ConfigError, match="SECRET_KEY must be set"):
        create_app()


def test_development_keeps_its_sqlite_default(monkeypatch, tmp_path):
    for name in ("SMARTCITIES_ENV", "DATABASE_URL", "ALLOW_SQLITE", "LOG_FORMAT", "TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)
    settings = config.from_environment(str(tmp_path))
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'smartcities.db'}"
    assert (settings["LOG_FORMAT"], settings["TRUSTED_PROXIES"], settings["SESSION_COOKIE_SECURE"]) == \
        ("text", 0, False)


@pytest.mark.parametrize("value, message", [("one", "a whole number"), ("-1", "at least 0")])
def test_a_malformed_trusted_proxies_is_refused(monkeypatch, tmp_path, value, message):
    monkeypatch.setenv("TRUSTED_PROXIES", value)
    with pytest.raises(config.ConfigError, match=f"TRUSTED_PROXIES must be {message}"):
        config.from_environment(str(tmp_path))


def test_log_format_is_text_or_json(monkeypatch, tmp_path):
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(config.ConfigError, match="LOG_FORMAT must be one of text, json"):
        config.from_environment(str(tmp_path))


def test_the_commands_refuse_with_the_message(tmp_path):
    """What an operator sees: `flask --app app db upgrade` (and gunicorn, which imports the same app) stops."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "SMARTCITIES_ENV": "production",
           "SECRET_KEY": "s" * 64}
    flask = Path(sys.executable).with_name("flask")
    result = subprocess.run([str(flask), "--app", "app", "db", "upgrade"], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0
    assert "ConfigError: DATABASE_URL must be set when SMARTCITIES_ENV=production" in result.stderr
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run([str(gunicorn), "--config", "python:smartcities.gunicorn_config", "--bind",
                             "127.0.0.1:0", "app:app"], cwd=REPO, env=env | {"XDG_RUNTIME_DIR": str(tmp_path)},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 3  # gunicorn's "worker failed to boot": it exits instead of serving
    assert "DATABASE_URL must be set when SMARTCITIES_ENV=production" in result.stderr


def test_the_environment_example_names_every_setting():
    example = example_settings()
    missing = settings_read_by_config() - set(example)
    assert not missing, f"deploy/ascn.env.example does not describe {sorted(missing)}"
    unknown = set(example) - settings_read_by_config() - {"WEB_CONCURRENCY"}  # gunicorn's own
    assert not unknown, f"deploy/ascn.env.example sets {sorted(unknown)}, which nothing reads"


def test_the_environment_example_is_production_ready_once_the_secret_is_filled_in(monkeypatch, tmp_path):
    example = example_settings()
    for name, value in example.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(config.ConfigError, match="SECRET_KEY must be set"):  # shipped empty on purpose
        config.from_environment(str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    settings = config.from_environment(str(tmp_path))
    assert settings["ENV_NAME"] == "production" and settings["TRUSTED_PROXIES"] == 1
    assert settings["LOG_FORMAT"] == "json"
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://ascn@/ascn"
    assert settings["RATELIMIT_STORAGE_URI"].startswith("redis://")  # limits shared by the workers
