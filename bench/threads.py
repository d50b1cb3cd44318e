"""Threads benchmark: 1,000 threads of 20 messages; time `threads list` and opening one.

One thread is written by the real graph (9 tool iterations and a final answer, through
`Session` with the in-process scripted model); the others by one `aupdate_state` each
(the same 20 messages), with their thread-index rows, as the CLI leaves them.

    uv run python bench/threads.py [--threads 1000] [--bytes 2000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loop import Script, use_saver
from bench.report import db_bytes, median, prepare_environment, print_summary, print_table
from bench.startup import command, environment

ITERATIONS = 9  # 1 user message + 9 x (call, result) + 1 answer = 20 messages
TARGET_MS = 100


def messages_like(thread: list[Any], n: int) -> list[Any]:
    """A copy of `thread`'s messages with fresh ids and call ids, as another thread would have."""
    copies = []
    for message in thread:
        update: dict[str, Any] = {"id": f"{message.id}-{n}"}
        if getattr(message, "tool_calls", None):
            update["tool_calls"] = [{**c, "id": f"{c['id']}-{n}"} for c in message.tool_calls]
        if getattr(message, "tool_call_id", None):
            update["tool_call_id"] = f"{message.tool_call_id}-{n}"
        copies.append(message.model_copy(update=update))
    return copies


async def create_threads(home: Path, count: int, size: int) -> list[str]:
    from configs.settings import Settings
    from graph.session import Session

    script = Script(ITERATIONS, size)
    model = script.model()
    settings = Settings(model_name="openai/scripted-model", stream=False)
    opened = {"home": home, "workspace": home, "catalog": script.catalog(), "mode": "headless"}
    async with Session.open(
        settings, thread_id="thread-0000", chat_model_factory=lambda _id: model, **opened
    ) as session:
        async for _ in session.send("Fine-tune a small model on my dataset."):
            pass
        template = await session.messages()
        if len(template) != 2 * ITERATIONS + 2:
            raise RuntimeError(f"expected {2 * ITERATIONS + 2} messages, got {len(template)}")
        ids = ["thread-0000"]
        for n in range(1, count):
            thread_id = f"thread-{n:04d}"
            config = {"configurable": {"thread_id": thread_id}}
            values = {"messages": messages_like(template, n), "model": settings.model_name}
            await session.graph.aupdate_state(config, values, as_node="call_model")
            session.index.touch(
                thread_id, title=f"Task {n}: fine-tune", model=settings.model_name, cwd=str(home)
            )
            ids.append(thread_id)
    return ids


async def time_open(home: Path, thread_id: str) -> tuple[float, int]:
    from configs.settings import Settings
    from graph.session import Session

    started = time.perf_counter()
    async with Session.open(
        Settings(), thread_id=thread_id, home=home, workspace=home, mode="headless"
    ) as session:
        messages = (await session.values())["messages"]
        elapsed = time.perf_counter() - started
    return elapsed, len(messages)


def time_list(home: Path, runs: int) -> dict[str, float]:
    from store.checkpointer import DB_NAME
    from store.thread_index import ThreadIndex

    index = ThreadIndex(home / DB_NAME)

    def timed(**kwargs: Any) -> float:
        started = time.perf_counter()
        found = index.list(**kwargs)
        elapsed = time.perf_counter() - started
        assert found, "the index is empty"
        return elapsed

    return {
        "list_all_ms": 1000 * median([timed(limit=10_000) for _ in range(runs)]),
        "list_cwd_50_ms": 1000 * median([timed(cwd=str(home), limit=50) for _ in range(runs)]),
    }


def time_cli_list(home: Path, runs: int) -> float:
    """`ml-intern threads list --all --limit 10000`, each run a fresh process."""
    env = environment(home.parent)
    env["ML_INTERN_HOME"] = str(home)

    def once() -> float:
        started = time.perf_counter()
        done = subprocess.run(
            [*command(), "threads", "list", "--all", "--limit", "10000"],
            env=env,
            cwd=home,
            capture_output=True,
            timeout=60,
        )
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(done.stderr.decode()[-500:])
        return elapsed

    once()  # compile bytecode (kept outside the venv, see bench/startup.py)
    return 1000 * median([once() for _ in range(runs)])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1000)
    parser.add_argument("--bytes", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-cli", action="store_true", help="skip the subprocess figure")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ml-intern-bench-") as tmp:
        home = Path(tmp) / "home"
        prepare_environment(home)
        with use_saver("message-store"):
            started = time.perf_counter()
            ids = asyncio.run(create_threads(home, args.threads, args.bytes))
            created_s = time.perf_counter() - started
            fig: dict[str, Any] = time_list(home, args.runs)
            fig["cli_list_ms"] = None if args.no_cli else time_cli_list(home, args.runs)
            asyncio.run(time_open(home, ids[1]))  # imports and caches: not part of opening
            opened = [asyncio.run(time_open(home, ids[0])) for _ in range(args.runs)]
            other = [asyncio.run(time_open(home, ids[-1])) for _ in range(args.runs)]
        fig.update(
            open_graph_thread_ms=1000 * median([t for t, _ in opened]),
            open_updated_thread_ms=1000 * median([t for t, _ in other]),
            messages_per_thread=opened[0][1],
            db_bytes=db_bytes(home / "threads.sqlite"),
            create_s=created_s,
        )
    report(fig, args)
    return fig


def report(fig: dict[str, Any], args: argparse.Namespace) -> None:
    def met(value: float | None) -> str | None:
        return None if value is None else ("yes" if value <= TARGET_MS else "no")

    rows = [
        [f"ThreadIndex.list all {args.threads}, ms", fig["list_all_ms"], TARGET_MS, met(fig["list_all_ms"])],
        ["ThreadIndex.list this dir, 50, ms", fig["list_cwd_50_ms"], TARGET_MS, met(fig["list_cwd_50_ms"])],
        ["`ml-intern threads list --all` (new process), ms", fig["cli_list_ms"], None, None],
        ["open thread (Session.open + values), graph-written, ms", fig["open_graph_thread_ms"], TARGET_MS,
         met(fig["open_graph_thread_ms"])],
        ["open thread, update_state-written, ms", fig["open_updated_thread_ms"], TARGET_MS,
         met(fig["open_updated_thread_ms"])],
        ["messages per thread", fig["messages_per_thread"], None, None],
        ["SQLite bytes", fig["db_bytes"], None, None],
        ["time to create the threads, s", fig["create_s"], None, None],
    ]  # fmt: skip
    print_table(
        f"bench/threads.py: {args.threads} threads x 20 messages, median of {args.runs}",
        rows,
        ["figure", "measured", "target", "met"],
    )
    print_summary({"bench": "threads", "threads": args.threads, "runs": args.runs, **fig})


if __name__ == "__main__":
    main()
