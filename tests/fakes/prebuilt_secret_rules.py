"""The product's Kingfisher rule set, built once in a zygote for every run forked from it.

Building `kingfisher_sdk.Rules` for tools/secrets/rules.py (~490 rules, compiled ones read
from Kingfisher's cache) costs ~0.4 s of CPU in each process that masks a text: every run
that calls the model, each web server and its `langgraph dev`. `install()` builds that rule
set before the zygote forks; a run's `Rules(...)` with the same arguments and the same rule
files gets it, any other call builds its own. Our code still runs as it does in a fresh
process (it builds its scanner on first use); only the library's rule loading is done
already. A forked copy scans as the original: the compiled database is plain memory and
Kingfisher starts no thread for it (`install` checks).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

OWN_RULES = Path(__file__).resolve().parents[2] / "tools" / "secrets" / "own_rules.yml"
# The rule set tools/secrets/rules.py's `_scanner(True)` builds.
PRODUCT_RULES: dict[str, Any] = {"builtins": True, "confidence": "low"}

Key = tuple[tuple[tuple[str, bytes], ...], tuple[tuple[str, Any], ...]]


def install() -> None:
    """Build the product's rule set now; `kingfisher_sdk.Rules` hands it to identical calls."""
    import kingfisher_sdk

    build = kingfisher_sdk.Rules
    built: dict[Key, Any] = {}
    key = rules_key([OWN_RULES], PRODUCT_RULES)
    assert key is not None, OWN_RULES
    built[key] = build([OWN_RULES], **PRODUCT_RULES)
    if len(os.listdir("/proc/self/task")) != 1:
        raise RuntimeError("Kingfisher left a thread running: forking this process is unsafe")

    def rules(paths: Iterable[str | os.PathLike[str]] = (), **options: Any) -> Any:
        asked = rules_key(paths, options)
        found = built.get(asked) if asked is not None else None
        return found if found is not None else build(paths, **options)

    rules.prebuilt = True  # type: ignore[attr-defined]
    kingfisher_sdk.Rules = rules


def rules_key(paths: Iterable[str | os.PathLike[str]], options: dict[str, Any]) -> Key | None:
    """What a rule set is built from: each file's path and bytes, and the options (None:
    a file that cannot be read, or paths given as one path, which `Rules` refuses)."""
    if isinstance(paths, (str, os.PathLike)):
        return None
    try:
        files = tuple((str(Path(p).resolve()), Path(p).read_bytes()) for p in paths)
    except OSError:
        return None
    return files, tuple(sorted(options.items()))


def main() -> None:
    """What the product's rule set finds in stdin, one JSON line: whether this process was
    handed a prebuilt rule set, then each finding's rule and byte offsets."""
    import json

    import kingfisher_sdk

    rules = kingfisher_sdk.Rules([OWN_RULES], **PRODUCT_RULES)
    scanner = kingfisher_sdk.Scanner(rules, base64=True, dedup=False, redact=False)
    found = scanner.scan(sys.stdin.buffer.read())
    spans = sorted((f.rule_id, f.location["start_offset"], f.location["end_offset"]) for f in found)
    prebuilt = getattr(kingfisher_sdk.Rules, "prebuilt", False)
    print(json.dumps({"prebuilt": prebuilt, "found": spans}))


if __name__ == "__main__":
    main()
