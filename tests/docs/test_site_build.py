"""`mkdocs build --strict` builds the site; a broken link fails it, naming the page."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config),
         "-d", str(site)],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


def test_the_site_builds_strictly_with_the_reference_and_screenshots(tmp_path: Path) -> None:
    done = build(ROOT / "mkdocs.yml", tmp_path / "site")
    assert done.returncode == 0, done.stderr
    tools = (tmp_path / "site" / "reference" / "tools" / "index.html").read_text()
    assert "bash" in tools and "Approval" in tools
    texts = (tmp_path / "site" / "reference" / "texts" / "index.html").read_text()
    assert "--8&lt;--" not in texts and "You are" in texts  # the snapshots were included
    assert (tmp_path / "site" / "images" / "start-page.png").stat().st_size > 10_000
    contributing = (tmp_path / "site" / "contributing" / "index.html").read_text()
    assert "images/start-page.png" in contributing and "images/reference-page.png" in contributing


def test_a_broken_link_fails_the_build_naming_the_page(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "docs", copy / "docs", ignore=shutil.ignore_patterns("__pycache__"))
    # The site's config without what link checks do not need (mkdocs checks links as it
    # renders the pages): no search index, no Pygments colouring of code (~half the build's CPU).
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    config["plugins"] = []
    config["markdown_extensions"].append({"pymdownx.highlight": {"use_pygments": False}})
    (copy / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    shutil.copytree(ROOT / "tests" / "snapshots", copy / "tests" / "snapshots")
    page = copy / "docs" / "safety.md"
    page.write_text(page.read_text() + "\nSee [the walls](walls-that-do-not-exist.md).\n")
    done = build(copy / "mkdocs.yml", tmp_path / "site")
    assert done.returncode != 0
    assert "safety.md" in done.stderr and "walls-that-do-not-exist.md" in done.stderr
    # that link alone: the copy builds clean without it (mkdocs prints this on stdout)
    assert "Aborted with 1 warnings" in done.stdout + done.stderr
