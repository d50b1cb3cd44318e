"""What a rule that makes the request or a result fit a small window saves, measured on the
request the harness really sends (`fit` reasons of adaptations/registry.py).

    uv run python bench/rule_fit.py --tokenizer http://127.0.0.1:8091

The small-window profile is the local llama.cpp one the ML-task benchmark runs
(`llamacpp/local`, a 9,216-token window, set in the config). Each scenario is one headless
turn through the compiled graph against the scripted OpenAI-compatible server
(tests/fakes/llm_server.py), once with the rule switched on and once with it switched off
(every other rule as the profile resolves it); what the server received is counted:

- `compact-prompt`, `core-toolset`, `lean-request`: the first request (messages and tool
  schemas), in tokens; `core-toolset` with `lean-request` off (`TAKEN_OVER_BY`);
- `reply-limit`: what the first request lets a reply fill: its `max_tokens`, or without one
  the window less the request;
- `read-fit`: the result of one `read` of a 4,002-line file (the dev set's
  `long-file/files/settings.ini`) as the second request carries it;
- `text-tool-calls` (a capability, not a fit): the tool calls run when the model writes its
  call as `<tool_call>` text.

Tokens are the model's own: its llama.cpp server's `POST /tokenize` (`{"content": TEXT}` ->
`{"tokens": [...]}`) at `--tokenizer URL` or `RULE_FIT_TOKENIZER` (the server's base URL;
nothing is sent to its completions). A request is counted as the text of its messages (role,
content, calls) and its tool schemas as JSON; the chat template's few tokens a message are not.
litellm's tokenizer is not the measure: it is not this model's (a default it measured as a fit
overflowed the real model's window). With no tokenizer answering, the bench says so and
records nothing. A fit rule qualifies (tests/adaptations/
test_evidence.py) when with it the measured part takes less of the window than without it.
Each figure is appended to bench/results/rule_fit.jsonl, with `tokenizer.llamacpp` = 1 to
say whose count it is.
"""

from __future__ import annotations

import argparse
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
from urllib import error as url_error
from urllib import request as url_request

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adaptations.registry import RULES
from bench.report import print_summary

ROOT = Path(__file__).resolve().parents[1]
MODEL = "llamacpp/local"
WINDOW = 9_216
LONG_FILE = ROOT / "bench" / "ml_tasks" / "dev" / "long-file" / "files" / "settings.ini"
ASK = "What is the value of `warmup_ratio` in settings.ini?"
# The rules on by default for a measured fit or capability (`Rule.kept`), each measured here.
FIT_RULES = tuple(rule.name for rule in RULES if rule.kept == "fit")
CAPABILITY_RULES = tuple(rule.name for rule in RULES if rule.kept == "capability")
# A fit rule another one takes the place of when both are on (`lean-request` offers its own
# lean core set: tools/families.py `offered_tools`): measured with that one off, as the
# fallback it is when config switches that one off.
TAKEN_OVER_BY = {"core-toolset": "lean-request"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ZERO_ID = "00000000-0000-0000-0000-000000000000"


class NoTokenizer(RuntimeError):
    """No tokenizer answered at the URL given: nothing is measured."""


def tokenizer_url(given: str | None = None) -> str:
    """The llama.cpp server's base URL (`--tokenizer`, else `RULE_FIT_TOKENIZER`), without a
    trailing `/v1`; NoTokenizer when neither names one."""
    url = (given or os.environ.get("RULE_FIT_TOKENIZER") or "").strip().rstrip("/")
    if not url:
        raise NoTokenizer("no tokenizer: pass --tokenizer URL or set RULE_FIT_TOKENIZER")
    return url.removesuffix("/v1")


def model_tokens(text: str, url: str) -> int:
    """Tokens of `text` by the model's own tokenizer (`POST {url}/tokenize`)."""
    body = json.dumps({"content": text}).encode()
    sent = url_request.Request(f"{url}/tokenize", body, {"Content-Type": "application/json"})
    try:
        with url_request.urlopen(sent, timeout=120) as answer:
            found = json.loads(answer.read())
    except (OSError, ValueError, url_error.URLError) as problem:
        raise NoTokenizer(f"no tokenizer answers at {url}/tokenize: {problem}") from None
    if not isinstance(found, dict) or not isinstance(found.get("tokens"), list):
        raise NoTokenizer(f"{url}/tokenize did not answer {{'tokens': [...]}}: {found!r:.200}")
    return len(found["tokens"])


def request_text(messages: Sequence[Mapping[str, Any]], tools: Sequence[Any] = ()) -> str:
    """What a request holds, as text: each message's role, content and calls, then the tool
    schemas as JSON."""
    parts = []
    for message in messages:
        calls = message.get("tool_calls")
        parts.append(f"{message.get('role')}\n{message.get('content') or ''}")
        parts += [json.dumps(calls)] if calls else []
    parts += [json.dumps(list(tools))] if tools else []
    return "\n".join(parts)


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


def request_tokens(request: Mapping[str, Any], url: str) -> int:
    return model_tokens(request_text(request["messages"], request.get("tools") or ()), url)


def reply_room(request: Mapping[str, Any], url: str) -> int:
    """What the request lets the reply fill: its output limit, else the window's rest."""
    return int(request.get("max_tokens") or WINDOW - request_tokens(request, url))


def read_result(switches: Mapping[str, bool], url: str) -> int:
    """Tokens of one `read` of the long file, as the next request carries it."""
    from tests.fakes.llm_server import Turn

    read = Turn(tool_calls=[{"name": "read", "arguments": {"path": LONG_FILE.name}}])
    sent = asyncio.run(requests(switches, [read, Turn(content="0.05")]))
    shown = "".join(str(m["content"]) for m in sent[1]["messages"] if m.get("role") == "tool")
    return model_tokens(shown, url)


def calls_run(switches: Mapping[str, bool]) -> int:
    """Tool calls run when the model writes its one call as `<tool_call>` text."""
    from tests.fakes.llm_server import Turn

    call = json.dumps({"name": "read", "arguments": {"path": LONG_FILE.name}})
    sent = asyncio.run(requests(switches, [Turn(content=f"<tool_call>{call}</tool_call>"),
                                           Turn(content="0.05")]))  # fmt: skip
    return sum(m.get("role") == "tool" for r in sent[-1:] for m in r["messages"])


def measure(rule: str, on: bool, url: str) -> int:
    """The figure of `rule` with it switched on or off (other rules as the profile has them),
    tokens counted by the tokenizer at `url`."""
    switches = {rule: on}
    if rule in TAKEN_OVER_BY:
        switches[TAKEN_OVER_BY[rule]] = False
    if rule == "read-fit":
        return read_result(switches, url)
    if rule == "text-tool-calls":
        return calls_run(switches)
    request = first_request(switches)
    return reply_room(request, url) if rule == "reply-limit" else request_tokens(request, url)


def figures(
    url: str, rules: Sequence[str] = (*FIT_RULES, *CAPABILITY_RULES)
) -> dict[str, dict[str, int]]:
    """{rule: {"with": figure, "without": figure}}, the window, and whose tokens they are."""
    model_tokens("", url)  # no tokenizer: NoTokenizer before anything is measured
    found: dict[str, dict[str, int]] = {"window": {"tokens": WINDOW}}
    for rule in rules:
        found[rule] = {"with": measure(rule, True, url), "without": measure(rule, False, url)}
    found["tokenizer"] = {"llamacpp": 1}
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokenizer", help="the llama.cpp server's base URL (its /tokenize)")
    args = parser.parse_args(argv)
    try:
        measured = figures(tokenizer_url(args.tokenizer))
    except NoTokenizer as problem:
        print(f"rule_fit: {problem}; nothing measured, nothing recorded", file=sys.stderr)
        return 1
    for rule, pair in measured.items():
        print(f"{rule:<16} " + "  ".join(f"{k}: {v:,}" for k, v in pair.items()))
    print_summary({"bench": "rule_fit", **measured})
    return 0


if __name__ == "__main__":
    sys.exit(main())
