"""The lock files pin every dependency pyproject.toml declares, each with hashes, so installs are reproducible."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def pins(lock: Path) -> dict[str, tuple[str, list[str]]]:
    """{name: (version, hashes)} of a pip-compile style lock (`name==version \\` then `--hash=` lines)."""
    found: dict[str, tuple[str, list[str]]] = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", lock.read_text(encoding="utf-8")):
        head = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s\\;]+)", entry)
        if head:
            hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", entry)
            found[canonicalize_name(head.group(1))] = (head.group(2), hashes)
    return found


@pytest.mark.parametrize("lock, extras", [("app.lock", []), ("test.lock", ["test"])])
def test_every_declared_dependency_is_pinned_with_hashes(lock, extras):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [Requirement(r) for r in project["dependencies"]]
    for extra in extras:
        declared += [Requirement(r) for r in project["optional-dependencies"][extra]]
    pinned = pins(ROOT / "requirements" / lock)
    assert pinned and all(hashes for _, hashes in pinned.values()), "a pin without a hash"
    for requirement in declared:
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement} is declared but not in requirements/{lock}: run `make lock`"
        assert requirement.specifier.contains(pinned[name][0], prereleases=True), \
            f"requirements/{lock} pins {name}=={pinned[name][0]}, outside {requirement}: run `make lock`"
