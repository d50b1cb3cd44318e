"""The rules whose hook raised, remembered between processes for `ml-intern models show`.

One record per rule and model (rule, model, the error's first line, when), in
``$ML_INTERN_HOME/failed_rules.json``: written by the process the hook raised in
(tools/adaptation_guard.py `dropped`), whole, through a temporary file and `os.replace` (a
reader never sees half of it), the newest `MAX_RECORDS` kept. The home is the user's, never
the workspace (serve/server_walls.py refuses a workspace inside it); what is read back is
still checked field by field, from a regular file not reached through a link, bounded.

A record stays until the rule fails again with that model (it is replaced) or
`ml-intern models show MODEL --clear-failed` forgets the model's: the person who fixed or
upgraded the rule says it works again.
Why: no version or clock tells that a rule was fixed, and one still broken is marked anew the
next time it runs.

>>> RuleFailure("a-rule", "llamacpp/q", "ValueError: no", 1.75e9).mark
'failed at 2025-06-15 15:06 UTC: ValueError: no'
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from configs.environment import ml_intern_home
from configs.regular_file import read_regular

FILE = "failed_rules.json"
MAX_RECORDS = 64
MAX_ERROR_CHARS = 200
_MAX_BYTES = 1 << 16
_LOCK = threading.Lock()  # one writer at a time in a process (between processes: the last)


@dataclass(frozen=True)
class RuleFailure:
    """A rule whose hook raised: with which model ("" when no model was being resolved),
    the error's first line, when (seconds since the epoch)."""

    rule: str
    model: str
    error: str
    at: float

    @property
    def mark(self) -> str:
        """How `ml-intern models show` marks the rule."""
        return (
            f"failed at {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(self.at))}: {self.error}"
        )


def one_line(text: str) -> str:
    """The first line of `text`, printable and at most `MAX_ERROR_CHARS` long."""
    first = text.strip().partition("\n")[0]
    return "".join(c if c.isprintable() else " " for c in first)[:MAX_ERROR_CHARS]


def record_failure(failure: RuleFailure, home: Path | None = None) -> None:
    """Keep `failure` in place of the record of its rule and model (OSError when the home
    cannot be written)."""
    same = (failure.rule, failure.model)
    with _LOCK:
        kept = [f for f in _records(home) if (f.rule, f.model) != same]
        _write([*kept, failure][-MAX_RECORDS:], home)


def failures_of(model: str, home: Path | None = None) -> list[RuleFailure]:
    """The recorded failures of rules with `model`, oldest first."""
    return [failure for failure in _records(home) if failure.model == model]


def clear_failures(model: str, home: Path | None = None) -> int:
    """Forget the recorded failures with `model`; how many there were."""
    with _LOCK:
        records = _records(home)
        kept = [failure for failure in records if failure.model != model]
        if len(kept) != len(records):
            _write(kept, home)
    return len(records) - len(kept)


def _path(home: Path | None) -> Path:
    return (home or ml_intern_home()) / FILE


def _records(home: Path | None) -> list[RuleFailure]:
    try:
        data = json.loads(read_regular(_path(home), _MAX_BYTES) or b"{}")
    except (OSError, ValueError):
        return []
    found = data.get("failures") if isinstance(data, dict) else None
    return [f for item in found or () if (f := _failure(item)) is not None][-MAX_RECORDS:]


def _failure(item: Any) -> RuleFailure | None:
    if not isinstance(item, dict):
        return None
    rule, model, error, at = (item.get(key) for key in ("rule", "model", "error", "at"))
    texts = all(isinstance(value, str) for value in (rule, model, error))
    if not texts or not isinstance(at, int | float) or isinstance(at, bool):
        return None
    return RuleFailure(one_line(rule)[:100], one_line(model)[:200], one_line(error), float(at))


def _write(records: list[RuleFailure], home: Path | None) -> None:
    target = _path(home)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{FILE}.{os.getpid()}.{threading.get_ident()}.tmp")
    temp.write_text(json.dumps({"failures": [asdict(f) for f in records]}, indent=1) + "\n")
    os.replace(temp, target)
