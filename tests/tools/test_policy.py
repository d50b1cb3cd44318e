"""The approval policy as a table: which tool calls run, which wait for a human, which never run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tools.local.family import local_specs
from tools.local.read_only import is_read_only_command
from tools.policy import (
    Need,
    PolicyContext,
    Verdict,
    always,
    decide,
    file_rule,
    inside_workspace,
    judge_reply,
)

path_rule = file_rule("read", None)  # what read, glob and grep ask without the sandbox

# --- decide -------------------------------------------------------------------------------------

# (mode, yolo, override, need, expected)
DECIDE_TABLE: list[tuple[str, bool, str | None, Need, Verdict]] = [
    # No override: the tool's own need, relaxed by yolo or headless.
    ("interactive", False, None, "auto", "auto"),
    ("interactive", False, None, "ask", "ask"),
    ("interactive", False, None, "never_auto", "ask"),
    ("interactive", True, None, "auto", "auto"),
    ("interactive", True, None, "ask", "auto"),
    ("interactive", True, None, "never_auto", "ask"),
    ("headless", False, None, "auto", "auto"),
    ("headless", False, None, "ask", "auto"),
    ("headless", False, None, "never_auto", "deny"),
    ("headless", True, None, "ask", "auto"),
    ("headless", True, None, "never_auto", "deny"),
    # override auto: runs without asking, except what must never be automatic.
    ("interactive", False, "auto", "ask", "auto"),
    ("interactive", False, "auto", "auto", "auto"),
    ("interactive", False, "auto", "never_auto", "ask"),
    ("headless", False, "auto", "ask", "auto"),
    ("headless", False, "auto", "never_auto", "deny"),
    # override ask: a human decides every time, even when the tool thinks it is safe or yolo is on.
    ("interactive", False, "ask", "auto", "ask"),
    ("interactive", True, "ask", "auto", "ask"),
    ("interactive", True, "ask", "ask", "ask"),
    ("interactive", False, "ask", "never_auto", "ask"),
    # ...and headless has no human, so it is refused: a run's mode (a person's word on a
    # server) never turns the configuration's "ask" into "run unasked".
    ("headless", False, "ask", "auto", "deny"),
    ("headless", True, "ask", "ask", "deny"),
    ("headless", False, "ask", "never_auto", "deny"),
    # override deny: never runs, whatever else is true.
    ("interactive", False, "deny", "auto", "deny"),
    ("interactive", True, "deny", "auto", "deny"),
    ("interactive", True, "deny", "never_auto", "deny"),
    ("headless", True, "deny", "ask", "deny"),
]

RULES = {spec.name: spec.approval for spec in local_specs()}


@pytest.mark.parametrize(("mode", "yolo", "override", "need", "expected"), DECIDE_TABLE)
def test_decide_combines_need_mode_yolo_and_overrides(
    mode: Any, yolo: bool, override: Any, need: Need, expected: Verdict, tmp_path: Path
) -> None:
    overrides = {"some_tool": override} if override else {}
    ctx = PolicyContext(mode=mode, yolo=yolo, workspace=tmp_path, overrides=overrides)
    assert decide("some_tool", {}, always(need), ctx) == expected


@pytest.mark.parametrize(
    ("mode", "yolo", "expected"),
    [
        ("interactive", False, "ask"),
        ("interactive", True, "auto"),
        ("headless", False, "auto"),
    ],
)
def test_unknown_tool_without_rule_is_treated_as_ask(
    mode: Any, yolo: bool, expected: Verdict, tmp_path: Path
) -> None:
    ctx = PolicyContext(mode=mode, yolo=yolo, workspace=tmp_path)
    assert decide("mystery_tool", {"x": 1}, None, ctx) == expected


def test_override_applies_only_to_the_named_tool(tmp_path: Path) -> None:
    ctx = PolicyContext(workspace=tmp_path, overrides={"bash": "deny"})
    assert decide("bash", {"command": "ls"}, RULES["bash"], ctx) == "deny"
    assert decide("read", {"path": "a.txt"}, RULES["read"], ctx) == "auto"


def test_rule_receives_args_and_workspace(tmp_path: Path) -> None:
    seen: list[tuple[Any, Path]] = []

    def rule(args: Any, workspace: Path) -> Need:
        seen.append((dict(args), workspace))
        return "auto"

    ctx = PolicyContext(workspace=tmp_path)
    assert decide("t", {"a": 1}, rule, ctx) == "auto"
    assert seen == [({"a": 1}, tmp_path)]


# --- is_read_only_command ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "ls",
        "ls -la",
        "  ls  ",
        "/bin/ls -l",
        "cat x",
        "cat x | head",
        "cat train.log | grep loss | tail -n 5",
        "git status",
        "git log --oneline -5",
        "git diff HEAD~1",
        "git rev-parse HEAD",
        "python --version",
        "python3 -V",
        "pip --version",
        "uv version",
        "nvidia-smi",
        "find . -name '*.py'",
        "rg TODO src",
        "du -sh .",
        "wc -l data.csv",
    ],
)
def test_read_only_commands_run_without_asking(command: str) -> None:
    assert is_read_only_command(command) is True


@pytest.mark.parametrize(
    "command",
    [
        "",
        "   ",
        "rm -rf /",
        "rm -rf build",
        "git push",
        "git push --force origin main",
        "git commit -m x",
        "git checkout -- .",
        "git",
        "echo hi > out.txt",
        "cat x >> y",
        "cat < in.txt",
        "ls; rm -rf x",
        "ls && rm -rf x",
        "ls || rm -rf x",
        "ls & rm -rf x",
        "ls\nrm -rf x",
        "echo $(rm -rf x)",
        "echo `rm -rf x`",
        "cat <(rm -rf x)",
        "find . -delete",
        "find . -name '*.pyc' -exec rm {} +",
        "find . -execdir rm {} ;",
        "find . -fprint out.txt",
        "python script.py",
        "python -c 'import os'",
        "python",
        "python3 train.py --version",
        "pip install torch",
        "uv run train.py",
        "cat x | sh",
        "cat x | bash",
        "cat x |",
        "| cat x",
        "curl https://example.com",
        "ls 'unterminated",
        "mv a b",
        "cp a b",
        "chmod +x run.sh",
    ],
)
def test_commands_that_may_write_or_execute_need_a_human(command: str) -> None:
    assert is_read_only_command(command) is False


@pytest.mark.parametrize(
    ("command", "why"),
    [
        ("env rm -rf /", "env runs its arguments as a command"),
        ("find . -fprint0 out.txt", "-fprint0 writes a file like -fprint"),
        ("sort -o out.txt in.txt", "sort -o writes the output file"),
        ("uniq in.txt out.txt", "uniq's second operand is an output file"),
        ("tree -o out.txt", "tree -o writes the output file"),
        ("git branch -D main", "deletes a branch"),
        ("git diff --output=patch.txt", "--output writes a file"),
        ("rg --pre ./script.sh pattern", "--pre executes a program per file"),
    ],
)
def test_allowlisted_programs_with_writing_or_executing_arguments_are_not_read_only(
    command: str, why: str
) -> None:
    assert is_read_only_command(command) is False, why


# --- inside_workspace / path_rule ---------------------------------------------------------------


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "file.txt").write_text("x")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("s")
    (tmp_path / "ws2").mkdir()
    return root


@pytest.mark.parametrize(
    ("path", "inside"),
    [
        ("file.txt", True),
        ("sub/file.txt", True),
        ("sub/new/deeper.txt", True),
        (".", True),
        ("./sub/../file.txt", True),
        ("sub/../../outside/secret.txt", False),
        ("../outside/secret.txt", False),
        ("..", False),
        ("../ws2/file.txt", False),  # a sibling whose name starts with the workspace's
        ("/etc/passwd", False),
        ("~/notes.txt", False),
    ],
)
def test_inside_workspace_for_relative_and_absolute_paths(
    ws: Path, path: str, inside: bool
) -> None:
    assert inside_workspace(path, ws) is inside


def test_absolute_path_inside_workspace_is_inside(ws: Path) -> None:
    assert inside_workspace(str(ws / "sub" / "file.txt"), ws) is True
    assert inside_workspace(str(ws.parent / "outside" / "secret.txt"), ws) is False


def test_symlink_in_workspace_pointing_outside_is_outside(ws: Path) -> None:
    (ws / "escape").symlink_to(ws.parent / "outside")
    (ws / "escape_file").symlink_to(ws.parent / "outside" / "secret.txt")
    assert inside_workspace("escape/secret.txt", ws) is False
    assert inside_workspace("escape/new_file.txt", ws) is False
    assert inside_workspace("escape_file", ws) is False
    assert path_rule({"path": "escape/secret.txt"}, ws) == "ask"


def test_symlink_in_workspace_pointing_inside_is_inside(ws: Path) -> None:
    (ws / "alias").symlink_to(ws / "sub")
    assert inside_workspace("alias/file.txt", ws) is True


def test_workspace_given_through_a_symlink(ws: Path) -> None:
    link = ws.parent / "ws_link"
    link.symlink_to(ws)
    assert inside_workspace(str(ws / "sub" / "file.txt"), link) is True
    assert inside_workspace("sub/file.txt", link) is True
    assert inside_workspace(str(ws.parent / "outside" / "secret.txt"), link) is False


@pytest.mark.parametrize(
    ("args", "need"),
    [
        ({"path": "sub/file.txt"}, "auto"),
        ({"path": "brand_new.txt"}, "auto"),
        ({"path": "../outside/secret.txt"}, "ask"),
        ({"path": "/etc/hosts"}, "ask"),
        ({"path": ""}, "auto"),  # invalid arguments never run; the tool reports the error
        ({}, "auto"),
        ({"path": 3}, "auto"),
    ],
)
def test_path_rule(ws: Path, args: dict[str, Any], need: Need) -> None:
    assert path_rule(args, ws) == need


# --- each local tool's own rule -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "args", "need"),
    [
        ("read", {"path": "sub/file.txt"}, "auto"),
        ("glob", {"pattern": "**/*.py"}, "auto"),
        ("grep", {"pattern": "TODO"}, "auto"),
        ("plan", {"items": []}, "auto"),
        ("write", {"path": "sub/out.txt", "content": "x"}, "auto"),
        ("write", {"path": "../outside/out.txt", "content": "x"}, "ask"),
        ("write", {"path": "/tmp/elsewhere.txt", "content": "x"}, "ask"),
        ("edit", {"path": "sub/file.txt", "old": "x", "new": "y"}, "auto"),
        ("edit", {"path": "../outside/secret.txt", "old": "s", "new": "t"}, "ask"),
        ("bash", {"command": "ls -la"}, "auto"),
        ("bash", {"command": "git status"}, "auto"),
        ("bash", {"command": "cat log.txt | tail -n 20"}, "auto"),
        ("bash", {"command": "python train.py"}, "code"),
        ("bash", {"command": "rm -rf /"}, "code"),
        ("bash", {"command": "ls > listing.txt"}, "code"),
        ("bash", {}, "code"),
        ("bash", {"command": ["ls"]}, "code"),
    ],
)
def test_builtin_rule_defaults(ws: Path, tool: str, args: dict[str, Any], need: Need) -> None:
    assert RULES[tool](args, ws) == need


@pytest.mark.parametrize(
    ("tool", "args", "mode", "yolo", "expected"),
    [
        ("bash", {"command": "rm -rf build"}, "interactive", False, "ask"),
        ("bash", {"command": "rm -rf build"}, "interactive", True, "auto"),
        ("bash", {"command": "rm -rf build"}, "headless", False, "auto"),
        ("bash", {"command": "nvidia-smi"}, "interactive", False, "auto"),
        ("write", {"path": "../outside/x.txt"}, "interactive", False, "ask"),
        ("write", {"path": "inside.txt"}, "interactive", False, "auto"),
    ],
)
def test_decide_with_builtin_rules(
    ws: Path, tool: str, args: dict[str, Any], mode: Any, yolo: bool, expected: Verdict
) -> None:
    ctx = PolicyContext(mode=mode, yolo=yolo, workspace=ws)
    assert decide(tool, args, RULES[tool], ctx) == expected


# --- judge_reply --------------------------------------------------------------------------------


def test_a_reply_is_judged_call_by_call_and_a_call_a_rule_denies_is_denied(ws: Path) -> None:
    """Each call as `judge` says, a tool the catalog does not hold auto (it never runs); a call
    a rule for weaker models denies (by id) is denied for the rule, over a config's own deny
    and over a tool that would be auto, and never loosened."""
    calls = [
        {"id": "1", "name": "read", "args": {"path": "a.py"}},
        {"id": "2", "name": "nope", "args": {}},
        {"id": "3", "name": "edit", "args": {"path": "./a.py", "old_str": "1", "new_str": "2"}},
        {"id": "4", "name": "bash", "args": {"command": "ls"}},
    ]
    ctx = PolicyContext(workspace=ws, overrides={"bash": "deny"})
    reasons = [d.reason for d in judge_reply(calls, RULES, ctx)]
    assert reasons == ["known_safe", "known_safe", "known_safe", "config"]
    ruled = judge_reply(calls, RULES, ctx, denied={"2", "3", "4"})
    assert [(d.verdict, d.reason) for d in ruled] == [("auto", "known_safe")] + [
        ("deny", "rule")
    ] * 3
