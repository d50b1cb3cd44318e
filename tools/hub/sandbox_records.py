"""What a thread remembers of its sandbox Spaces: one small JSON file per thread.

`<ML_INTERN_HOME>/sandboxes/<thread_id>.json` holds ``{"sandboxes": [record, ...]}``, each
record ``{"repo_id", "flavor", "price_per_hour", "sleep_time_s", "created", "key",
"call_id"}``. A record is written as soon as the Space exists (before its app is uploaded),
so a sandbox is never forgotten, and removed when it is deleted. The file holds each
sandbox's access key, so it is written owner-only (0600).

`thread_sandboxes(home, thread_id)` is what `/status` and the end of a thread read.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langchain_core.tools import ToolException

from tools.result_texts import hub_sandbox as texts
from tools.result_texts import tool_text

FIELDS = ("repo_id", "flavor", "price_per_hour", "sleep_time_s", "created", "key", "call_id")


@dataclass(frozen=True)
class SandboxRecord:
    repo_id: str  # "user/name" of the Space
    flavor: str  # its hardware, e.g. "t4-small"
    price_per_hour: float | None  # USD per hour while it runs; None when unknown
    sleep_time_s: int | None  # idle seconds before it sleeps; None: the Hub's default
    created: str  # ISO 8601, UTC
    key: str = field(repr=False)  # what its runtime wants in X-Sandbox-Key
    call_id: str | None = None  # the tool call that created it (a re-run re-attaches)

    @property
    def name(self) -> str:
        return self.repo_id.split("/", 1)[-1]


def records_path(home: Path, thread_id: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", thread_id)[:120] or "default"
    return Path(home) / "sandboxes" / f"{safe}.json"


def thread_sandboxes(home: Path, thread_id: str) -> list[SandboxRecord]:
    """The sandboxes this thread created and has not deleted, oldest first ([] if none)."""
    try:
        data = json.loads(records_path(home, thread_id).read_text())
    except (OSError, ValueError):
        return []
    items = data.get("sandboxes") if isinstance(data, dict) else None
    return [_record(item) for item in items or [] if _valid(item)]


def remember(home: Path, thread_id: str, record: SandboxRecord) -> None:
    others = [r for r in thread_sandboxes(home, thread_id) if r.repo_id != record.repo_id]
    _write(home, thread_id, [*others, record])


def forget(home: Path, thread_id: str, repo_id: str) -> None:
    kept = [r for r in thread_sandboxes(home, thread_id) if r.repo_id != repo_id]
    if kept:
        _write(home, thread_id, kept)
    else:
        records_path(home, thread_id).unlink(missing_ok=True)


def find(records: list[SandboxRecord], wanted: str | None) -> SandboxRecord:
    """The record `wanted` names ('user/name' or 'name'); the only one when None."""
    if wanted:
        wanted = wanted.strip().removeprefix("spaces/")
        for record in records:
            if wanted in (record.repo_id, record.name):
                return record
    elif len(records) == 1:
        return records[0]
    known = ", ".join(r.repo_id for r in records)
    if not records:
        why = tool_text("hf_sandbox", texts.NONE_YET)
    elif wanted:
        why = tool_text("hf_sandbox", texts.THREADS_ARE, known=known)
    else:
        why = tool_text("hf_sandbox", texts.SEVERAL, known=known)
    named = tool_text("hf_sandbox", texts.NAMED, name=wanted) if wanted else ""
    raise ToolException(tool_text("hf_sandbox", texts.UNKNOWN, named=named, why=why))


# --- how a sandbox reads to a person --------------------------------------------------------


def price_text(price: float | None) -> str:
    if price is None:
        return tool_text("hf_sandbox", texts.PRICE_UNKNOWN)
    if price == 0:
        return tool_text("hf_sandbox", texts.FREE)
    return tool_text("hf_sandbox", texts.PER_HOUR, price=price)


def sleep_text(seconds: int | None) -> str:
    if seconds is None:
        return tool_text("hf_sandbox", texts.SLEEPS_DEFAULT)
    if seconds < 0:
        return tool_text("hf_sandbox", texts.NEVER_SLEEPS)
    if seconds < 60:
        return tool_text("hf_sandbox", texts.SLEEPS_SECONDS, seconds=seconds)
    if seconds < 7200:
        return tool_text("hf_sandbox", texts.SLEEPS_MINUTES, minutes=seconds // 60)
    return tool_text("hf_sandbox", texts.SLEEPS_HOURS, hours=seconds // 3600)


def sandbox_line(record: SandboxRecord, stage: str | None = None) -> str:
    """One line per sandbox, as `list` and `/status` show it."""
    when = record.created[:16].replace("T", " ")
    parts = [record.repo_id, record.flavor, price_text(record.price_per_hour)]
    parts += [stage] if stage else []
    parts += [sleep_text(record.sleep_time_s), tool_text("hf_sandbox", texts.CREATED_AT, when=when)]
    return tool_text("hf_sandbox", texts.LINE, parts=" · ".join(parts))


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- the file -------------------------------------------------------------------------------


def _valid(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("repo_id"), str) and "key" in item


def _record(item: dict[str, Any]) -> SandboxRecord:
    return SandboxRecord(**{name: item.get(name) for name in FIELDS})


def _write(home: Path, thread_id: str, records: list[SandboxRecord]) -> None:
    """Atomically, readable by the owner only (the records hold access keys)."""
    path = records_path(home, thread_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            json.dump({"sandboxes": [asdict(r) for r in records]}, out, indent=1)
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
