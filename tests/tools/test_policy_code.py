"""The one rule for code: every tool that runs programs on this machine, in every mode, with
and without the sandbox.

The rule reads code's words only as a tripwire (a credential place named in them). Code
whose meaning it cannot see runs unasked only inside the walls, or because the user chose
yolo or headless; then the decision says so ("user_chose"), and protects nothing from code
that builds a credential path at run time (docs/safety-yolo.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from configs.settings import Settings
from tools.catalog import ToolCatalog
from tools.families import build_catalog
from tools.policy import (
    Decision,
    Need,
    PolicyContext,
    always,
    judge,
    runs_unseen_code_unasked,
)


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home" / ".netrc").parent.mkdir(parents=True)
    (tmp_path / "home" / ".netrc").write_text("machine hub.example login me password pw-42\n")
    workspace = tmp_path / "home" / "project"
    workspace.mkdir()
    (workspace / "train.log").write_text("loss 0.1\n")
    return workspace


def catalog(sandbox: bool) -> ToolCatalog:
    return build_catalog(Settings(sandbox={"mode": "local" if sandbox else "off"}))


MODES = {  # name -> (mode, yolo)
    "interactive": ("interactive", False),
    "yolo": ("interactive", True),
    "headless": ("headless", False),
}


def decision(sandbox: bool, mode: str, tool: str, args: dict[str, Any], ws: Path) -> Decision:
    spec = catalog(sandbox).get(tool)
    assert spec is not None
    run_mode, yolo = MODES[mode]
    return judge(tool, args, spec.approval, PolicyContext(run_mode, yolo, ws))  # type: ignore[arg-type]


# --- the attack ---------------------------------------------------------------------------------
# Before this rule: the built paths got the same plain "auto" in yolo and headless as a
# read-only `ls`, while the literal path was stopped; nothing said that nobody had read them.

BUILT_IN_PYTHON = "import os\nprint(open(os.path.expanduser('~/.ne' + 'trc')).read())"
LITERAL_IN_PYTHON = "import os\nprint(open(os.path.expanduser('~/.netrc')).read())"
ATTACKS = [
    ("python", {"code": BUILT_IN_PYTHON}),
    ("bash", {"command": "cat $(printf '%s/.ne%s' ~ trc)"}),
]
STOPPED = [  # the tripwire: a credential place in so many words (shell quotes are undone)
    ("python", {"code": LITERAL_IN_PYTHON}),
    ("bash", {"command": "cat ~/.ne''trc"}),
    ("bash", {"command": "cat ~/.netrc"}),
]


@pytest.mark.parametrize(("tool", "args"), ATTACKS)
def test_code_building_a_credential_path_is_never_called_safe(
    tool: str, args: dict[str, Any], ws: Path
) -> None:
    assert decision(False, "interactive", tool, args, ws) == Decision("ask", "unseen_code")
    assert decision(False, "yolo", tool, args, ws) == Decision("auto", "user_chose")
    assert decision(False, "headless", tool, args, ws) == Decision("auto", "user_chose")
    for mode in MODES:
        assert decision(True, mode, tool, args, ws) == Decision("auto", "walled")


@pytest.mark.parametrize(("tool", "args"), STOPPED)
@pytest.mark.parametrize("sandbox", [False, True])
def test_code_naming_a_credential_place_needs_a_human_in_every_mode(
    tool: str, args: dict[str, Any], sandbox: bool, ws: Path
) -> None:
    assert decision(sandbox, "interactive", tool, args, ws) == Decision("ask", "every_time")
    assert decision(sandbox, "yolo", tool, args, ws) == Decision("ask", "every_time")
    assert decision(sandbox, "headless", tool, args, ws) == Decision("deny", "no_human")


# --- every code-running tool × mode × sandbox ----------------------------------------------------

# tool -> (a call running code the rule cannot read, a call naming a credential place)
CALLS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "bash": ({"command": "python train.py"}, {"command": "cat ~/.ssh/id_rsa"}),
    "python": ({"code": "import train"}, {"code": "open('~/.aws/credentials')"}),
    "notebook": (
        {"path": "nb.ipynb", "action": "run"},
        {"path": "~/.ssh/n.ipynb", "action": "run"},
    ),
}
# Under the sandbox a notebook in a hidden place is refused by the tool itself (its cells'
# text is in the file, so no tripwire reads it): the walls hold it, as they hold bash's `cat`.
WALLS_REFUSE = {"notebook"}
# (sandbox, mode) -> what unseen code gets
UNSEEN: dict[tuple[bool, str], Decision] = {
    (False, "interactive"): Decision("ask", "unseen_code"),
    (False, "yolo"): Decision("auto", "user_chose"),
    (False, "headless"): Decision("auto", "user_chose"),
    (True, "interactive"): Decision("auto", "walled"),
    (True, "yolo"): Decision("auto", "walled"),
    (True, "headless"): Decision("auto", "walled"),
}
CREDENTIAL: dict[str, Decision] = {
    "interactive": Decision("ask", "every_time"),
    "yolo": Decision("ask", "every_time"),
    "headless": Decision("deny", "no_human"),
}


def code_tools() -> Iterator[str]:
    yield from sorted({spec.name for spec in catalog(False) if spec.runs_code})


def test_every_tool_that_runs_programs_passes_the_rule_for_code() -> None:
    """A tool that says it runs programs (for undo or for editors) has the rule for code,
    and its calls are in the table below: a new one fails here until they are."""
    for sandbox in (False, True):
        for spec in catalog(sandbox):
            if spec.kind == "execute" or spec.workspace_effect == "programs":
                assert spec.runs_code, spec.name
    assert set(code_tools()) == set(CALLS)


@pytest.mark.parametrize("tool", list(CALLS))
@pytest.mark.parametrize(("sandbox", "mode"), list(UNSEEN))
def test_the_rule_for_code(tool: str, sandbox: bool, mode: str, ws: Path) -> None:
    unseen, credential = CALLS[tool]
    assert decision(sandbox, mode, tool, unseen, ws) == UNSEEN[sandbox, mode]
    walled = sandbox and tool in WALLS_REFUSE
    expected = Decision("auto", "walled") if walled else CREDENTIAL[mode]
    assert decision(sandbox, mode, tool, credential, ws) == expected


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("bash", {"command": "ls -la"}),
        ("bash", {"command": "cat train.log | tail -n 5"}),
        ("python", {"restart": True}),
        ("notebook", {"path": "nb.ipynb", "action": "read"}),
    ],
)
@pytest.mark.parametrize(("sandbox", "mode"), list(UNSEEN))
def test_only_what_runs_no_unseen_code_is_known_safe(
    tool: str, args: dict[str, Any], sandbox: bool, mode: str, ws: Path
) -> None:
    assert decision(sandbox, mode, tool, args, ws) == Decision("auto", "known_safe")


@pytest.mark.parametrize(
    ("command", "why"),
    [
        ("cat $(printf '%s/.ne%s' ~ trc)", "command substitution"),
        ("cat ~/.ne*", "a glob the rule expands finds the credential place"),
        ("ls ..", "a read-only command outside the workspace"),
        ("python -c 'print(1)'", "a program not on the allowlist"),
    ],
)
def test_shell_commands_outside_the_allowlist_are_never_known_safe(
    command: str, why: str, ws: Path
) -> None:
    for mode in MODES:
        assert decision(False, mode, "bash", {"command": command}, ws).reason != "known_safe", why


# --- judge: every reason --------------------------------------------------------------------------

# (mode, yolo, override, need) -> decision
JUDGE_TABLE: list[tuple[str, bool, str | None, Need, Decision]] = [
    ("interactive", False, None, "auto", Decision("auto", "known_safe")),
    ("headless", False, None, "walled", Decision("auto", "walled")),
    ("interactive", False, None, "code", Decision("ask", "unseen_code")),
    ("interactive", True, None, "code", Decision("auto", "user_chose")),
    ("headless", False, None, "code", Decision("auto", "user_chose")),
    ("interactive", False, None, "ask", Decision("ask", "tool_asks")),
    ("interactive", True, None, "ask", Decision("auto", "user_chose")),
    ("interactive", True, None, "never_auto", Decision("ask", "every_time")),
    ("headless", False, None, "never_auto", Decision("deny", "no_human")),
    ("interactive", False, "auto", "code", Decision("auto", "config")),
    ("interactive", True, "ask", "walled", Decision("ask", "config")),
    ("headless", False, "ask", "auto", Decision("deny", "no_human")),  # the config says ask
    ("headless", False, "deny", "auto", Decision("deny", "config")),
    ("interactive", False, "auto", "never_auto", Decision("ask", "every_time")),
]


@pytest.mark.parametrize(("mode", "yolo", "override", "need", "expected"), JUDGE_TABLE)
def test_judge_says_why(
    mode: Any, yolo: bool, override: Any, need: Need, expected: Decision, tmp_path: Path
) -> None:
    overrides = {"t": override} if override else {}
    ctx = PolicyContext(mode=mode, yolo=yolo, workspace=tmp_path, overrides=overrides)
    assert judge("t", {}, always(need), ctx) == expected


# --- what the CLI warns about -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "yolo", "walled", "warned"),
    [
        ("interactive", False, False, False),  # code asks
        ("interactive", True, False, True),
        ("headless", False, False, True),
        ("headless", True, False, True),
        ("interactive", True, True, False),  # the walls hold it
        ("headless", False, True, False),
    ],
)
def test_runs_unseen_code_unasked(mode: Any, yolo: bool, walled: bool, warned: bool) -> None:
    assert runs_unseen_code_unasked(mode, yolo, walled) is warned
