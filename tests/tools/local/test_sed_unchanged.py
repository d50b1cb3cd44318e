"""A small model's `sed -i` that changed nothing is said to have changed nothing (docs/lab,
fix-bug: a line of check.py used as the pattern on stats.py, exit code 0, sent again and again)."""

from __future__ import annotations

from pathlib import Path

from langchain_core.tools import BaseTool

from adaptations.registry import BY_NAME
from tests.configs.test_prompt_snapshot import check_snapshot
from tests.fakes.tool_calls import call_tool
from tools.local.family import local_specs

# Off by default (never fired on dev pass 1): switched on, for any model.
ON = (BY_NAME["sed-unchanged"],)

STATS = "def min_max(xs):\n    lo, hi = min(xs), max(xs)\n    return [(x - lo) / (hi + lo) for x in xs]\n"
MISS = "sed -i 's/min_max([2, 4, 6]) == [0.0, 0.25, 0.5]/min_max([2, 4, 6]) == [0.0, 0.5, 1.0]/' stats.py"


def bash_tool() -> BaseTool:
    return next(spec.tool for spec in local_specs() if spec.name == "bash")


async def test_a_sed_that_matched_nothing_says_so_to_every_model(tmp_path: Path) -> None:
    (tmp_path / "stats.py").write_text(STATS)
    small = await call_tool(bash_tool(), {"command": MISS}, tmp_path, read_tokens=1000, rules=ON)
    check_snapshot("sed_unchanged.md", small + "\n")
    assert small.startswith(
        "(no output)\n[exit code: 0]\n\n`sed -i` changed nothing: `stats.py` is"
    )
    for flags in ("-i.bak", "-Ei", "--in-place"):  # a backup suffix, a flag cluster, the long form
        other = await call_tool(
            bash_tool(),
            {"command": MISS.replace("-i", flags, 1)},
            tmp_path,
            read_tokens=1000,
            rules=ON,
        )
        assert other == small, flags
    large = await call_tool(bash_tool(), {"command": MISS}, tmp_path, rules=ON)
    assert large == small  # `sed-unchanged` helps any model
    off = await call_tool(bash_tool(), {"command": MISS}, tmp_path, rules=frozenset())
    assert off == "(no output)\n[exit code: 0]"  # switched off
    assert (tmp_path / "stats.py").read_text() == STATS


async def test_a_sed_that_changed_its_file_or_failed_gets_no_note(tmp_path: Path) -> None:
    (tmp_path / "stats.py").write_text(STATS)
    fixed = "sed -i.bak 's/(hi + lo)/(hi - lo)/' stats.py && echo done"
    out = await call_tool(bash_tool(), {"command": fixed}, tmp_path, read_tokens=1000)
    assert out == "done\n[exit code: 0]" and "(hi - lo)" in (tmp_path / "stats.py").read_text()
    missing = await call_tool(
        bash_tool(), {"command": "sed -i 's/a/b/' nope.py"}, tmp_path, read_tokens=1000
    )
    assert "changed nothing" not in missing and "[exit code: 2]" in missing
    printed = await call_tool(
        bash_tool(), {"command": "sed -n '1p' stats.py"}, tmp_path, read_tokens=1000
    )
    assert printed == "def min_max(xs):\n[exit code: 0]"  # not in place: nothing to change


async def test_a_sed_on_a_hidden_or_outside_file_is_not_looked_at(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / ".env").write_text("KEY=planted\n")
    (tmp_path / "outside.py").write_text("x = 1\n")
    for target in (".env", "../outside.py"):
        command = f"sed -i 's/nomatch/y/' {target}"
        out = await call_tool(bash_tool(), {"command": command}, ws, read_tokens=1000)
        assert out == "(no output)\n[exit code: 0]", target
