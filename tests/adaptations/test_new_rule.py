"""A new rule registered in one place runs at its hooks in every node and front end: the
compiled graph of a headless session (the CLI's), and the research sub-agent it starts, with
the sub-agent's tools getting the sub-agent's rules. Nothing else names the rule: the test
adds rule objects to the registry and no other file changes, and each is counted in the
thread's `rules_fired` where its hook acted. A rule denying calls through the approval
policy (`policy`) holds them with its own answer. A rule adding lines to the runtime note
(`note_lines`) has them in every request it serves, in the registry's order. Its reply note is of a kind of its own, with
a text of its own: the note sends the model back to work, is marked with that kind, and the
catalogue of what the model reads (docs/reference/texts.md) lists both."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest
from langchain_core.messages import AIMessage, ToolMessage

from adaptations import registry
from adaptations.hooks import ModelStep, Pending, RuntimeNote, Shape
from adaptations.rule import EVERY_ROLE, Handler, Hook, Kinds, Rule, every_model
from configs.model_profile import ModelProfile
from docs.tooling import texts_page
from models.messages import RuleKind, not_run, note_kind
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import runtime_note_of
from tools.tool_rules import CallContext, Hidden, Place, Walls

SEEN: list[tuple[str, str]] = []
REPORT = "## Findings\nlr=3e-4 (notes.md:1)"
PROBED = RuleKind("probed")  # the probe's own note kind: no other rule's, not the runtime's


class Probe(Rule):
    """Records each hook it is called at; sends one final answer a turn back."""

    hook: ClassVar[Hook] = "model"
    note: ClassVar[RuleKind | None] = PROBED
    SAY_AGAIN = "PROBE {name}: say it once more."  # its own text
    notes: ClassVar[Kinds] = {PROBED: (SAY_AGAIN,)}

    def seen(self, hook: str) -> None:
        SEEN.append((self.name, hook))

    def shape(self, shape: Shape, profile: ModelProfile) -> Shape:
        self.seen("shape")
        return shape

    def before_model(self, step: ModelStep) -> None:
        self.seen("before_model")

    async def wrap_model_call(
        self, step: ModelStep, kwargs: dict[str, Any], handler: Handler
    ) -> AIMessage:
        self.seen("wrap_model_call")
        return await handler(kwargs)

    def after_model(self, step: ModelStep, response: AIMessage) -> AIMessage:
        self.seen("after_model")
        return response

    def check_reply(self, step: ModelStep) -> str | None:
        self.seen("check_reply")
        return self.SAY_AGAIN.format(name=self.name)

    def wrap_tool_call(self, pending: Pending) -> dict[str, Any]:
        self.seen("wrap_tool_call")
        return {}

    def policy(self, pending: Pending) -> dict[str, Any]:
        self.seen("policy")
        return {}

    def bash_output(self, call: CallContext, command: str, output: str) -> str:
        self.seen("bash_output")
        return output

    def folder_read(self, call: CallContext, walls: Walls | None, place: Place) -> str | None:
        self.seen("read")
        return None

    def written_note(self, target: Path, content: str) -> str:
        self.seen("written_note")
        return ""

    def before_bash(self, call: CallContext, command: str, hidden: Hidden) -> Any:
        self.seen("before_bash")


MODEL_HOOKS = {"shape", "before_model", "wrap_model_call", "after_model", "check_reply"}
CALL_HOOKS = {"wrap_tool_call", "policy"}


def call(name: str, call_id: str, **args: object) -> dict[str, object]:
    return {"name": name, "id": call_id, "arguments": args}


def with_research_tool(settings: Any) -> Any:
    from configs.environment import ml_intern_home
    from graph.research_agent import with_research
    from tools.families import build_catalog

    return with_research(build_catalog(settings), settings, ml_intern_home())


@pytest.fixture
def probes(monkeypatch: pytest.MonkeyPatch) -> None:
    SEEN.clear()
    agent = Probe("agent-probe", every_model, "records its hooks")
    research = Probe(
        "research-probe", every_model, "records its hooks", roles=EVERY_ROLE - {"agent"}
    )
    monkeypatch.setattr(registry, "RULES", (*registry.RULES, agent, research))


async def test_a_rule_registered_in_one_place_runs_at_its_hooks_in_the_agent_and_sub_agent(
    probes: None, llm: ScriptedLLMServer, workspace: Path
) -> None:
    (workspace / "notes.md").write_text("lr=3e-4\n")
    llm.add(
        Turn(tool_calls=[call("research", "r1", task="Which lr do the notes use?")]),
        Turn(tool_calls=[call("read", "s1", path="notes.md")]),  # the sub-agent
        Turn(content=REPORT),
        Turn(content=REPORT),  # sent back once by research-probe
        Turn(tool_calls=[call("bash", "b1", command="echo hi")]),
        Turn(content="lr=3e-4."),
        Turn(content="lr=3e-4."),  # sent back once by agent-probe
    )
    settings = fast_settings(llm.url)
    async with open_session(settings, workspace, catalog=with_research_tool(settings)) as session:
        events = await collect(session.send("Which lr do the notes use? Then run echo hi."))
        kinds = [note_kind(m) for m in await session.messages()]
    assert events[-1].type == "turn_complete" and events[-1].data["final_text"] == "lr=3e-4."
    by_rule = {name: {hook for rule, hook in SEEN if rule == name} for name, _ in SEEN}
    tool_hooks = {"before_bash", "bash_output"}
    assert by_rule["agent-probe"] == MODEL_HOOKS | CALL_HOOKS | tool_hooks
    assert by_rule["research-probe"] == MODEL_HOOKS | CALL_HOOKS | {"read"}
    sent = json.dumps(llm.requests)
    assert "PROBE agent-probe" in sent and "PROBE research-probe" in sent
    assert kinds.count(PROBED) == 1  # the agent's note, marked with its own kind
    # Counted where it acted, with no other file changed: each probe's `check_reply` sent
    # one note (one step each; the sub-agent's counts join the thread's); its other hooks
    # answered as if absent and count nothing.
    fired = events[-1].data["rules_fired"]
    assert fired["agent-probe"] == fired["research-probe"] == 1
    # Resolved once per model and role: each shape hook ran once.
    assert SEEN.count(("agent-probe", "shape")) == SEEN.count(("research-probe", "shape")) == 1


def test_a_rule_registered_in_one_place_has_its_note_and_text_listed(probes: None) -> None:
    """What the model reads is listed with no other file changed: the probe's kind, once for
    both probes, with its text by the name its class gives it."""
    assert registry.note_texts()[PROBED] == (Probe.SAY_AGAIN,)
    [row] = [line for line in texts_page.by_kind()[2].splitlines() if PROBED in line]
    assert row == "- `probed` (a note): `SAY_AGAIN`"


class NoteProbe(Rule):
    """Adds one line of its own to the runtime note: what the turn asked, and the workspace's
    files as the turn began."""

    LINE = "NOTE-PROBE {name}: asked {request!r}; files: {files}."

    async def note_lines(self, note: RuntimeNote) -> Sequence[str]:
        files = (await note.files()).replace("\n", ", ")
        return [self.LINE.format(name=self.name, request=note.request, files=files)]


async def test_a_rule_adding_note_lines_has_them_in_every_request_it_serves(
    monkeypatch: pytest.MonkeyPatch, llm: ScriptedLLMServer, workspace: Path
) -> None:
    """Two new rules' lines end the runtime note of each request, the agent's and the
    sub-agent's, in the registry's order; each fires at every model call it added to."""
    first = NoteProbe("note-probe", every_model, "adds a line", roles=EVERY_ROLE)
    second = NoteProbe("note-probe-2", every_model, "adds a line")  # the agent only
    monkeypatch.setattr(registry, "RULES", (*registry.RULES, first, second))
    (workspace / "notes.md").write_text("lr=3e-4\n")
    llm.add(
        Turn(tool_calls=[call("research", "r1", task="Which lr do the notes use?")]),
        Turn(tool_calls=[call("read", "s1", path="notes.md")]),  # the sub-agent
        Turn(content=REPORT),
        Turn(content="lr=3e-4."),
    )
    settings = fast_settings(llm.url)
    async with open_session(settings, workspace, catalog=with_research_tool(settings)) as session:
        events = await collect(session.send("Which lr do the notes use?"))
    assert events[-1].type == "turn_complete"
    asked = "asked 'Which lr do the notes use?'; files: notes.md 8 B."
    agent = [f"NOTE-PROBE note-probe: {asked}", f"NOTE-PROBE note-probe-2: {asked}"]
    notes = [runtime_note_of(request).splitlines() for request in llm.requests]
    assert [note[-2:] for note in (notes[0], notes[3])] == [agent, agent]
    for note in notes[1:3]:  # the sub-agent's: its brief is its request, the second not its rule
        assert note[-1].startswith("NOTE-PROBE note-probe: asked ")
        assert "note-probe-2" not in "\n".join(note)
    fired = events[-1].data["rules_fired"]
    assert (fired["note-probe"], fired["note-probe-2"]) == (4, 2)


NO_RUNS = RuleKind("no_runs")  # the denier's own kind of answer


class Denier(Rule):
    """Has the approval policy deny every `bash` call, answered with its own text."""

    hook: ClassVar[Hook] = "call"
    NOT_NOW = "DENIER {name}: `{tool}` is not run here; answer from what you have."
    held: ClassVar[Kinds] = {NO_RUNS: (NOT_NOW,)}

    def policy(self, pending: Pending) -> dict[str, ToolMessage]:
        return {
            call["id"]: not_run(call, self.NOT_NOW.format(name=self.name, tool="bash"), NO_RUNS)
            for call in pending.calls
            if call["name"] == "bash"
        }


async def test_a_rule_denying_calls_through_the_policy_holds_them_with_its_answer(
    monkeypatch: pytest.MonkeyPatch, llm: ScriptedLLMServer, workspace: Path
) -> None:
    """A new rule's `policy` hook denies a call headless mode would run: it does not run, the
    model reads the rule's answer in the call's place, the other calls of the reply run, and
    the rule is counted where it acted; nothing but the registry names it."""
    denier = Denier("denier", every_model, "denies shell commands")
    monkeypatch.setattr(registry, "RULES", (*registry.RULES, denier))
    (workspace / "notes.md").write_text("lr=3e-4\n")
    bash = call("bash", "b1", command="echo ran > ran.txt")
    llm.add(Turn(tool_calls=[call("read", "s1", path="notes.md"), bash]), Turn(content="3e-4."))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        events = await collect(session.send("Which lr do the notes use?"))
    assert not (workspace / "ran.txt").exists()
    results = [m for m in llm.requests[1]["messages"] if m["role"] == "tool"]
    assert "lr=3e-4" in results[0]["content"]
    assert results[1]["content"] == Denier.NOT_NOW.format(name="denier", tool="bash")
    assert events[-1].data["rules_fired"]["denier"] == 1
    assert registry.held_texts()[NO_RUNS] == (Denier.NOT_NOW,)
