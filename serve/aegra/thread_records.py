"""Aegra's record of a thread (its `thread` table), written for threads made elsewhere.

Aegra lists, opens and resumes only threads it has a row for, and resumes an approval only
when that row says `interrupted`. A thread the CLI made on the same database (or advanced
since) has checkpoints and an index row but no such row, or a stale one. `upsert` writes
the row as the thread is: its metadata from the index (what the index does not know is left as it is), its owner (the person signed in, or
Aegra's one `anonymous` identity where a token guards the server), and `interrupted` when
its last checkpoint waits on an approval. A thread with a run pending or running is left to
Aegra, which knows better. The SQL, like every write into Aegra's tables, is in compat/aegra.py.
"""

from __future__ import annotations

import json
from typing import Any

from compat.aegra import ANONYMOUS, THREAD_UPSERT
from store.postgres_connection import borrowed

__all__ = ["ANONYMOUS", "upsert"]


def upsert(url: str, thread_id: str, *, waiting: bool, metadata: dict[str, Any],
           user_id: str) -> None:  # fmt: skip
    """Blocking: the thread's Aegra row as it is now (see the module's docstring)."""
    status = "interrupted" if waiting else "idle"
    with borrowed(url) as db:
        db.execute(THREAD_UPSERT, (thread_id, status, json.dumps(metadata), user_id))
