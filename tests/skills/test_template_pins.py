"""Templates pin what CI runs: a PEP 723 pin that differs from the locked version is a
version nobody tested, and an unpinned dependency is whatever is newest on the Job's day."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.skills.conftest import SKILLS

ROOT = SKILLS.parent
TEMPLATES = sorted(p for p in SKILLS.glob("*/*.py") if "# /// script" in p.read_text())
# Needed only on a GPU Job (or a rich console) and absent from the CPU group: a lower bound is
# enough, and CI cannot run them anyway.
GPU_OR_CONSOLE_ONLY = {"bitsandbytes", "kernels", "rich", "torchvision"}


def script_dependencies(path: Path) -> list[Requirement]:
    """The `dependencies` list of a PEP 723 `# /// script` header."""
    header = re.search(r"^# /// script\n((?:#.*\n)+?)# ///$", path.read_text(), re.M)
    assert header, f"{path}: no PEP 723 header"
    toml = "\n".join(line[2:] for line in header.group(1).splitlines())
    return [Requirement(d) for d in tomllib.loads(toml).get("dependencies", [])]


def locked_versions() -> dict[str, str]:
    """Package name -> the version uv.lock installs for CI and `uv run pytest`."""
    packages = tomllib.loads((ROOT / "uv.lock").read_text())["package"]
    return {p["name"].lower(): p["version"] for p in packages if "version" in p}


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_template_pins_match_the_versions_ci_runs(path: Path) -> None:
    locked = locked_versions()
    for dep in script_dependencies(path):
        name = dep.name.lower()
        assert str(dep.specifier), f"{path}: {dep.name} has no version: pin it"
        if name in GPU_OR_CONSOLE_ONLY:
            continue
        assert name in locked, f"{path}: {dep.name} is not installed for CI: add it to 'skills'"
        assert locked[name] in dep.specifier, (
            f"{path}: {dep} but CI runs {dep.name} {locked[name]}: change both together"
        )
        if name in {"trl", "transformers", "peft", "datasets", "sentence-transformers"}:
            assert "==" in str(dep.specifier), f"{path}: pin {dep.name} exactly (==)"
