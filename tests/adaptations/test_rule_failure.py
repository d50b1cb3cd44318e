"""A rule whose hook raises, through the CLI's session and graph against the scripted model:
said once naming the rule, dropped for the rest of the process (none of its hooks is called
again), the turn finishes normally; and a later `ml-intern models show`, a process of its
own on the same ML_INTERN_HOME, marks it with when and why until `--clear-failed`."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from langchain_core.messages import AIMessage

from adaptations import registry
from adaptations.hooks import ModelStep
from adaptations.resolve import active, adapted
from adaptations.rule import Hook, Rule, every_model
from cli.models import forgot_message, skipped_lines
from configs.model_profile import profile_of
from configs.rule_failures import RuleFailure, failures_of, record_failure
from tests.cli.conftest import Cli, cli_env
from tests.configs.test_prompt_snapshot import check_snapshot
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tools.adaptation_guard import FAILED_RULES, dropped_message, records_written
from tools.tool_rules import CallContext

MODEL = "openai/scripted-model"
CALLS: list[str] = []


class Raising(Rule):
    """Counts each hook it is called at; its `after_model` raises."""

    hook: ClassVar[Hook] = "model"

    def before_model(self, step: ModelStep) -> None:
        CALLS.append("before_model")

    def after_model(self, step: ModelStep, response: AIMessage) -> AIMessage:
        CALLS.append("after_model")
        raise RuntimeError("the rule's own bug\n  a second line nobody needs")

    def bash_output(self, call: CallContext, command: str, output: str) -> str:
        CALLS.append("bash_output")
        return output


@pytest.fixture
def raising(monkeypatch: pytest.MonkeyPatch) -> Iterator[Rule]:
    rule = Raising("raising-rule", every_model, "raises after the model")
    monkeypatch.setattr(registry, "RULES", (*registry.RULES, rule))
    CALLS.clear()
    yield rule  # (tests/conftest.py `rules_not_dropped` brings it back after the test)


def call(name: str, call_id: str, **args: object) -> dict[str, object]:
    return {"name": name, "id": call_id, "arguments": args}


async def test_a_rule_whose_hook_raises_is_said_once_dropped_and_marked_by_models_show(
    raising: Rule,
    llm: ScriptedLLMServer,
    workspace: Path,
    isolated_home: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    (workspace / "notes.md").write_text("lr=3e-4\n")
    llm.add(
        Turn(tool_calls=[call("read", "r1", path="notes.md")]),
        Turn(tool_calls=[call("bash", "b1", command="echo hi")]),
        Turn(content="lr=3e-4, and echo said hi."),
    )
    caplog.set_level(logging.WARNING, logger="ml_intern.adaptations")
    async with open_session(fast_settings(llm.url), workspace) as session:
        events = await collect(session.send("Which lr do the notes use? Then run echo hi."))
    assert events[-1].type == "turn_complete"
    assert events[-1].data["final_text"] == "lr=3e-4, and echo said hi."
    assert len(llm.requests) == 3  # three model steps, the bash call ran
    assert "hi" in json.dumps(llm.requests[2]["messages"])
    # Called at the first step's hooks until one raised; never again (steps 2 and 3, the tool)
    assert CALLS == ["before_model", "after_model"]
    said = [r.getMessage() for r in caplog.records if "raising-rule" in r.getMessage()]
    assert said == [dropped_message(FAILED_RULES["raising-rule"])]
    assert "RuntimeError: the rule's own bug" in said[0] and MODEL in said[0]
    profile = adapted(profile_of(MODEL, env={}))  # every thread and role goes on without it
    assert "raising-rule" not in profile.rules
    assert all(raising not in active(profile, role).rules for role in ("agent", "research"))

    records_written()
    cli = Cli(cli_env(tmp_path, {"ML_INTERN_HOME": str(isolated_home)}), workspace, isolated_home)
    shown = cli.run("models", "show", MODEL, "--json")
    assert shown.returncode == 0, shown.stderr
    skipped = {s["name"]: s["because"] for s in json.loads(shown.stdout)["skipped"]}
    when = r"failed at \d{4}-\d\d-\d\d \d\d:\d\d UTC"
    assert re.fullmatch(f"{when}: RuntimeError: the rule's own bug", skipped["raising-rule"])
    text = cli.run("models", "show", MODEL).stdout
    assert re.search(f"raising-rule  ! {when}: RuntimeError: the rule's own bug", text)
    cleared = cli.run("models", "show", MODEL, "--clear-failed", "--json")
    assert cleared.returncode == 0, cleared.stderr
    assert "forgot 1 recorded rule failure of openai/scripted-model" in cleared.stderr
    assert json.loads(cleared.stdout)["skipped"] == []
    assert failures_of(MODEL) == []


def test_the_record_is_small_replaced_per_rule_and_model_and_kept_to_the_newest(
    isolated_home: Path,
) -> None:
    for n in range(70):
        record_failure(RuleFailure(f"rule-{n}", MODEL, "ValueError: no", 1_700_000_000 + n))
    record_failure(RuleFailure("rule-69", MODEL, "KeyError: 'x'\x1b[31m", 1_800_000_000))
    kept = failures_of(MODEL)
    assert len(kept) == 64 and kept[0].rule == "rule-6"
    assert kept[-1] == RuleFailure("rule-69", MODEL, "KeyError: 'x' [31m", 1_800_000_000)
    assert failures_of("openai/another") == []
    stored = (isolated_home / "failed_rules.json").read_bytes()
    assert len(stored) < 16_000 and not list(isolated_home.glob(".*tmp"))


def test_a_planted_or_broken_record_is_read_as_nothing(isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True)
    target = isolated_home / "failed_rules.json"
    target.write_text('{"failures": [{"rule": 1}, "x", {"rule": "r", "model": "m"}]}')
    assert failures_of("m") == []
    target.unlink()
    (isolated_home / "elsewhere.json").write_text(
        json.dumps({"failures": [{"rule": "r", "model": "m", "error": "E", "at": 1.0}]})
    )
    target.symlink_to(isolated_home / "elsewhere.json")
    assert failures_of("m") == []  # a link is not followed


def test_the_texts_a_failure_is_said_and_marked_with() -> None:
    failure = RuleFailure("raising-rule", MODEL, "RuntimeError: the rule's own bug", 1.75e9)
    unknown = RuleFailure("raising-rule", "", "RuntimeError: the rule's own bug", 1.75e9)
    skipped = [
        {"name": "look_first", "because": "unknown rule"},
        {"name": "raising-rule", "because": failure.mark},
    ]
    lines = [dropped_message(failure), dropped_message(unknown), *skipped_lines(skipped)]
    lines += [forgot_message(1, MODEL), forgot_message(2, MODEL)]
    check_snapshot("rule_failed.md", "\n".join(lines) + "\n")
