"""Loop benchmark: framework overhead per iteration, storage growth, reopen and undo.

Drives the real graph through `Session` (headless) with an in-process scripted model
for N iterations of a tool returning K bytes, then runs the floor: a plain loop that
serialises the same messages with the same serializer and appends them to SQLite
with the same durability (WAL, synchronous=NORMAL, one commit per step).

    uv run python bench/loop.py [--iterations 300] [--bytes 20000] [--repeats 3]

Framework overhead of an iteration = wall time between two model calls minus the
time spent inside the model and the tool (both timed where they run).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from unittest.mock import patch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loop_script import Script
from bench.report import (
    db_bytes,
    median,
    prepare_environment,
    print_summary,
    print_table,
    ratio,
)

THREAD = "bench-loop"


@asynccontextmanager
async def langgraph_sqlite_saver(path: Path) -> AsyncIterator[Any]:
    """The saver this project used before `MessageStoreSaver`, for comparison."""
    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    async with aiosqlite.connect(str(path), timeout=10) as conn:
        for pragma in ("busy_timeout=10000", "journal_mode=WAL", "synchronous=NORMAL"):
            await conn.execute(f"PRAGMA {pragma}")
        saver = AsyncSqliteSaver(conn)
        await saver.setup()
        yield saver


def use_saver(name: str) -> Any:
    """Make `Session.open` use the saver called `name`."""
    import graph.session
    from store.checkpointer import open_checkpointer

    factory = {"message-store": open_checkpointer, "langgraph-sqlite": langgraph_sqlite_saver}
    return patch.object(graph.session, "open_checkpointer", factory[name])


async def run_agent(home: Path, iterations: int, size: int) -> dict[str, Any]:
    from configs.settings import Settings
    from graph.session import Session
    from store.checkpointer import DB_NAME

    script = Script(iterations, size)
    settings = Settings(
        model_name="openai/scripted-model", stream=False, compact_at_tokens=10**9,
        max_iterations=iterations + 5, tool_output_max_chars=max(20_000, size + 1_000),
    )  # fmt: skip
    model = script.model()
    opened = {"home": home, "workspace": home, "catalog": script.catalog(), "mode": "headless"}

    def session(**extra: Any) -> Any:
        return Session.open(
            settings, thread_id=THREAD, chat_model_factory=lambda _id: model, **opened, **extra
        )

    started = time.perf_counter()
    async with session() as s:
        events = [e async for e in s.send("Train the model and report the metrics.")]
    wall = time.perf_counter() - started
    if events[-1].type != "turn_complete" or events[-1].data["stop_reason"] != "done":
        raise RuntimeError(f"the run did not finish cleanly: {events[-1]}")
    db = home / DB_NAME
    size_on_disk = db_bytes(db)

    reopen, read, messages = [], [], []
    for _ in range(5):
        t0 = time.perf_counter()
        async with session() as s:
            t1 = time.perf_counter()
            messages = (await s.values())["messages"]
            t2 = time.perf_counter()
        reopen.append(t2 - t0)
        read.append(t2 - t1)
    if len(messages) != 2 * iterations + 2:
        raise RuntimeError(f"expected {2 * iterations + 2} messages, found {len(messages)}")

    undo = []
    async with session() as s:
        for _ in range(3):
            await _drain(s.send("Thanks, that is all."))
            t0 = time.perf_counter()
            event = await s.undo()
            undo.append(time.perf_counter() - t0)
            if event.type != "undo_complete":
                raise RuntimeError(f"undo failed: {event}")
    return {
        "clock": script.clock,
        "messages": messages,
        "wall": wall,
        "db_bytes": size_on_disk,
        "db_bytes_after_undo": db_bytes(db),
        "reopen": median(reopen),
        "read_state": median(read),
        "undo": median(undo),
    }


async def _drain(events: Any) -> None:
    async for _ in events:
        pass


def run_floor(path: Path, messages: list[Any]) -> dict[str, Any]:
    """Append each new message to a plain table: serialise, insert, commit."""
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    serde = JsonPlusSerializer()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE messages (thread_id TEXT, seq INTEGER, type TEXT, blob BLOB, "
        "PRIMARY KEY (thread_id, seq))"
    )

    def append(seq: int, message: Any) -> None:
        type_, blob = serde.dumps_typed(message)
        conn.execute("BEGIN")
        conn.execute("INSERT INTO messages VALUES (?, ?, ?, ?)", (THREAD, seq, type_, blob))
        conn.execute("COMMIT")

    append(0, messages[0])
    per_iteration = []
    for i in range(1, len(messages) - 1, 2):
        t0 = time.perf_counter()
        append(i, messages[i])
        append(i + 1, messages[i + 1])
        per_iteration.append(time.perf_counter() - t0)
    append(len(messages) - 1, messages[-1])
    conn.close()
    size_on_disk = db_bytes(path)

    t0 = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    rows = conn.execute(
        "SELECT type, blob FROM messages WHERE thread_id = ? ORDER BY seq", (THREAD,)
    ).fetchall()
    restored = [serde.loads_typed(row) for row in rows]
    reopen = time.perf_counter() - t0
    assert len(restored) == len(messages)
    append(len(messages), messages[0])
    t0 = time.perf_counter()
    conn.execute("DELETE FROM messages WHERE thread_id = ? AND seq >= ?", (THREAD, len(messages)))
    undo = time.perf_counter() - t0
    conn.close()
    return {
        "per_iteration": per_iteration,
        "db_bytes": size_on_disk,
        "reopen": reopen,
        "undo": undo,
    }


def windows(iterations: int) -> dict[str, tuple[int, int]]:
    """The iteration ranges the issue names (1-10, 140-150, 290-300), for any N."""
    n = iterations
    mid = (max(1, round(n * 140 / 300)), max(1, round(n * 150 / 300)))
    return {"early": (1, min(10, n)), "mid": mid, "late": (max(1, n - 10), n)}


def window_ms(values: list[float], span: tuple[int, int]) -> float:
    lo, hi = span
    return 1000 * median(values[lo - 1 : hi])


async def one_run(iterations: int, size: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ml-intern-bench-") as tmp:
        home = Path(tmp)
        agent = await run_agent(home, iterations, size)
        floor = run_floor(home / "floor.sqlite", agent["messages"])
    overheads = agent["clock"].overheads()
    spans = windows(iterations)
    transcript = sum(len(_text(m).encode()) for m in agent["messages"])
    result: dict[str, Any] = {}
    cpu = agent["clock"].cpu_overheads()
    for name, span in spans.items():
        result[f"overhead_{name}_ms"] = window_ms(overheads, span)
        result[f"floor_{name}_ms"] = window_ms(floor["per_iteration"], span)
        result[f"cpu_{name}_ms"] = window_ms(cpu, span)
    result.update(
        overhead_mean_ms=1000 * sum(overheads) / len(overheads),
        overhead_max_ms=1000 * max(overheads),
        floor_mean_ms=1000 * sum(floor["per_iteration"]) / len(floor["per_iteration"]),
        transcript_bytes=transcript,
        db_bytes=agent["db_bytes"],
        db_bytes_after_undo=agent["db_bytes_after_undo"],
        floor_db_bytes=floor["db_bytes"],
        reopen_ms=1000 * agent["reopen"],
        read_state_ms=1000 * agent["read_state"],
        floor_reopen_ms=1000 * floor["reopen"],
        undo_ms=1000 * agent["undo"],
        floor_undo_ms=1000 * floor["undo"],
        run_s=agent["wall"],
    )
    return result


def _text(message: Any) -> str:
    content = message.content
    return content if isinstance(content, str) else str(content)


async def warm_up() -> None:
    """Imports and first-call caches (litellm, pydantic) are start-up, not loop overhead."""
    with tempfile.TemporaryDirectory(prefix="ml-intern-bench-") as tmp:
        await run_agent(Path(tmp), 3, 1_000)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--bytes", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also run LangGraph's AsyncSqliteSaver (the saver before MessageStoreSaver), "
        "alternating with it in the same process",
    )
    args = parser.parse_args(argv)
    savers = ["message-store", "langgraph-sqlite"] if args.compare else ["message-store"]
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in savers}
    with tempfile.TemporaryDirectory(prefix="ml-intern-bench-home-") as home:
        prepare_environment(Path(home))
        asyncio.run(warm_up())
        for _ in range(args.repeats):
            for name in savers:
                with use_saver(name):
                    runs[name].append(asyncio.run(one_run(args.iterations, args.bytes)))
    figs = {name: {k: median([r[k] for r in rs]) for k in rs[0]} for name, rs in runs.items()}
    report(figs, args)
    return figs["message-store"]


ROWS = [
    # (label, key, floor key)
    ("  CPU time (all threads), early, ms", "cpu_early_ms", None),
    ("  CPU time (all threads), late, ms", "cpu_late_ms", None),
    ("overhead/iteration mean, ms", "overhead_mean_ms", "floor_mean_ms"),
    ("overhead/iteration max, ms", "overhead_max_ms", None),
    ("SQLite bytes (db + wal)", "db_bytes", "floor_db_bytes"),
    ("SQLite bytes after 3 undos", "db_bytes_after_undo", None),
    ("transcript bytes", "transcript_bytes", None),
    ("reopen thread + read state, ms", "reopen_ms", "floor_reopen_ms"),
    ("  of which read state, ms", "read_state_ms", None),
    ("undo, ms", "undo_ms", "floor_undo_ms"),
]


def report(figs: dict[str, dict[str, Any]], args: argparse.Namespace) -> None:
    spans = windows(args.iterations)
    labels = [
        (f"overhead/iteration {name} ({lo}-{hi}), ms", f"overhead_{name}_ms", f"floor_{name}_ms")
        for name, (lo, hi) in spans.items()
    ]
    main_fig = figs["message-store"]
    rows = []
    for label, key, floor_key in [*labels, *ROWS]:
        row: list[Any] = [label]
        for fig in figs.values():
            row += [fig[key], ratio(fig[key], fig[floor_key]) if floor_key else None]
        rows.append([*row, main_fig[floor_key] if floor_key else None])
    header = ["figure"]
    for name in figs:
        header += [name, "x floor"]
    print_table(
        f"bench/loop.py: {args.iterations} iterations x {args.bytes:,} bytes, "
        f"median of {args.repeats}",
        rows,
        [*header, "floor"],
    )
    summary: dict[str, Any] = {
        "bench": "loop",
        "iterations": args.iterations,
        "bytes": args.bytes,
        "repeats": args.repeats,
    }
    for name, fig in figs.items():
        derived = {
            "growth_late_early": ratio(fig["overhead_late_ms"], fig["overhead_early_ms"]),
            "late_over_floor": ratio(fig["overhead_late_ms"], fig["floor_late_ms"]),
            "mean_over_floor": ratio(fig["overhead_mean_ms"], fig["floor_mean_ms"]),
            "db_over_transcript": ratio(fig["db_bytes"], fig["transcript_bytes"]),
        }
        print(f"\n{name}: " + ", ".join(f"{k} {v}x" for k, v in derived.items()))
        rounded = {k: round(v, 3) if isinstance(v, float) else v for k, v in fig.items()}
        summary[name] = {**rounded, **derived}
    print("targets: growth <= 1.5x, overhead <= 3x floor, db <= 2x transcript, "
          "reopen <= 100 ms, undo <= 200 ms")  # fmt: skip
    print_summary(summary)


if __name__ == "__main__":
    main()
