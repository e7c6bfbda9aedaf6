"""requirements.lock, which `make run` and `make test` install from, still covers what
pyproject.toml asks for: every dependency (the test extra and the build system included) is
pinned there, with hashes, at a version the requirement allows. A dependency added to
pyproject.toml without `make lock` fails here, with the command that fixes it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
_PIN = re.compile(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def _pins() -> dict[str, list[tuple[Version, str]]]:
    """name -> [(version, marker)] from the lock; each pin must carry at least one hash."""
    pins: dict[str, list[tuple[Version, str]]] = {}
    lines = (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        m = _PIN.match(line)
        if not m:
            continue
        assert number + 1 < len(lines) and "--hash=sha256:" in lines[number + 1], (
            f"requirements.lock: {m.group(1)} has no hash")
        pins.setdefault(canonicalize_name(m.group(1)), []).append(
            (Version(m.group(2)), (m.group(3) or "").strip()))
    return pins


def _wanted() -> list[Requirement]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    names = [*data["project"]["dependencies"],
             *data["project"]["optional-dependencies"]["test"],
             *data["build-system"]["requires"]]
    return [Requirement(name) for name in names]


def test_every_dependency_is_pinned_with_a_hash_at_an_allowed_version():
    pins = _pins()
    env = default_environment()
    missing = []
    for req in _wanted():
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        versions = pins.get(canonicalize_name(req.name), [])
        if not any(req.specifier.contains(v, prereleases=True) for v, _ in versions):
            missing.append(str(req))
    assert not missing, (f"not in requirements.lock at an allowed version: {missing}; "
                         "run `make lock` and commit requirements.lock")


def test_the_lock_pins_exact_versions_only():
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    loose = [line for line in text.splitlines()
             if re.match(r"^[A-Za-z0-9]", line) and "==" not in line]
    assert not loose, f"requirements.lock has requirements without an exact version: {loose}"
    assert _pins()["pip"], "pip itself is pinned, so a fresh venv installs the same pip"
