"""A small model's failing Python program: its own failing line shown under its frame, library
frames folded (docs/lab, train-classifier: it blamed the wrong file for a KeyError)."""

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
from tools.local.traceback_focus import focus_traceback, heredoc_program

# Off by default (never fired on dev pass 1): switched on, for any model.
ON = (BY_NAME["traceback-focus"],)

PYTHON = shlex.quote(sys.executable)
# {python}: the `python3` shim, which forks the run from a process that imported pandas.
SEEN = """{python} - <<'EOF'
import pandas as pd
train = pd.DataFrame({{'id': [1, 2], 'label': [0, 1]}})
test = pd.DataFrame({{'id': [3]}})

print(len(train))
test['label'] = test['label'] + 1
EOF
"""


def bash_tool() -> BaseTool:
    return next(spec.tool for spec in local_specs() if spec.name == "bash")


async def test_every_model_sees_its_failing_line_and_not_pandas_internals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`traceback-focus` helps any model; switched off, the traceback is as python printed it."""
    seen = {"command": SEEN.format(python=shim_in_env(monkeypatch))}
    small = await call_tool(bash_tool(), seen, tmp_path, read_tokens=1000, rules=ON)
    off = await call_tool(bash_tool(), seen, tmp_path, rules=frozenset())
    assert "site-packages" in off and "test['label'] = " not in off
    large = await call_tool(bash_tool(), seen, tmp_path, rules=ON)
    assert "site-packages" not in large and "test['label'] = test" in large
    check_snapshot("traceback_focus.md", small + "\n")
    assert "site-packages" not in small and ".pyx" not in small
    assert "  File \"<stdin>\", line 6, in <module>\n    test['label'] = test" in small
    assert small.endswith("KeyError: 'label'\n[exit code: 1]")


async def test_a_script_of_the_workspace_keeps_its_frames_as_python_printed_them(
    tmp_path: Path,
) -> None:
    (tmp_path / "stats.py").write_text("def mean(xs):\n    return sum(xs) / len(xs)\n")
    (tmp_path / "check.py").write_text("from stats import mean\n\nprint(mean([]))\n")
    command = f"{PYTHON} check.py"
    small = await call_tool(bash_tool(), {"command": command}, tmp_path, read_tokens=1000, rules=ON)
    large = await call_tool(bash_tool(), {"command": command}, tmp_path, rules=ON)
    assert small == large
    assert "return sum(xs) / len(xs)" in small and "ZeroDivisionError" in small


def test_only_a_python_here_document_is_a_program() -> None:
    assert heredoc_program("python3 - <<EOF\na = 1\nb\nEOF") == ["a = 1", "b"]
    assert heredoc_program('cd x && python3.11 - << "END"\nx\n  END\n') == ["x"]
    assert heredoc_program("cat <<'EOF'\na\nEOF") is None
    assert heredoc_program("python3 -c 'print(1)'") is None
    one_liner = (
        "Traceback (most recent call last):\n"
        '  File "<stdin>", line 1, in <module>\n'
        '  File "/usr/lib/python3.11/json/__init__.py", line 293, in load\n'
        "    return loads(fp.read())\n"
        "ValueError: x\n[exit code: 1]"
    )
    # No here-document, so no line to show; the library frame is still folded.
    assert focus_traceback("python3 -c 'import json'", one_liner) == (
        "Traceback (most recent call last):\n"
        '  File "<stdin>", line 1, in <module>\n'
        "  [1 frame in library code not shown]\n"
        "ValueError: x\n[exit code: 1]"
    )
