"""The generated pages (reference, figures, the README's table) match the code and the data."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import report
from docs import generate
from docs.tooling.markdown import REGENERATE

OUTPUTS = sorted([*generate.PAGES, report.FIGURES_PAGE, report.README, report.BENCHMARKS_PAGE])


@pytest.fixture(scope="module")
def pages() -> dict[Path, str]:
    """Every generated file as the code gives it now."""
    return generate.expected()


def first_difference(old: str, new: str) -> int:
    """The first line number where `old` and `new` differ."""
    pairs = zip(old.splitlines(), new.splitlines(), strict=False)
    return next((n for n, (a, b) in enumerate(pairs, 1) if a != b), 1 + min(
        len(old.splitlines()), len(new.splitlines())))  # fmt: skip


def test_every_generated_file_is_checked(pages: dict[Path, str]) -> None:
    assert sorted(pages) == OUTPUTS


@pytest.mark.parametrize("path", OUTPUTS, ids=lambda p: p.name)
def test_generated_file_is_current(path: Path, pages: dict[Path, str]) -> None:
    on_disk = path.read_text() if path.exists() else ""
    if on_disk != pages[path]:
        first = first_difference(on_disk, pages[path])
        pytest.fail(
            f"{path.relative_to(generate.ROOT)}:{first} differs from what the code generates "
            f"(hand-edited, or the code changed): run `{REGENERATE}`"
        )


@pytest.mark.parametrize("path", sorted(generate.PAGES), ids=lambda p: p.name)
def test_generated_page_says_so_at_the_top(path: Path, pages: dict[Path, str]) -> None:
    head = pages[path].splitlines()[:5]
    assert any("Generated" in line and REGENERATE in line for line in head)


def test_reference_names_every_command_option_tool_and_key(pages: dict[Path, str]) -> None:
    cli = pages[generate.REFERENCE / "cli.md"]
    assert "## `ml-intern threads undo`" in cli and "`--max-cost USD`" in cli
    config = pages[generate.REFERENCE / "config.md"]
    assert "### `approval.yolo`" in config and "default `false`" in config
    tools = pages[generate.REFERENCE / "tools.md"]
    assert "## `bash`" in tools and "Approval: always `auto`" in tools
    texts = pages[generate.REFERENCE / "texts.md"]
    assert '--8<-- "tests/snapshots/system_prompt_interactive.md"' in texts


def test_a_hand_edit_is_reported_with_the_file_and_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench import report

    page = tmp_path / "docs" / "cli.md"
    page.parent.mkdir()
    page.write_text("edited by hand\n")
    pages = {page: "generated\n"}
    assert report.stale_files(pages) == [page]
    report.ROOT, saved = tmp_path, report.ROOT
    try:
        assert report.write_or_check(pages, check=True, regenerate=REGENERATE) == 1
    finally:
        report.ROOT = saved
    assert f"docs/cli.md is stale: run `{REGENERATE}`" in capsys.readouterr().out
    assert page.read_text() == "edited by hand\n"
