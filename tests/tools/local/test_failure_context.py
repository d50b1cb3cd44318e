"""A small model's failed program: the tables' columns for a missing one, and the source of the
workspace function its failing line calls (docs/lab, train-classifier and fix-bug)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest
from langchain_core.tools import BaseTool

from adaptations.registry import BY_NAME
from tests.configs.test_prompt_snapshot import check_snapshot
from tests.fakes.python_shim import shim_in_env
from tests.fakes.tool_calls import call_tool
from tools.local.family import local_specs

# Off by default since 2026-11-27 (switched off with the never-fired rules to no loss on dev
# pass 1): switched on here.
ON = (BY_NAME["failure-context"],)
PYTHON = shlex.quote(sys.executable)
STATS = """def mean(xs):
    return sum(xs) / len(xs)


def min_max(xs):
    lo, hi = min(xs), max(xs)
    return [(x - lo) / (hi + lo) for x in xs]
"""
CHECK = (
    "from stats import mean, min_max\n\nassert mean([1, 3]) == 2\n"
    "assert min_max([2, 4, 6]) == [0.0, 0.5, 1.0], min_max([2, 4, 6])\n"
)
# {python}: the `python3` shim, which forks the run from a process that imported pandas.
PREDICT = """{python} - <<'EOF'
import pandas as pd
train = pd.read_csv('train.csv')
test = pd.read_csv('test.csv')
print(len(train))
print(test['label'].mean())
EOF
"""


def bash_tool() -> BaseTool:
    return next(spec.tool for spec in local_specs() if spec.name == "bash")


async def test_a_failed_check_shows_the_workspace_function_it_calls(tmp_path: Path) -> None:
    (tmp_path / "stats.py").write_text(STATS)
    (tmp_path / "check.py").write_text(CHECK)
    command = f"{PYTHON} check.py"
    small = await call_tool(bash_tool(), {"command": command}, tmp_path, read_tokens=1000, rules=ON)
    large = await call_tool(bash_tool(), {"command": command}, tmp_path)
    assert small.startswith(large) and "def min_max" not in large
    note = small.removeprefix(large)
    # The function the failing line calls, numbered as `read` numbers it; not `mean`, which
    # that line does not call.
    assert "`min_max`, which the failing line calls (stats.py, lines 5-7):" in note
    assert "     7\t    return [(x - lo) / (hi + lo) for x in xs]" in note
    assert "def mean" not in note
    check_snapshot("failure_context.md", small.replace(str(tmp_path), "WORKSPACE") + "\n")


async def test_a_missing_column_names_the_tables_that_have_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    predict = {"command": PREDICT.format(python=shim_in_env(monkeypatch))}
    (tmp_path / "train.csv").write_text("id,x1,label\n1,0.5,a\n")
    (tmp_path / "test.csv").write_text("id,x1\n2,0.7\n")
    small = await call_tool(bash_tool(), predict, tmp_path, read_tokens=1000, rules=ON)
    assert small.endswith(
        "KeyError: 'label'\n[exit code: 1]\n\n"
        "`label` is a column of train.csv; test.csv has id, x1 (no `label`)."
    )
    (tmp_path / "train.csv").write_text("id,x1\n1,0.5\n")
    none = await call_tool(bash_tool(), predict, tmp_path, read_tokens=1000, rules=ON)
    assert none.endswith(
        "No table here has a column `label`. train.csv has id, x1; test.csv has id, x1."
    )
    large = await call_tool(bash_tool(), predict, tmp_path)
    assert large.endswith("KeyError: 'label'\n[exit code: 1]")
    notes = [small.rpartition("\n\n")[2], none.rpartition("\n\n")[2]]
    check_snapshot("failure_context_columns.md", "\n".join(notes) + "\n")


async def test_a_program_that_succeeds_or_fails_elsewhere_gets_no_note(tmp_path: Path) -> None:
    (tmp_path / "stats.py").write_text(STATS)
    (tmp_path / "ok.py").write_text("from stats import mean\n\nprint(mean([1, 3]))\n")
    (tmp_path / "bad.py").write_text("import json\n\njson.loads('{')\n")
    ok = await call_tool(
        bash_tool(), {"command": f"{PYTHON} ok.py"}, tmp_path, read_tokens=1000, rules=ON
    )
    bad = await call_tool(
        bash_tool(), {"command": f"{PYTHON} bad.py"}, tmp_path, read_tokens=1000, rules=ON
    )
    assert ok == "2.0\n[exit code: 0]"
    assert bad.rstrip().endswith("[exit code: 1]") and "which the failing line calls" not in bad
