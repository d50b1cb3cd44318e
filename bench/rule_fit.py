"""What a rule that makes the request or a result fit a small window saves, measured on the
request the harness really sends (`fit` reasons of adaptations/registry.py).

    uv run python bench/rule_fit.py

The small-window profile is the local llama.cpp one the ML-task benchmark runs
(`llamacpp/local`, a 9,216-token window, set in the config). Each scenario is one headless
turn through the compiled graph against the scripted OpenAI-compatible server
(tests/fakes/llm_server.py), once with the rule switched on and once with it switched off
(every other rule as the profile resolves it); what the server received is counted:

- `compact-prompt`, `core-toolset`: the first request (messages and tool schemas), in tokens;
- `reply-limit`: what the first request lets a reply fill: its `max_tokens`, or without one
  the window less the request;
- `read-fit`: the result of one `read` of a 4,002-line file (the dev set's
  `long-file/files/settings.ini`) as the second request carries it;
- `text-tool-calls` (a capability, not a fit): the tool calls run when the model writes its
  call as `<tool_call>` text.

Tokens are litellm's count for the model id (its default tokenizer for a model it does not
know: an estimate of Qwen's, same for both sides). A fit rule qualifies (tests/adaptations/
test_evidence.py) when with it the measured part takes less of the window than without it.
Each figure is appended to bench/results/rule_fit.jsonl.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from bench.report import print_summary

ROOT = Path(__file__).resolve().parents[1]
MODEL = "llamacpp/local"
WINDOW = 9_216
LONG_FILE = ROOT / "bench" / "ml_tasks" / "dev" / "long-file" / "files" / "settings.ini"
ASK = "What is the value of `warmup_ratio` in settings.ini?"
FIT_RULES = ("compact-prompt", "core-toolset", "reply-limit", "read-fit")
CAPABILITY_RULES = ("text-tool-calls",)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ZERO_ID = "00000000-0000-0000-0000-000000000000"


def tokens(messages: Sequence[Mapping[str, Any]], tools: Sequence[Any] = ()) -> int:
    import litellm

    return int(litellm.token_counter(model=MODEL, messages=list(messages), tools=list(tools)))


async def requests(switches: Mapping[str, bool], replies: Sequence[Any]) -> list[dict[str, Any]]:
    """What the scripted server received in one headless turn asking `ASK` in a workspace
    holding the long file, the model answering with `replies` (scripted `Turn`s)."""
    from tests.fakes.agent import collect, fast_settings, open_session
    from tests.fakes.llm_server import ScriptedLLMServer

    saved = {name: os.environ.get(name) for name in ("LLAMACPP_BASE_URL", "ML_INTERN_HOME")}
    with tempfile.TemporaryDirectory() as tmp, ScriptedLLMServer() as llm:
        workspace = Path(tmp) / "ws"
        workspace.mkdir()
        shutil.copy(LONG_FILE, workspace / LONG_FILE.name)
        os.environ.update(LLAMACPP_BASE_URL=llm.url, ML_INTERN_HOME=str(Path(tmp) / "home"))
        llm.add(*replies)
        settings = fast_settings(
            None,
            model_name=MODEL,
            context_window={MODEL: WINDOW},
            adaptations={MODEL: dict(switches)},
        )
        try:
            async with open_session(settings, workspace, mode="headless") as session:
                await collect(session.send(ASK))
        finally:
            for name, value in saved.items():
                os.environ.pop(name, None) if value is None else os.environ.update({name: value})
        # The temporary folder's name and a spilled result's id, told to the model, counted
        # as fixed ones: the figures do not move from run to run.
        sent = UUID.sub(ZERO_ID, json.dumps(llm.requests).replace(tmp, "/tmp/rule-fit"))
        return list(json.loads(sent))


def first_request(switches: Mapping[str, bool]) -> dict[str, Any]:
    from tests.fakes.llm_server import Turn

    return asyncio.run(requests(switches, [Turn(content="0.05")]))[0]


def request_tokens(request: Mapping[str, Any]) -> int:
    return tokens(request["messages"], request.get("tools") or ())


def reply_room(request: Mapping[str, Any]) -> int:
    """What the request lets the reply fill: its output limit, else the window's rest."""
    return int(request.get("max_tokens") or WINDOW - request_tokens(request))


def read_result(switches: Mapping[str, bool]) -> int:
    """Tokens of one `read` of the long file, as the next request carries it."""
    from tests.fakes.llm_server import Turn

    read = Turn(tool_calls=[{"name": "read", "arguments": {"path": LONG_FILE.name}}])
    sent = asyncio.run(requests(switches, [read, Turn(content="0.05")]))
    import litellm

    shown = "".join(str(m["content"]) for m in sent[1]["messages"] if m.get("role") == "tool")
    return int(litellm.token_counter(model=MODEL, text=shown))


def calls_run(switches: Mapping[str, bool]) -> int:
    """Tool calls run when the model writes its one call as `<tool_call>` text."""
    from tests.fakes.llm_server import Turn

    call = json.dumps({"name": "read", "arguments": {"path": LONG_FILE.name}})
    sent = asyncio.run(requests(switches, [Turn(content=f"<tool_call>{call}</tool_call>"),
                                           Turn(content="0.05")]))  # fmt: skip
    return sum(m.get("role") == "tool" for r in sent[-1:] for m in r["messages"])


def measure(rule: str, on: bool) -> int:
    """The figure of `rule` with it switched on or off (other rules as the profile has them)."""
    switches = {rule: on}
    if rule == "read-fit":
        return read_result(switches)
    if rule == "text-tool-calls":
        return calls_run(switches)
    request = first_request(switches)
    return reply_room(request) if rule == "reply-limit" else request_tokens(request)


def figures(rules: Sequence[str] = (*FIT_RULES, *CAPABILITY_RULES)) -> dict[str, dict[str, int]]:
    """{rule: {"with": figure, "without": figure}}, and the window."""
    found: dict[str, dict[str, int]] = {"window": {"tokens": WINDOW}}
    for rule in rules:
        found[rule] = {"with": measure(rule, True), "without": measure(rule, False)}
    return found


def recorded(folder: Path | None = None) -> dict[str, dict[str, int]]:
    """The latest recorded figures (bench/results/rule_fit.jsonl), as `figures` gives them."""
    from bench.report import RESULTS

    path = (folder or RESULTS) / "rule_fit.jsonl"
    lines = [json.loads(t) for t in path.read_text().splitlines() if t.strip()]
    found: dict[str, dict[str, int]] = {}
    for line in sorted(lines, key=lambda x: str(x.get("date"))):  # the latest run wins
        _, rule, side = str(line["figure"]).split(".")
        found.setdefault(rule, {})[side] = line["value"]
    return found


def qualifies(pair: Mapping[str, int], window: int = WINDOW) -> bool:
    """A fit: with the rule the part takes less of the window than without it (and fits)."""
    return pair["with"] < min(pair["without"], window)


def main() -> None:
    measured = figures()
    for rule, pair in measured.items():
        print(f"{rule:<16} " + "  ".join(f"{k}: {v:,}" for k, v in pair.items()))
    print_summary({"bench": "rule_fit", **measured})


if __name__ == "__main__":
    main()
