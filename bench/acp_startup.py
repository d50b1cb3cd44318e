"""ACP start-up benchmark: an editor spawns `ml-intern acp`; how long until the model is asked?

Each run is a fresh process (the installed `.venv/bin/ml-intern acp`, as an editor starts it)
driven by the ACP SDK's client (`spawn_agent_process`): initialize, session/new, then one
prompt, against the scripted OpenAI-compatible server on loopback. Figures, medians of N runs:
spawn -> initialize answered, initialize -> session/new answered, and initialize -> the first
model request reaching the server (what a user waits for after opening the agent panel and
typing at once). Bytecode is compiled into a private cache by a first, uncounted run;
`--no-warm-up` skips that run and uses the environment's bytecode as it is (the test suite's:
an empty cache made its one run compile every module, ~6 s of CPU).

    uv run python bench/acp_startup.py [--runs 5] [--no-warm-up]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import median, print_summary, print_table
from bench.startup import command, environment
from tests.fakes.llm_server import ScriptedLLMServer, Turn

# On a quiet machine: headless `ml-intern PROMPT` reaches its first request in 4-5 s wall.
TARGETS = {"initialize": 1.0, "session_new": 5.0, "first_request": 6.0}


class QuietClient:
    """The editor's side: takes updates, allows every permission (none is asked here)."""

    async def session_update(self, session_id: str, update: Any, **_kwargs: Any) -> None:
        return None

    async def request_permission(self, *_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("no permission is asked in this benchmark")


async def one_run(env: dict[str, str], cwd: Path) -> dict[str, float]:
    from acp import PROTOCOL_VERSION, spawn_agent_process, text_block

    first_request: list[float] = []

    def answer(_request: dict[str, Any]) -> Turn:
        first_request.append(time.perf_counter())
        return Turn(content="ok")

    with ScriptedLLMServer(responder=answer) as llm:
        env = {**env, "OPENAI_API_BASE": llm.url}
        program, *args = command()
        spawned = time.perf_counter()
        async with spawn_agent_process(
            QuietClient(), program, *args, "acp", "--model", "openai/scripted-model",
            env=env, cwd=cwd,
        ) as (conn, _process):  # fmt: skip
            initializing = time.perf_counter()
            await conn.initialize(protocol_version=PROTOCOL_VERSION)
            initialized = time.perf_counter()
            session = await conn.new_session(cwd=str(cwd))
            created = time.perf_counter()
            await conn.prompt(session_id=session.session_id, prompt=[text_block("hi")])
    return {
        "initialize": initialized - spawned,
        "session_new": created - initializing,
        "first_request": first_request[0] - initializing,
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warm-up", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ml-intern-bench-") as tmp:
        tmp_path = Path(tmp)
        env, cwd = environment(tmp_path, own_bytecode=args.warm_up), tmp_path / "workspace"
        cwd.mkdir()
        if args.warm_up:
            asyncio.run(one_run(env, cwd))  # compiles bytecode, as after a first use
        runs = [asyncio.run(one_run(env, cwd)) for _ in range(args.runs)]
    fig = {key: median([run[key] for run in runs]) for key in TARGETS}
    labels = {
        "initialize": "spawn -> initialize answered",
        "session_new": "initialize -> session/new answered",
        "first_request": "initialize -> first model request",
    }
    rows = [
        [labels[key], round(fig[key], 3), TARGETS[key], "yes" if fig[key] <= TARGETS[key] else "no"]
        for key in TARGETS
    ]
    print_table(
        f"bench/acp_startup.py: median of {args.runs} runs, seconds",
        rows,
        ["figure", "s", "target", "met"],
    )
    print_summary(
        {"bench": "acp_startup", "runs": args.runs, **{f"{k}_s": v for k, v in fig.items()}}
    )
    return fig


if __name__ == "__main__":
    main()
