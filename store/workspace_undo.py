"""Undo's file half: put a workspace back as it was before a set of tool calls.

Only the thread's own workspace is written: a change row is data from a database others may
write (a shared PostgreSQL, a copied thread), and one whose root names another folder is
refused and named in the report, nothing written under it.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from store.workspace_journal import WorkspaceJournal
from store.workspace_records import CallChanges
from store.workspace_restore import RestoreMarker, RestoreReport, restore
from store.workspace_tree import Tree


def undo_calls(
    journal: WorkspaceJournal,
    home: Path,
    thread_id: str,
    call_ids: list[str],
    *,
    workspace: Path,
) -> tuple[RestoreReport, set[str]]:
    """Restore what `call_ids` changed in `workspace` (newest undone first, the user's later
    work kept); rows recorded under any other root are refused and named. Returns the report
    and which of the calls had a record at all. Blocking."""
    report = RestoreReport()
    marker = RestoreMarker(home, thread_id)
    report.finished_interrupted = marker.left_over()
    recorded = journal.records.recorded(thread_id, call_ids)
    rows = journal.records.changes_of(thread_id, call_ids)
    if not rows:
        marker.end()
        return report, recorded
    marker.begin(call_ids)  # a kill from here on is finished by the next undo
    by_root: dict[str, list[CallChanges]] = defaultdict(list)
    for row in rows:
        by_root[row.root].append(row)
    own = str(workspace.resolve())
    for root, root_rows in by_root.items():
        if root != own:
            report.failed.append(foreign(root, root_rows, own))
            continue
        restore(journal.records, Tree(Path(root), journal.rules), root_rows, report)
        journal.forget_scan(Path(root))
    journal.records.mark_reverted(thread_id, [row.call_id for row in rows])
    marker.end()
    return report, recorded


def foreign(root: str, rows: list[CallChanges], own: str) -> str:
    """The report line for rows recorded under `root`, which is not the thread's workspace."""
    count = sum(len(row.changes) for row in rows)
    return (
        f"{root}: refused: {count} recorded change(s) name this folder, not this"
        f" thread's workspace ({own}); nothing was written there"
    )
