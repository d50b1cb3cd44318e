"""Attacks on masking, each through the real tool path: a known token printed reversed, in
chunks, upper- or lower-cased (bash, the python kernel, a notebook saved on disk), and a token
split over string literals on two lines, shown by `read` and `grep` with their line prefixes."""

from __future__ import annotations

import json
import random
import re
import string
from pathlib import Path

import pytest

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import tool_results

RNG = random.Random(51)
TOKEN = "hf_" + "".join(RNG.choices(string.ascii_letters, k=34))  # known: from .env
UNKNOWN = "hf_" + "".join(RNG.choices(string.ascii_letters, k=34))  # found by the rule set
VALUE = "sed -n 's/^HF_TOKEN=//p' notes.txt"


def skeleton(text: str) -> str:
    """Letters and digits only, lower-cased: what a reader rebuilds from any chunked form."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def rebuildable(token: str, text: str) -> bool:
    """Whether 12 characters of `token` can be read in `text`, in either direction, in any
    case, through any separators."""
    shown, bare = skeleton(text), skeleton(token)
    pieces = {bare[i : i + 12] for i in range(len(bare) - 11)}
    return any(p in shown or p[::-1] in shown for p in pieces)


def bash(call_id: str, command: str) -> dict[str, object]:
    return {"name": "bash", "id": call_id, "arguments": {"command": command}}


async def run_calls(
    llm: ScriptedLLMServer, workspace: Path, calls: list[dict[str, object]]
) -> dict[str, str]:
    """Tool results as the model received them, after one headless turn making `calls`."""
    llm.add(Turn(tool_calls=calls), Turn(content="done"))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        await collect(session.send("show me"))
    return tool_results(llm.requests[-1])


@pytest.fixture
def with_env_file(workspace: Path) -> Path:
    """The token is known from `.env` (a secret place bash may not read) and copied, as people
    do, into an ordinary file of the workspace."""
    (workspace / ".env").write_text(f"HF_TOKEN={TOKEN}\n")
    (workspace / "notes.txt").write_text(f"HF_TOKEN={TOKEN}\nEPOCHS=3\n")
    return workspace


CHUNKED = {
    "reversed": "rev notes.txt",
    "reversed value": f"{VALUE} | rev",
    "upper-cased": "tr a-z A-Z < notes.txt",
    "lower-cased": f"{VALUE} | tr A-Z a-z",
    "5-character chunks on lines": f"{VALUE} | fold -w5",
    "5-character chunks, spaces": f"{VALUE} | fold -w5 | paste -sd' '",
    "5-character chunks, commas": f"{VALUE} | fold -w5 | paste -sd,",
    "5-character chunks, dashes": f"{VALUE} | fold -w5 | paste -sd-",
    "4-character chunks, ' | '": f"{VALUE} | fold -w4 | sed 's/$/ | /' | tr -d '\\n'",
    "7-character chunks, reversed, commas": f"{VALUE} | rev | fold -w7 | paste -sd,",
    "6-character chunks, upper, tabs": f"{VALUE} | tr a-z A-Z | fold -w6 | paste -sd'\\t'",
}


async def test_a_known_token_reversed_chunked_or_recased_by_bash_never_reaches_the_model(
    llm: ScriptedLLMServer, with_env_file: Path
) -> None:
    names = sorted(CHUNKED)
    calls = [bash(f"b{i}", CHUNKED[name]) for i, name in enumerate(names)]
    results = await run_calls(llm, with_env_file, calls)
    leaked = [name for i, name in enumerate(names) if rebuildable(TOKEN, results[f"b{i}"])]
    assert leaked == [], {name: results[f"b{names.index(name)}"] for name in leaked}
    assert all("[REDACTED:HF_TOKEN]" in results[f"b{i}"] for i in range(len(names)))
    assert "EPOCHS=3" in results[f"b{names.index('upper-cased')}"].upper()


SPLIT_PYTHON = f"import os\n\nTOKEN = ('{UNKNOWN[:15]}'\n         '{UNKNOWN[15:]}')\nprint(1)\n"
SPLIT_JS = f'const token = "{UNKNOWN[:20]}" +\n  "{UNKNOWN[20:]}";\nconsole.log(1);\n'


@pytest.mark.parametrize(("name", "source"), [("push.py", SPLIT_PYTHON), ("push.js", SPLIT_JS)])
async def test_a_token_split_over_two_lines_of_literals_is_masked_in_read_and_grep(
    llm: ScriptedLLMServer, workspace: Path, name: str, source: str
) -> None:
    (workspace / name).write_text(source)
    calls = [
        {"name": "read", "id": "r1", "arguments": {"path": name}},
        {"name": "grep", "id": "g1", "arguments": {"pattern": "[\"']", "path": "."}},
        bash("c1", f"cat {name}"),
        bash("c2", f"cat -n {name}"),
        bash("c3", f'grep -n "[\\"\']" {name}'),
    ]
    results = await run_calls(llm, workspace, calls)
    shown = {k: v for k, v in results.items() if UNKNOWN[:12] in v or UNKNOWN[-12:] in v}
    assert shown == {}, shown
    assert all("[REDACTED:" in text for text in results.values()), results
    second = source[: source.rindex(UNKNOWN[-12:])].count("\n") + 1  # the second literal's line
    assert f"{second:>6}\t" in results["r1"], "read's numbering is kept"
    assert f"{name}:{second}:" in results["g1"], "grep's prefixes are kept"


async def test_the_python_kernel_and_a_saved_notebook_never_show_a_reversed_or_chunked_token(
    llm: ScriptedLLMServer, with_env_file: Path
) -> None:
    value = "v = open('notes.txt').read().split('\\n')[0].split('=')[1]\n"
    cells = [
        value + "print(v[::-1])",
        value + "print(', '.join(v[i:i + 5] for i in range(0, len(v), 5)))",
        value + "v.upper()",
    ]
    python = [
        {"name": "python", "id": f"p{i}", "arguments": {"code": c}} for i, c in enumerate(cells)
    ]
    add = {"path": "leak.ipynb", "action": "insert"}
    insert = [
        {"name": "notebook", "id": f"n{i}", "arguments": {**add, "source": c}}
        for i, c in enumerate(cells)
    ]
    run = {"name": "notebook", "id": "run", "arguments": {"path": "leak.ipynb", "action": "run"}}
    llm.add(Turn(tool_calls=python), Turn(content="printed"))
    for call in [*insert, run]:  # one call a turn: the notebook's cells in order
        llm.add(Turn(tool_calls=[call]), Turn(content="next"))
    async with open_session(fast_settings(llm.url), with_env_file, mode="headless") as session:
        await collect(session.send("print it"))
        results = tool_results(llm.requests[-1])
        for _ in [*insert, run]:
            await collect(session.send("notebook"))
        results |= tool_results(llm.requests[-1])
    leaked = {k: v for k, v in results.items() if rebuildable(TOKEN, v)}
    assert leaked == {}, leaked
    assert all("[REDACTED:HF_TOKEN]" in results[f"p{i}"] for i in range(len(cells)))
    saved = json.loads((with_env_file / "leak.ipynb").read_text())
    outputs = json.dumps([cell.get("outputs") for cell in saved["cells"]])
    assert "REDACTED" in outputs and not rebuildable(TOKEN, outputs), outputs
