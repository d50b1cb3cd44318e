"""Which rules for weaker models act on ordinary requests (tests/adaptations/trigger_corpus.py).

Each item runs through the compiled graph, headless, as a small-window llama.cpp model with
every rule of the registry switched on, against the scripted LLM server playing the item's
steps. A rule acted when the run counted it (adaptations/loops.py `counted`: the thread's
`rules_fired`), so every rule is seen, those adding no text of their own too. The set counted
must be the item's `expected` rules (its `fires`, the rules in every request by design, the
workspace's listing where it holds files), plus the rule's known misfires (`MISFIRES`) for a
rule that is off by default for that reason: a rule on by default fires only where it should.
And a rule whose registered text (adaptations/registry.py `texts`) reached the model was
counted.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from adaptations.registry import NAMES, RULES
from adaptations.resolve import active_names
from cli.models import template_of
from configs.model_profile import profile_of
from tests.adaptations.trigger_corpus import CORPUS, Item
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.python_shim import shim_in_env

SMALL = "llamacpp/qwen2.5-coder-1.5b"
# Rules that shape every request by design, not set off by a situation (their part of the
# prompt is used on each), and those that list the workspace where it holds files.
UNCONDITIONAL = frozenset(
    {
        "code-block",
        "compact-prompt",
        "core-toolset",
        "lean-request",
        "look-first",
        "note-before-question",
        "python-first",
        "reply-limit",
    }
)
WITH_FILES = frozenset({"workspace-listing"})
# Known misfires of rules off by default (`models show` says why): {item: rules}.
MISFIRES: dict[str, frozenset[str]] = {
    "explain-lr": frozenset({"unseen-numbers"}),
    "suggest-lr": frozenset({"unseen-numbers"}),
    "config-for-data": frozenset({"written-unseen", "unread-files"}),
    "mention-in-readme": frozenset({"unread-files"}),
}
_PLACEHOLDER = re.compile(r"(?<!\{)\{[a-z_]+(?:![rs])?\}(?!\})")
MIN_FRAGMENT = 12


def fragments(template: str) -> list[str]:
    """The fixed pieces of a template long enough to be its own."""
    pieces = (p.replace("{{", "{").replace("}}", "}") for p in _PLACEHOLDER.split(template))
    return [p.strip() for p in pieces if len(p.strip()) >= MIN_FRAGMENT]


SIGNS: list[tuple[str, list[str]]] = [
    (rule.name, pieces)
    for rule in RULES
    for ref in rule.texts
    if (pieces := fragments(template_of(ref)))
]


def expected(item: Item) -> frozenset[str]:
    """The rules that should act on `item`, its known misfires included."""
    shaped = UNCONDITIONAL | (WITH_FILES if item.files else frozenset())
    return item.fires | shaped | MISFIRES.get(item.name, frozenset())


def texts_sent(requests: Iterable[Mapping[str, Any]]) -> list[frozenset[str]]:
    """For each registered text the model was sent (from the requests the server received),
    the rules that register it: one, or several that share it (`settings-made` asks for the
    answer in `answer-now`'s words)."""
    sent = "\n".join(_text(m.get("content")) for r in requests for m in r.get("messages", []))
    found: dict[tuple[str, ...], set[str]] = {}
    for name, pieces in SIGNS:
        if all(p in sent for p in pieces):
            found.setdefault(tuple(pieces), set()).add(name)
    return [frozenset(names) for names in found.values()]


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "\n".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content or "")


class Player:
    """Answers each request with the item's next step, growing the workspace's files first;
    past the last step, its answer again."""

    def __init__(self, item: Item, workspace: Path) -> None:
        self.steps = list(item.steps)
        self.workspace = workspace
        self.lock = threading.Lock()

    def __call__(self, request: dict[str, Any]) -> Turn:
        with self.lock:
            step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        for name, grown in step.grows.items():
            with (self.workspace / name).open("a") as file:
                file.write(grown)
        if step.calls:
            return Turn(tool_calls=[dict(c) for c in step.calls])
        return Turn(content=step.text)


@pytest.fixture(scope="module")
def module_llm() -> Iterator[ScriptedLLMServer]:
    """One scripted model for the module's 71 items: each run is over (its session closed)
    before the next starts, so a server each (a start and a stop that waits out the serving
    loop's poll) bought nothing."""
    with ScriptedLLMServer() as server:
        yield server


@pytest.fixture
def llm(module_llm: ScriptedLLMServer) -> ScriptedLLMServer:
    """The module's scripted model, as new for this item: no script, responder or requests."""
    module_llm.reset()
    return module_llm


def every_rule_on() -> dict[str, dict[str, bool]]:
    return {SMALL: dict.fromkeys(NAMES, True)}


async def run_item(
    item: Item, workspace: Path, llm: ScriptedLLMServer, switches: Mapping[str, Any]
) -> tuple[set[str], list[frozenset[str]]]:
    """The rules the run counted as fired, and the rules of each text the model was sent."""
    for name, text in item.files.items():
        (workspace / name).parent.mkdir(parents=True, exist_ok=True)
        (workspace / name).write_text(text)
    llm.responder = Player(item, workspace)
    settings = fast_settings(None, model_name=SMALL, adaptations=dict(switches))
    async with open_session(settings, workspace, mode="headless") as session:
        await collect(session.send(item.request))
        counted = set((await session.values()).get("rules_fired") or {})
    return counted, texts_sent(llm.requests)


def test_the_corpus_is_large_and_names_only_known_rules() -> None:
    assert len(CORPUS) >= 60 and len({i.name for i in CORPUS}) == len(CORPUS)
    for item in CORPUS:
        assert expected(item) <= set(NAMES), item.name
    default = active_names(profile_of(SMALL, env={}), {})
    names = {i.name for i in CORPUS}
    for name, rules in MISFIRES.items():
        assert name in names, f"{name}: a known misfire of no request in the corpus"
        assert not rules & default, f"{name}: a rule on by default misfires"


@pytest.mark.parametrize("item", CORPUS, ids=lambda i: i.name)
async def test_each_rule_fires_only_where_it_should(
    item: Item, workspace: Path, llm: ScriptedLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLAMACPP_BASE_URL", llm.url)
    shim_in_env(monkeypatch)  # its `python3` forks from one that imported pandas
    counted, sent = await run_item(item, workspace, llm, every_rule_on())
    if table := os.environ.get("TRIGGER_TABLE"):  # the firing table, for the docs and reviews
        with open(table, "a") as out:
            out.write(json.dumps({"item": item.name, "fired": sorted(counted)}) + "\n")
    assert counted == expected(item)
    unexplained = [sorted(names) for names in sent if not names & counted]
    assert not unexplained, f"a text of {unexplained} reached the model; no rule of it counted"
