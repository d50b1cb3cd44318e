"""A rule a package installed beside ml-intern adds (one entry point, adaptations/installed.py)
runs at its hooks in every front end with no file of ml-intern changed: the headless CLI and
`ml-intern web` through its HTTP API, in the main agent and the research sub-agent each starts.

The package is written by the test (tests/adaptations/installed_probe.py, copied, and its
`*.dist-info`) into a folder put on the `PYTHONPATH` of the processes the test starts; each
of its rules names the hooks it was called at in the note it sends the turn's first final
answer back with (the scripted model receives it). Where each hook is seen (both front
ends, the same script): the model hooks (`shape`, `before_model`, `wrap_model_call`, `after_model`,
`check_reply`) and the call hooks (`wrap_tool_call`, `policy`) in the main agent and the
sub-agent; `asked_left` (asked by `repeat-call`, switched on for the scripted model) and the
tool hooks of bash, write, edit, read and skill in the main agent; `folder_read` (every
`read`) in the sub-agent.

Bad input: an entry point that fails to import, names no `Rule`, names a rule by another
name or a name already declared is skipped with a line naming it, and the run goes on.
Attack: a `*.dist-info` the agent plants in the workspace, and a workspace `.env` setting
`PYTHONPATH`, add no rule (the module is never even imported)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adaptations.installed import Installed, discover, import_path
from tests.cli.conftest import Cli, cli_env
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.server_runs import run_body
from tests.web.web_harness import free_port, start_web, stop_web, wait_for_ready

# the CLI zygote's and the server's start take minutes on a loaded machine
pytestmark = pytest.mark.timeout(1500)

HERE = Path(__file__).resolve().parent
MODULE = "ml_intern_probe_rules"
ENTRY_POINTS = f"""[ml_intern.rules]
agent-probe = {MODULE}:AGENT
research-probe = {MODULE}:RESEARCH
not-a-rule = {MODULE}:NOT_A_RULE
missing = ml_intern_no_such_module:RULE
"""
SCRIPTED = "openai/scripted-model"
# repeat-call (small models only by default) is what asks the rules' `asked_left`.
SWITCHES = {"adaptations": {SCRIPTED: {"repeat-call": True}}}
PROMPT = "Which lr do the notes use? Then run echo hi."
REPORT = "## Findings\nlr=3e-4 (notes.md:1)"
MODEL_HOOKS = {"shape", "before_model", "wrap_model_call", "after_model", "check_reply"}
CALL_HOOKS = {"wrap_tool_call", "policy"}
TOOL_HOOKS = {"before_bash", "bash_output", "bash_note", "written_note", "edit_missing"}
TOOL_HOOKS |= {"folder_read", "unknown_skill"}
AGENT_HOOKS = MODEL_HOOKS | CALL_HOOKS | TOOL_HOOKS | {"asked_left"}
RESEARCH_HOOKS = MODEL_HOOKS | CALL_HOOKS | {"folder_read"}


def write_package(
    root: Path, entry_points: str = ENTRY_POINTS, name: str = "ml-intern-probe-rules"
) -> Path:
    """A package installed in `root` (a folder for the import path): the probe module and a
    distribution `name` whose entry points are `entry_points`."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE / "installed_probe.py", root / f"{MODULE}.py")
    info = root / f"{name.replace('-', '_')}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(entry_points)
    return root


def call(tool: str, call_id: str, **args: object) -> dict[str, object]:
    return {"name": tool, "id": call_id, "arguments": args}


def script(llm: ScriptedLLMServer, workspace: Path) -> None:
    """One turn reaching every hook: research (the sub-agent reads), bash, write, a folder
    read, an unknown skill, an edit whose old text is missing, three equal calls."""
    (workspace / "notes.md").write_text("lr=3e-4\n")
    llm.add(
        Turn(tool_calls=[call("research", "r1", task="Which lr do the notes use?")]),
        Turn(tool_calls=[call("read", "s1", path="notes.md")]),  # the sub-agent
        Turn(content=REPORT),
        Turn(content=REPORT),  # sent back once by research-probe
        Turn(
            tool_calls=[
                call("bash", "b1", command="echo hi"),
                call("write", "w1", path="probe.txt", content="one\n"),
                call("read", "d1", path="."),
                call("skill", "k1", name="no-such-skill"),
            ]
        ),
        Turn(tool_calls=[call("edit", "e1", path="probe.txt", old_str="nope", new_str="two")]),
        *(Turn(tool_calls=[call("bash", f"same{n}", command="echo same")]) for n in range(3)),
        Turn(content="lr=3e-4."),
        Turn(content="lr=3e-4."),  # sent back once by agent-probe
    )


def assert_every_hook(requests: list[dict[str, object]]) -> None:
    """Each probe's note reached the model, naming every hook it was to be called at."""
    said = re.findall(r"PROBE ([a-z-]+) saw: ([a-z_,]+)", json.dumps(requests))
    seen = {rule: set(hooks.split(",")) for rule, hooks in said}
    assert seen.keys() == {"agent-probe", "research-probe"}, said
    assert seen["agent-probe"] == AGENT_HOOKS, AGENT_HOOKS ^ seen["agent-probe"]
    assert seen["research-probe"] == RESEARCH_HOOKS, RESEARCH_HOOKS ^ seen["research-probe"]


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return write_package(tmp_path / "site")


def test_an_installed_rule_runs_at_every_hook_in_the_headless_cli(
    package: Path, llm: ScriptedLLMServer, tmp_path: Path
) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    config = tmp_path / "config.json"
    config.write_text(json.dumps(SWITCHES))
    env = cli_env(tmp_path, {"PYTHONPATH": str(package)})
    cli = Cli(env={**env, "ML_INTERN_CLI_CONFIG": str(config)}, cwd=workspace, home=tmp_path)
    cli.use_server(llm)
    script(llm, workspace)
    done = cli.run("--model", SCRIPTED, "-", input=PROMPT + "\n", timeout=400)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "lr=3e-4."
    assert_every_hook(llm.requests)
    # the broken entry points: said, naming each, and the run went on
    assert "installed rule 'not-a-rule'" in done.stderr and "not a Rule" in done.stderr
    assert "installed rule 'missing'" in done.stderr and "ModuleNotFoundError" in done.stderr
    shown = cli.run("models", "show", SCRIPTED, "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert "agent-probe" in {rule["name"] for rule in data["rules"]}
    assert any("'missing'" in problem for problem in data["problems"])


@pytest.fixture
def web(
    package: Path, llm: ScriptedLLMServer, workspace: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, isolated_home: Path,
) -> Iterator[str]:  # fmt: skip
    monkeypatch.setenv("PYTHONPATH", str(package))
    port = free_port()
    proc, out = start_web(
        workspace, isolated_home, llm.url, tmp_path, "--port", str(port), settings=SWITCHES
    )
    try:
        wait_for_ready(proc, out)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_web(proc)


def test_an_installed_rule_runs_at_every_hook_in_the_web_server(
    web: str, llm: ScriptedLLMServer, workspace: Path, tmp_path: Path, isolated_home: Path
) -> None:
    script(llm, workspace)
    with httpx.Client(base_url=web, timeout=400, trust_env=False) as api:
        thread = api.post("/threads", json={}).json()["thread_id"]
        answer = api.post(f"/threads/{thread}/runs/wait", json=run_body(PROMPT))
        assert answer.status_code == 200, answer.text
        messages = api.get(f"/threads/{thread}/state").json()["values"]["messages"]
    assert messages[-1]["type"] == "ai" and messages[-1]["content"] == "lr=3e-4."
    assert_every_hook(llm.requests)
    said = (isolated_home / "web" / "server.log").read_text(errors="replace")
    assert "installed rule 'not-a-rule'" in said and "installed rule 'missing'" in said


def test_a_rule_planted_in_the_workspace_or_named_by_its_env_is_never_loaded(
    llm: ScriptedLLMServer, tmp_path: Path
) -> None:
    """The attacker (the agent, an earlier turn, a cloned repository) writes a package with
    its `*.dist-info` into the workspace, which `python -m` puts first on the import path, and
    another folder's into the workspace `.env` as `PYTHONPATH`."""
    workspace, imported = tmp_path / "workspace", tmp_path / "imported"
    write_package(workspace)
    elsewhere = write_package(tmp_path / "elsewhere")
    (workspace / ".env").write_text(f"PYTHONPATH={elsewhere}\n")
    env = cli_env(tmp_path, {"PROBE_RULES_IMPORTED": str(imported)})
    cli = Cli(env=env, cwd=workspace, home=tmp_path)
    cli.use_server(llm)
    llm.add(Turn(content="Hello."))
    done = cli.run("--model", SCRIPTED, "-", input="Say hello.\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Hello."
    assert not imported.exists()
    assert "PROBE" not in json.dumps(llm.requests) and "installed rule" not in done.stderr


def test_broken_entry_points_are_skipped_each_named(tmp_path: Path) -> None:
    first = write_package(tmp_path / "a", ENTRY_POINTS + f"other-name = {MODULE}:AGENT\n")
    second = write_package(tmp_path / "b", f"[ml_intern.rules]\nagent-probe = {MODULE}:AGENT\n",
                           name="second-probes")  # fmt: skip
    with pytest.MonkeyPatch.context() as env:
        env.syspath_prepend(str(first))  # the probe module's own import
        found = discover([str(first), str(second)], {"look-first"})
        taken = discover([str(first)], {"agent-probe", "research-probe"})
    assert [rule.name for rule in found.rules] == ["agent-probe", "research-probe"]
    said = "\n".join(found.problems)
    assert f"'not-a-rule' ({MODULE}:NOT_A_RULE, from ml-intern-probe-rules) is a str" in said
    assert "'missing'" in said and "ModuleNotFoundError" in said
    assert "'other-name'" in said and "called 'agent-probe'" in said
    assert "'agent-probe' (ml_intern_probe_rules:AGENT, from second-probes)" in said
    assert all(line.endswith("the run goes on without it.") for line in found.problems)
    assert len(found.problems) == 4
    assert taken.rules == () and sum("already declared" in p for p in taken.problems) == 2


def test_the_import_path_read_leaves_out_the_working_directory_and_the_workspace(
    tmp_path: Path,
) -> None:
    site, here, work = (str(tmp_path / name) for name in ("site", "here", "work"))
    path = ["", here, site, work, f"{here}/lib"]
    assert import_path(path, cwd=Path(here), workspace=work) == [site, f"{here}/lib"]


def test_the_planted_package_would_load_were_the_workspace_read(tmp_path: Path) -> None:
    """The attack above is no empty one: the package it plants is well formed, and read from
    the path `python -m cli` starts with in the workspace (its first entry), it loads."""
    workspace = write_package(tmp_path / "workspace")
    with pytest.MonkeyPatch.context() as env:
        env.syspath_prepend(str(workspace))
        found = discover([str(workspace)], set())
        kept = discover(import_path([str(workspace)], cwd=workspace, workspace=""), set())
    assert [rule.name for rule in found.rules] == ["agent-probe", "research-probe"]
    assert kept == Installed()


def test_a_distribution_s_first_copy_on_the_path_wins_even_without_rules(tmp_path: Path) -> None:
    """As for imports: a second copy of a distribution further down the path is not read, so
    it cannot add rules the copy Python imports from does not declare."""
    first = write_package(tmp_path / "first", "[console_scripts]\nprobe = x:y\n")
    second = write_package(tmp_path / "second")
    with pytest.MonkeyPatch.context() as env:
        env.syspath_prepend(str(second))  # the probe module, were it read
        assert discover([str(first), str(second)], set()) == Installed()
        assert [r.name for r in discover([str(second)], set()).rules] == [
            "agent-probe",
            "research-probe",
        ]
