"""Threads in PostgreSQL vs SQLite: the loop of bench/loop.py, checkpoint writes per step,
and the thread index's list over 1,000 threads.

    uv run python bench/postgres.py --url postgresql://user:pw@127.0.0.1:5432/postgres \
        [--iterations 300] [--bytes 20000] [--repeats 1] [--threads 1000]

The URL's role must be able to CREATE DATABASE: every Postgres run gets a fresh database,
dropped afterwards. SQLite runs use the default saver (`MessageStoreSaver`); Postgres runs
use what `ML_INTERN_DATABASE_URL` selects (`ThreadPostgresSaver`, LangGraph's saver).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest.mock import patch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import median, prepare_environment, print_summary, print_table

URL_ENV = "ML_INTERN_DATABASE_URL"


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """A new database on the server of `admin_url`; its URL (dropped on exit)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = "ml_intern_bench_" + uuid.uuid4().hex[:12]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = make_conninfo(**{**conninfo_to_dict(admin_url), "dbname": name})
    try:
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def pg_bytes(url: str) -> int:
    """Bytes of the checkpoint and index tables (heap, TOAST and indexes)."""
    import psycopg

    tables = ("checkpoints", "checkpoint_blobs", "checkpoint_writes", "ml_intern_threads")
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT sum(pg_total_relation_size(c)) FROM unnest(%s::regclass[]) c", (list(tables),)
        ).fetchone()
    return int(row[0] or 0)


@contextmanager
def timed_writes(totals: dict[str, float]) -> Iterator[None]:
    """Add the wall time of every aput / aput_writes of the session's saver to `totals`."""
    import graph.session

    opened = graph.session.open_checkpointer

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        from contextlib import asynccontextmanager

        @asynccontextmanager
        async def opening() -> Any:
            async with opened(*args, **kwargs) as saver:
                for name in ("aput", "aput_writes"):
                    setattr(saver, name, _timer(getattr(saver, name), totals))
                yield saver

        return opening()

    with patch.object(graph.session, "open_checkpointer", wrapped):
        yield


def _timer(method: Any, totals: dict[str, float]) -> Any:
    async def timed(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return await method(*args, **kwargs)
        finally:
            totals["s"] = totals.get("s", 0.0) + time.perf_counter() - t0
            totals["n"] = totals.get("n", 0) + 1

    return timed


def pg_message_bytes(url: str) -> dict[str, int]:
    """Serialized bytes of the `messages` channel in LangGraph's tables: its writes (each
    step's new messages) and its blobs (the DeltaChannel's periodic snapshots of the whole
    list); raw, and as stored (TOAST compresses)."""
    import psycopg

    sizes = "coalesce(sum(octet_length(blob)), 0), coalesce(sum(pg_column_size(blob)), 0)"
    with psycopg.connect(url) as conn:
        writes = conn.execute(
            f"SELECT {sizes} FROM checkpoint_writes WHERE channel = 'messages'"
        ).fetchone()
        blobs = conn.execute(
            f"SELECT {sizes} FROM checkpoint_blobs WHERE channel = 'messages'"
        ).fetchone()
    return {"message_once_bytes": int(writes[0]), "message_once_stored": int(writes[1]),  # type: ignore[index]
            "snapshot_bytes": int(blobs[0]), "snapshot_stored": int(blobs[1])}  # type: ignore[index]  # fmt: skip


def sqlite_message_bytes(path: Path) -> dict[str, int]:
    """The message-once layout: each message once, and the checkpoints holding snapshots
    (as references to stored messages); SQLite does not compress."""
    import sqlite3

    from store.message_codec import CHECKPOINT_REFS

    with sqlite3.connect(path) as conn:
        once = conn.execute("SELECT coalesce(sum(length(blob)), 0) FROM ml_intern_messages")
        once_bytes = int(once.fetchone()[0])
        snapshots = conn.execute(
            "SELECT coalesce(sum(length(checkpoint)), 0) FROM checkpoints WHERE type = ?",
            (CHECKPOINT_REFS,),
        )
        snapshot_bytes = int(snapshots.fetchone()[0])
    return {"message_once_bytes": once_bytes, "message_once_stored": once_bytes,
            "snapshot_bytes": snapshot_bytes, "snapshot_stored": snapshot_bytes}  # fmt: skip


def loop_run(url: str | None, iterations: int, size: int) -> dict[str, Any]:
    """bench/loop.py's run on SQLite (url None) or on a fresh Postgres database."""
    import bench.loop

    totals: dict[str, float] = {}
    sizes: dict[str, int] = {}

    def measured(total: Any, messages: Any) -> Any:
        def db_bytes(place: Any) -> int:
            if not sizes:  # the first look: after the run, before undo
                sizes.update(messages(place))
            return int(total(place))

        return db_bytes

    if url is None:
        os.environ.pop(URL_ENV, None)
        counted = measured(bench.loop.db_bytes, sqlite_message_bytes)
        with timed_writes(totals), patch.object(bench.loop, "db_bytes", counted):
            result = asyncio.run(bench.loop.one_run(iterations, size))
    else:
        with (
            fresh_database(url) as db,
            patch.dict(os.environ, {URL_ENV: db}),
            timed_writes(totals),
            patch.object(
                bench.loop,
                "db_bytes",
                measured(lambda _p: pg_bytes(db), lambda _p: pg_message_bytes(db)),
            ),
        ):
            result = asyncio.run(bench.loop.one_run(iterations, size))
    result.update(sizes)
    result["writes_per_step_ms"] = 1000 * totals.get("s", 0.0) / iterations
    result["writes_calls_per_step"] = totals.get("n", 0) / iterations
    return result


def list_run(url: str | None, count: int) -> dict[str, float]:
    """`threads list` (50 newest; this directory's 50; all) over `count` index rows."""
    from store.thread_index import ThreadIndex

    def timings(index: ThreadIndex) -> dict[str, float]:
        for n in range(count):
            index.touch(f"thread-{n:04}", title=f"task {n}", model="m", cwd=f"/w/{n % 10}")
        out: dict[str, list[float]] = {"list_50_ms": [], "list_cwd_50_ms": [], "list_all_ms": []}
        for _ in range(5):
            for key, kwargs in (("list_50_ms", {}), ("list_cwd_50_ms", {"cwd": "/w/3"}),
                                ("list_all_ms", {"limit": count})):  # fmt: skip
                t0 = time.perf_counter()
                index.list(**kwargs)  # type: ignore[arg-type]
                out[key].append(1000 * (time.perf_counter() - t0))
        return {k: median(v) for k, v in out.items()}

    with tempfile.TemporaryDirectory(prefix="ml-intern-bench-") as tmp:
        if url is None:
            os.environ.pop(URL_ENV, None)
            with ThreadIndex(Path(tmp) / "threads.sqlite") as index:
                return timings(index)
        with (
            fresh_database(url) as db,
            patch.dict(os.environ, {URL_ENV: db}),
            ThreadIndex(Path(tmp) / "unused") as index,
        ):
            return timings(index)


ROWS = [
    ("overhead/iteration early, ms", "overhead_early_ms"),
    ("overhead/iteration late, ms", "overhead_late_ms"),
    ("overhead/iteration mean, ms", "overhead_mean_ms"),
    ("checkpoint writes per step, ms", "writes_per_step_ms"),
    ("saver calls per step", "writes_calls_per_step"),
    ("bytes stored", "db_bytes"),
    ("messages, each once: raw bytes", "message_once_bytes"),
    ("messages, each once: bytes as stored", "message_once_stored"),
    ("message snapshots: raw bytes", "snapshot_bytes"),
    ("message snapshots: bytes as stored", "snapshot_stored"),
    ("transcript bytes", "transcript_bytes"),
    ("reopen thread + read state, ms", "reopen_ms"),
    ("undo, ms", "undo_ms"),
    ("run wall time, s", "run_s"),
    ("threads list, 50 newest, ms", "list_50_ms"),
    ("threads list, this directory, ms", "list_cwd_50_ms"),
    ("threads list, all, ms", "list_all_ms"),
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="a Postgres URL allowed to CREATE DATABASE")
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--bytes", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1000)
    args = parser.parse_args(argv)
    figs: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="ml-intern-bench-home-") as home:
        prepare_environment(Path(home))
        import bench.loop

        asyncio.run(bench.loop.warm_up())
        runs: dict[str, list[dict[str, Any]]] = {"sqlite": [], "postgres": []}
        for _ in range(args.repeats):
            for name, url in (("sqlite", None), ("postgres", args.url)):
                runs[name].append(loop_run(url, args.iterations, args.bytes))
        for name, url in (("sqlite", None), ("postgres", args.url)):
            figs[name] = {k: median([r[k] for r in runs[name]]) for k in runs[name][0]}
            figs[name] |= list_run(url, args.threads)
    rows = [[label, figs["sqlite"][key], figs["postgres"][key]] for label, key in ROWS]
    print_table(
        f"bench/postgres.py: {args.iterations} iterations x {args.bytes:,} bytes, "
        f"{args.threads} threads listed, median of {args.repeats}",
        rows,
        ["figure", "SQLite (MessageStoreSaver)", "Postgres (ThreadPostgresSaver)"],
    )
    print_summary({"bench": "postgres", **{n: {k: figs[n][k] for _, k in ROWS} for n in figs}})


if __name__ == "__main__":
    main()
