"""The READMEs and docs pages: short lines, short READMEs, and only real commands and keys."""

from __future__ import annotations

import re
from pathlib import Path

from bench import report
from docs.tooling import mentions
from docs.tooling.markdown import WIDTH

ROOT = mentions.ROOT


def test_lines_are_at_most_100_characters() -> None:
    long = [
        f"{path.relative_to(ROOT)}:{n}: {len(line)} characters"
        for path in mentions.docs_files()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if len(line) > WIDTH
    ]
    assert not long, "lines over 100 characters (wrap them):\n" + "\n".join(long)


def test_readmes_are_short() -> None:
    for path in (ROOT / "README.md", ROOT / "bench" / "README.md"):
        lines = len(path.read_text().splitlines())
        assert lines <= 150, f"{path.relative_to(ROOT)} has {lines} lines (at most 150)"


def test_the_readmes_link_only_to_files_that_exist() -> None:
    readmes = (ROOT / "README.md", ROOT / "bench" / "README.md")
    broken = [problem for path in readmes for problem in mentions.broken_links(path)]
    assert not broken, "\n".join(broken)


def test_docs_name_only_commands_options_and_keys_that_exist() -> None:
    found = mentions.problems(mentions.docs_files())
    assert not found, "\n".join(found)


def test_a_wrong_command_option_or_key_is_named_with_its_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "Run `ml-intern thread list` or `ml-intern web --wrokers 2`.\n"
        "Set `approval.yollo`; `sandbox.mode` and `text_tool_calls.my-model` exist.\n"
        '```bash\nml-intern threads lst\nml-intern --output-format json "a task"\n```\n'
        '```json\n{"approval": {"yolo": true, "yollo": true},\n'
        ' "mcpServers": {"docs": {"url": "http://127.0.0.1:1"}}, "text_tool_calls": {"m": true}}\n'
        "```\n"
    )
    found = mentions.problems([page])
    assert found == [
        f"{page}:1: `ml-intern thread`: no such command "
        "(commands: threads, experiments, studio, web, worker, acp, models, config)",
        f"{page}:1: `ml-intern web` has no option --wrokers (see `ml-intern web --help`)",
        f"{page}:2: `approval.yollo` is not a config key (see docs/reference/config.md)",
        f"{page}:4: `ml-intern threads lst`: no such command "
        "(commands: delete, export, fork, list, prune, show, undo)",
        f"{page}:8: `approval.yollo` is not a config key (see docs/reference/config.md)",
    ]


def dated_lines(path: Path) -> list[str]:
    """Lines of prose (not code) that carry a date; the README's figures table included."""
    text = path.read_text(encoding="utf-8")
    found, fence = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        elif not fence and re.search(r"\b20\d\d-\d\d-\d\d\b", line):
            found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:60]}")
    return found


def test_readmes_and_pages_carry_no_dated_anecdotes() -> None:
    written = [
        p for p in mentions.docs_files() if "reference" not in p.parts and p != report.FIGURES_PAGE
    ]
    dated = [line for path in written for line in dated_lines(path)]
    assert not dated, "dated notes belong in docs/lab/<date>.md:\n" + "\n".join(dated)
